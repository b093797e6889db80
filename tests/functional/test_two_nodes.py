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

"""RegionTwo as two glance-api nodes, as production regions run Glance.

Needs the cloud started with ``GD_GLANCE2_NODES=2`` (tools/cloud --help):
RegionTwo's catalog node (glance2) and a second node (glance2b) share the
database and the image store, each with its own port and staging
directory. The tests call the second node directly, as a load balancer
would send a request there, and the catalog node for the other call.
"""

import time

from glanceclient import client as glance_client

from tests.functional import base
from tests.functional import fault_base as fb


class TwoNodesTest(fb.TestCase):

    def setUp(self):
        super().setUp()
        try:
            self.node_b = base.GlanceServer(base.REGION_TWO,
                                            self.cloud.dir, node='glance2b')
        except base.CloudUnavailable as exc:
            self.fail('RegionTwo has one node; start the cloud with '
                      'GD_GLANCE2_NODES=2 tools/cloud up (%s)' % exc)
        self.node_a = self.cloud.servers[base.REGION_TWO]
        self.assertNotEqual(self.node_a.staging, self.node_b.staging)
        self.r2b = glance_client.Client(
            '2', session=self.cloud.session('demo'),
            endpoint_override=self.node_b.url)

    def assert_staging_empty(self, image_id):
        for node in (self.node_a, self.node_b):
            deadline = time.monotonic() + 5
            while node.staged_files(image_id) and \
                    time.monotonic() < deadline:
                time.sleep(base.POLL)
            self.assertEqual([], node.staged_files(image_id), node.staging)

    def downloading_on(self, node, target):
        return node.log_lines('glance_download.tasks.download',
                              'Image %s: downloading' % target['id'])

    def start_slow_import(self, size=24 * base.MiB):
        """A glance-download through node b that trickles at 2 MiB/s;
        returns (source, target) once 4 MiB arrived.
        """
        source, _sha512 = self.make_source(size)
        self.proxy.queue(source['id'], {'mode': 'trickle',
                                        'rate': 2 * base.MiB})
        target = self.make_target()
        self.start_import(target, source, node_url=self.node_b.url)
        self.wait_for_bytes(source, 4 * base.MiB)
        self.assertTrue(self.node_b.staged_files(target['id']))
        self.assertEqual([], self.node_a.staged_files(target['id']))
        return source, target

    def test_glance_download_through_the_second_node(self):
        source, sha512 = self.make_source(3 * base.MiB + 17)
        target = self.make_target()
        self.start_import(target, source, region=base.REGION_ONE,
                          node_url=self.node_b.url)
        image, task = base.wait_for_import(self.r2, target['id'], 90,
                                           start_timeout=20)
        self.assert_active_copy(source, sha512, image, task)
        self.assertEqual(1, len(self.downloading_on(self.node_b, target)))
        self.assertEqual([], self.downloading_on(self.node_a, target))
        # Read back through node b too: the store is shared.
        self.assertEqual(source['size'],
                         sum(len(c) for c in self.r2b.images.data(
                             image['id'])))
        self.assert_staging_empty(target['id'])

    def test_delete_through_the_other_node_stops_the_download(self):
        source, target = self.start_slow_import()
        self.r2.images.delete(target['id'])       # node a
        deleted_at = time.time()
        request = self.wait_for_transfer_end(source)
        self.assertEqual('client-closed', request['end'])
        self.assertLess(request['end_time'] - deleted_at, 5)
        self.assertLess(request['bytes_sent'], source['size'])
        self.assertTrue(self.node_b.log_lines(
            'Image %s was deleted during the download; the download was '
            'stopped' % target['id']))
        self.assert_staging_empty(target['id'])

    def test_second_import_through_the_other_node_conflicts(self):
        source, target = self.start_slow_import()
        session = self.cloud.session('demo')
        response = session.post(
            '%s/v2/images/%s/import' % (self.node_a.url, target['id']),
            json={'method': {'name': 'glance-download',
                             'glance_image_id': source['id'],
                             'glance_region': base.REGION_ONE,
                             'glance_service_interface': 'public'}},
            raise_exc=False)
        # Glance's usual answer while an import holds the image.
        self.assertEqual(409, response.status_code, response.text)
        self.assertEqual([], self.downloading_on(self.node_a, target))
        self.assertEqual(1, len(self.proxy.file_requests(source['id'])))
        # The first import goes on; stop it.
        self.r2.images.delete(target['id'])
        self.assert_staging_empty(target['id'])
