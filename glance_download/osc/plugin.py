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

"""OpenStackClient plugin module for ``openstack image copy``.

python-openstackclient loads every module registered under the
``openstack.cli.extension`` entry point group and reads API_NAME,
API_VERSION_OPTION, API_VERSIONS, DEFAULT_API_VERSION, make_client() and
build_option_parser() from it; the commands then come from the
``openstack.<API_NAME>.v<version>`` entry point group
(``openstack.image_copy.v1``). OSC's own image commands live in
``openstack.image.v2`` and have no ``image copy``.
"""

import logging

from osc_lib import utils

from glance_download.copying import regions

LOG = logging.getLogger(__name__)

API_NAME = 'image_copy'
API_VERSION_OPTION = 'os_image_copy_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = ('1',)


def make_client(instance):
    """OSC's ``client_manager.image_copy``: Glance clients per region."""
    LOG.debug('image_copy client over the OSC session, interface %s',
              instance.interface)
    return regions.GlanceRegions(instance.session, instance.interface)


def build_option_parser(parser):
    """The global option OSC expects from every plugin."""
    parser.add_argument(
        '--os-image-copy-api-version',
        metavar='<image-copy-api-version>',
        default=utils.env('OS_IMAGE_COPY_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='image copy command version, default=%s (Env: '
             'OS_IMAGE_COPY_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
