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

"""What RegionTwo's Glance does after our download, seen by the copy
command: its image conversion makes the copy raw (the copy is verified by
the plugin's record all the same), refuses the data, or its store refuses
the write. A failure leaves the copy queued as it was created, unlocked,
with no staged data, says which step failed and why, and the command ends
on it instead of following it.

Each test skips unless the cloud has what it needs: RegionTwo converting
to raw (``GD_CONVERT=raw``), a store on Ceph RBD (``GD_STORE=rbd``), two
stores (``GD_GLANCE2_STORES=2``): tools/run-tests stages tagged
``@convert``, ``@rbd``, ``@2stores``.
"""

import os
import subprocess

from glance_download import records
from tests.functional import base
from tests.functional import copy_command


class AfterTheDownloadTest(copy_command.TestCase):

    def setUp(self):
        super().setUp()
        conf = self.region_two.conf
        self.converts = 'image_conversion' in conf.get(
            'image_import_opts', 'image_import_plugins', fallback='')
        self.drivers = dict(
            backend.strip().split(':') for backend in
            conf.get('DEFAULT', 'enabled_backends').split(','))

    def need(self, converts=False, rbd=False, stores=1):
        if converts and not self.converts:
            self.skipTest('RegionTwo does not convert (GD_CONVERT=raw)')
        if rbd and 'rbd' not in self.drivers.values():
            self.skipTest('RegionTwo has no RBD store (GD_STORE=rbd)')
        if len(self.drivers) < stores:
            self.skipTest('RegionTwo has one store (GD_GLANCE2_STORES=2)')

    def assert_failed_cleanly(self, row, *reason):
        """The row says failed with ``reason``; the copy is queued with the
        formats it was created with, unlocked, with no staged data.
        """
        self.assertEqual('failed', row['Status'], row)
        for words in reason:
            self.assertIn(words, row['Message'])
        self.assertNotIn('Internal Error', row['Message'])
        copy = self.demo[base.REGION_TWO].images.get(row['Target ID'])
        self.assertEqual(('queued', 'raw', 'bare'),
                         (copy['status'], copy['disk_format'],
                          copy['container_format']))
        self.assertNotIn('os_glance_import_task', copy)
        self.assertNotIn(records.VERIFIED_HASH, copy)
        self.assertFalse(copy.get('os_glance_importing_to_stores'))
        self.assert_no_staged_data(copy['id'])
        return copy

    def test_converted_copy_is_verified(self):
        self.need(converts=True)
        source = self.make_source(
            data=base.qcow2_of(os.urandom(4 * base.MiB)),
            disk_format='qcow2')
        [row], _ = self.openstack(source['id'], '--to-region',
                                  base.REGION_TWO)
        self.assertEqual(('copied', True), (row['Status'], row['Verified']),
                         row)
        self.assertEqual(
            "sha512 of the download equal, then converted to raw by the "
            "target region's import plugins", row['Message'])
        copy = self.demo[base.REGION_TWO].images.get(row['Target ID'])
        self.assertEqual('raw', copy['disk_format'])
        self.assertNotEqual(source['os_hash_value'], copy['os_hash_value'])
        self.assertEqual('sha512:%s' % source['os_hash_value'],
                         copy[records.VERIFIED_HASH])
        # Again with --replace: the copy is there; nothing is deleted.
        [again], _ = self.openstack(source['id'], '--to-region',
                                    base.REGION_TWO, '--replace')
        self.assertEqual(('exists', row['Target ID']),
                         (again['Status'], again['Target ID']))
        self.assertEqual([row['Target ID']],
                         [c['id'] for c in self.copies(source['id'])])

    def test_conversion_refusing_the_data(self):
        # A qcow2 image recorded as raw in RegionOne (Glance 33 accepts the
        # upload): RegionTwo's image_conversion finds qcow2 where raw was
        # claimed and refuses it.
        self.need(converts=True)
        source = self.make_source(data=base.qcow2_of(
            os.urandom(4 * base.MiB)))
        [row], _ = self.openstack(source['id'], '--to-region',
                                  base.REGION_TWO, expect=1)
        self.assert_failed_cleanly(
            row, "The data was downloaded from RegionOne, then Glance's "
            "step Convert_Image failed: Image format mismatch.")

    def break_rbd_store(self):
        """Until the test ends, RegionTwo's RBD store cannot write: its
        Ceph user may write to another pool only (an operator's slip).
        """
        store = [name for name, driver in self.drivers.items()
                 if driver == 'rbd'][0]
        conf = self.region_two.conf
        ceph_conf = conf.get(store, 'rbd_store_ceph_conf')
        user = conf.get(store, 'rbd_store_user')
        pool = conf.get(store, 'rbd_store_pool')

        def caps(pool):
            subprocess.run(
                ['ceph', '-c', ceph_conf, 'auth', 'caps', 'client.' + user,
                 'mon', 'profile rbd', 'osd', 'profile rbd pool=%s' % pool,
                 'mgr', 'profile rbd pool=%s' % pool],
                check=True, capture_output=True, timeout=60)
        caps(pool + '-elsewhere')
        self.addCleanup(caps, pool)
        return store

    def test_store_refusing_the_write(self):
        self.need(rbd=True)
        store = self.break_rbd_store()
        source = self.make_source()
        [row], _ = self.openstack(source['id'], '--to-region',
                                  base.REGION_TWO, '--store', store, expect=1)
        copy = self.assert_failed_cleanly(
            row, "The data was downloaded from RegionOne, then Glance's "
            "step %s-ImportToStore failed: " % store, 'RBD permission error')
        self.assertEqual(store, copy['os_glance_failed_import'])

    def test_one_store_of_two_refusing_the_write(self):
        self.need(rbd=True, stores=2)
        store = self.break_rbd_store()
        other = [name for name in self.drivers if name != store][0]
        source = self.make_source()
        [row], _ = self.openstack(source['id'], '--to-region',
                                  base.REGION_TWO, '--all-stores', expect=1)
        self.assertEqual(('failed', True), (row['Status'], row['Verified']))
        stores = sorted([(store, 'failed'), (other, 'ok')])
        self.assertIn('stores: %s; copy it there with: openstack image '
                      'import --method copy-image --store %s %s'
                      % (', '.join('%s %s' % s for s in stores), store,
                         row['Target ID']), row['Message'])
        copy = self.demo[base.REGION_TWO].images.get(row['Target ID'])
        self.assertEqual(('active', other, store),
                         (copy['status'], copy['stores'],
                          copy['os_glance_failed_import']))
        self.assert_no_staged_data(copy['id'])
