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

"""Into a RegionTwo with two stores (``GD_GLANCE2_STORES=2 tools/cloud
up``: "fast", the region's default, file or RBD, and "cheap", a file
store): a glance-download import with ``all_stores`` ends with the image
in both, one with ``stores`` in the one named.

Skipped unless RegionTwo has two stores (tools/run-tests stages tagged
``@2stores``).
"""

from tests.functional import base

SIZE = 2 * base.MiB + 12345


class MultiStoreTest(base.TestCase):

    def setUp(self):
        super().setUp()
        conf = self.region_two.conf
        self.stores = [backend.split(':')[0].strip() for backend in
                       conf.get('DEFAULT', 'enabled_backends').split(',')]
        if len(self.stores) < 2:
            self.skipTest('RegionTwo has one store (start the cloud with '
                          'GD_GLANCE2_STORES=2)')
        self.default = conf.get('glance_store', 'default_backend')

    def copy(self, **import_args):
        """glance-download a new source into a new target with
        ``import_args`` (stores, all_stores...); the target after.
        """
        data, sha512 = base.generate(SIZE)
        source = self.create_image(base.REGION_ONE, data=data,
                                   disk_format='raw', container_format='bare')
        target = self.create_target()
        self.import_image(
            target['id'], method='glance-download',
            remote_region=base.REGION_ONE, remote_image_id=source['id'],
            remote_service_interface='public', **import_args)
        image, task = self.wait_for_import(target['id'])
        self.assert_task_succeeded(task)
        self.assertEqual(('active', SIZE, sha512),
                         (image['status'], image['size'],
                          image['os_hash_value']))
        self.assertFalse(image.get('os_glance_importing_to_stores'))
        self.assertFalse(image.get('os_glance_failed_import'))
        self.assert_no_staged_data(image['id'])
        return image

    def test_all_stores(self):
        # allow_failure=False: all_stores_must_succeed, Glance's default.
        image = self.copy(all_stores=True, allow_failure=False)
        self.assertEqual(sorted(self.stores),
                         sorted(image['stores'].split(',')))

    def test_one_chosen_store(self):
        other = [s for s in self.stores if s != self.default][0]
        image = self.copy(stores=[other])
        self.assertEqual(other, image['stores'])
