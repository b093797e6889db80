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

"""Into a RegionTwo that converts to raw (``GD_CONVERT=raw tools/cloud
up``: Glance's own ``image_conversion`` import plugin, as regions on Ceph
RBD run it): a qcow2 image ends ``active`` and ``raw`` whether it was
uploaded there (glance-direct) or copied from RegionOne (glance-download),
and its data is the raw image the qcow2 held.

Skipped unless RegionTwo converts to raw (tools/run-tests stages tagged
``@convert``).
"""

import hashlib
import io

from tests.functional import base

RAW_SIZE = 4 * base.MiB + 4096        # whole sectors: qemu-img's unit


class ConversionTest(base.TestCase):

    def setUp(self):
        super().setUp()
        conf = self.region_two.conf
        plugins = conf.get('image_import_opts', 'image_import_plugins',
                           fallback='')
        if 'image_conversion' not in plugins or conf.get(
                'image_conversion', 'output_format', fallback=None) != 'raw':
            self.skipTest('RegionTwo does not convert to raw (start the '
                          'cloud with GD_CONVERT=raw)')
        self.raw, self.raw_sha512 = base.generate(RAW_SIZE)
        self.qcow2 = base.qcow2_of(self.raw)

    def assert_converted(self, image, task):
        """Active, raw, and its data is the raw disk, as served."""
        self.assert_task_succeeded(task)
        self.assertEqual(('active', 'raw', 'bare'),
                         (image['status'], image['disk_format'],
                          image['container_format']))
        self.assertEqual(RAW_SIZE, image['size'])
        self.assertEqual(self.raw_sha512, image['os_hash_value'])
        served = hashlib.sha512()
        for chunk in self.demo[base.REGION_TWO].images.data(image['id']):
            served.update(chunk)
        self.assertEqual(self.raw_sha512, served.hexdigest())
        self.assertFalse(image.get('os_glance_importing_to_stores'))
        self.assertFalse(image.get('os_glance_failed_import'))
        self.assert_no_staged_data(image['id'])

    def test_glance_direct_qcow2_becomes_raw(self):
        image = self.create_image(base.REGION_TWO, disk_format='qcow2',
                                  container_format='bare')
        self.demo[base.REGION_TWO].images.stage(image['id'],
                                                io.BytesIO(self.qcow2),
                                                image_size=len(self.qcow2))
        self.import_image(image['id'], method='glance-direct')
        self.assert_converted(*self.wait_for_import(image['id']))

    def test_glance_download_qcow2_becomes_raw(self):
        source = self.create_image(base.REGION_ONE, data=self.qcow2,
                                   disk_format='qcow2',
                                   container_format='bare')
        self.assertEqual(hashlib.sha512(self.qcow2).hexdigest(),
                         source['os_hash_value'])
        target = self.create_target(disk_format='qcow2',
                                    container_format='bare')
        self.glance_download(target['id'], source['id'])
        self.assert_converted(*self.wait_for_import(target['id']))
        # Our plugin verified the qcow2 it downloaded against the source's
        # hash; Glance converted it after.
        self.assertEqual(1, len(self.wait_for_log(
            self.region_two, 'Image %s: staged %d bytes from image %s'
            % (target['id'], len(self.qcow2), source['id']),
            'sha512 verified')))
