# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The [glance_download] group of tempest.conf.

Everything here describes the cloud under test (which regions, which
interface, how its Glance is configured), never how a test works: the same
tests run on any two-region cloud once these match it.
"""

from oslo_config import cfg

group = cfg.OptGroup(
    name='glance_download',
    title='glance-download import tests',
    help='Cross-region image copies with the glance-download import method '
         'of the glance_download Glance plugin. The target region imports; '
         'the source region holds the images it copies.')

# The plugin's own default for [glance_download_properties]
# extra_properties_prefixes in glance-api.conf.
DEFAULT_PREFIXES = ['hw_', 'trait:', 'os_distro', 'os_secure_boot', 'os_type']

opts = [
    cfg.StrOpt(
        'source_region',
        help='Region whose Glance holds the images that are copied. The '
             'tests skip while it is unset, when it is the target region, and '
             'when the service catalog has no image endpoint in it.'),
    cfg.StrOpt(
        'target_region',
        help='Region whose Glance imports the images (the one configured '
             'with the glance_download plugin). Unset: [image] region, or '
             '[identity] region when that is unset too.'),
    cfg.StrOpt(
        'source_interface',
        default='public',
        choices=['public', 'internal', 'admin'],
        help='Catalog interface of the source region\'s image endpoint that '
             'the target Glance downloads from (glance_service_interface of '
             'the import request); tempest itself talks to the source region '
             'on [image] endpoint_type.'),
    cfg.ListOpt(
        'properties_prefixes',
        default=DEFAULT_PREFIXES,
        help='The target Glance\'s [glance_download_properties] '
             'extra_properties_prefixes, exactly as in its glance-api.conf. '
             'The copy tests expect a source property on the target exactly '
             'when its name starts with one of these (core attributes and '
             'os_glance_* never).'),
    cfg.IntOpt(
        'large_image_size',
        default=512,
        min=1,
        help='Size, in MiB, of the image the large-import tests (progress, '
             'deleting the target during the import) upload to the source '
             'region and copy. Its download must take the target Glance '
             'several times its [glance_download] progress_interval: on a '
             'fast network choose a larger one. The tests fail, saying so, '
             'when the copy ends before they saw it in progress.'),
    cfg.BoolOpt(
        'admin_tests',
        default=True,
        help='Run the tests that need an admin account: copying a public '
             'image (only admins may publicize one) and watching the import '
             'task of a deleted image (the tasks API is admin-only by '
             'default). Disable when tempest has no admin credentials.'),
    cfg.BoolOpt(
        'second_project_tests',
        default=True,
        help='Run the test that needs a second project (tempest\'s alt '
             'credentials): importing another project\'s private image must '
             'fail. Disable when tempest has no alt credentials.'),
    cfg.StrOpt(
        'web_download_url',
        help='An http(s) URL of a small disk image that the target Glance may '
             'fetch (its [import_filtering_opts] allow the host and port) and '
             'that tempest can fetch too, to compare the data. The '
             'web-download test skips while this is unset.'),
    cfg.StrOpt(
        'web_download_disk_format',
        default='raw',
        help='Disk format of the image at web_download_url (the target '
             'Glance may check that the data is of the format the image '
             'declares).'),
]


def list_opts():
    return [(group, opts)]
