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

"""The two sets of tests tools/tempest runs, and what each must show
beyond "no test failed".
"""

DEFAULT = 'upstream'


class Suite(object):

    def __init__(self, name, regex, doc):
        self.name = name
        self.regex = regex
        self.doc = doc

    def problems(self, results, say):
        return []


class Upstream(Suite):
    """Tempest's image API tests; ImportImagesTest's four glance-download
    tests must run and pass, not skip.
    """

    GLANCE_DOWNLOAD_TESTS = [
        'tempest.api.image.v2.test_images.ImportImagesTest.'
        'test_image_glance_download_import_success',
        'tempest.api.image.v2.test_images.ImportImagesTest.'
        'test_image_glance_download_import_bad_uuid',
        'tempest.api.image.v2.test_images.ImportImagesTest.'
        'test_image_glance_download_import_bad_endpoint',
        'tempest.api.image.v2.test_images.ImportImagesTest.'
        'test_image_glance_download_import_bad_missing_image',
    ]

    def problems(self, results, say):
        status = {r['id']: r['status'] for r in results}
        problems = []
        say('glance-download tests of ImportImagesTest:')
        for tid in self.GLANCE_DOWNLOAD_TESTS:
            print('  %-8s %s' % (status.get(tid, 'not run'),
                                 tid.rsplit('.', 1)[1]))
            if status.get(tid) != 'success':
                problems.append('%s did not run and pass (%s)'
                                % (tid, status.get(tid, 'not run')))
        return problems


class Plugin(Suite):
    """This project's tempest plugin (tempest-plugin/). The local cloud
    gives it everything it can use (two regions, admin, a second project,
    a web-download URL), so here a skip is a problem too.
    """

    def problems(self, results, say):
        ran = [r for r in results if r['status'] == 'success']
        problems = []
        if not ran:
            problems.append('no test of glance_download_tempest_plugin ran')
        problems += ['%s skipped on the local cloud, which offers what it '
                     'needs: %s' % (r['id'], r['reason'] or '(no reason)')
                     for r in results if r['status'] == 'skip']
        return problems


SUITES = {
    'upstream': Upstream(
        'upstream', r'^tempest\.api\.image',
        "tempest's image API tests (tempest.api.image)"),
    'plugin': Plugin(
        'plugin', r'^glance_download_tempest_plugin\.',
        "this project's tempest plugin, RegionOne to RegionTwo"),
}
