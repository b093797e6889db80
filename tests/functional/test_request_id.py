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

"""One copy followed by its request id from RegionTwo's log into RegionOne's.

The id is the one RegionTwo answers the import call with
(``x-openstack-request-id``), or the caller's own global request id when
it sends one. RegionOne's glance-api logs each request with the
``X-OpenStack-Request-ID`` it came with (tools/cloud's uWSGI request log
line ends with it), and RegionTwo's log lines of our plugin carry it
(oslo.log's context format).
"""

import uuid

from glanceclient import client as glance_client

from tests.functional import base


class RequestIdAcrossRegionsTest(base.TestCase):

    def copy(self, glance):
        """Copy a new RegionOne image with ``glance`` (a RegionTwo client);
        return (source, target, the import call's request id).
        """
        data, sha512 = base.generate(base.MiB + 4321)
        source = self.create_image(base.REGION_ONE, data=data,
                                   disk_format='raw', container_format='bare')
        target = self.create_target()
        self.imported = True
        result = glance.images.image_import(
            target['id'], method='glance-download',
            remote_region=base.REGION_ONE, remote_image_id=source['id'],
            remote_service_interface='public')
        (request_id,) = result.request_ids
        image, task = self.wait_for_import(target['id'])
        self.assert_task_succeeded(task)
        self.assertEqual(sha512, image['os_hash_value'])
        return source, target, request_id

    def assert_traced(self, source, target, request_id):
        region_one = self.cloud.servers[base.REGION_ONE]
        # Our image read and data request; Glance's own metadata step,
        # which reads the record before our flow runs, sends no id.
        record = self.wait_for_log(
            region_one, 'GET /v2/images/%s ' % source['id'], request_id)
        self.assertEqual(1, len(record), record)
        data = self.wait_for_log(
            region_one, 'GET /v2/images/%s/file ' % source['id'],
            request_id)
        self.assertEqual(1, len(data), data)
        self.assertIn('200', data[0])
        # RegionTwo: our plugin's lines about this import carry it.
        for logger, words in [
                ('glance_download.tasks.download', 'downloading image %s'
                 % source['id']),
                ('glance_download.tasks.download', 'staged'),
                ('glance_download.tasks.metadata', 'formats raw/bare')]:
            lines = self.wait_for_log(self.region_two, logger, target['id'],
                                      words)
            self.assertEqual(1, len(lines), (logger, words))
            self.assertIn(request_id, lines[0])

    def test_region_two_request_id_in_region_one_log(self):
        source, target, request_id = self.copy(self.demo[base.REGION_TWO])
        self.assertTrue(request_id.startswith('req-'), request_id)
        self.assert_traced(source, target, request_id)

    def test_callers_global_request_id(self):
        global_id = 'req-%s' % uuid.uuid4()
        glance = glance_client.Client(
            '2', session=self.cloud.session('demo'),
            region_name=base.REGION_TWO, interface='public',
            global_request_id=global_id)
        source, target, _answered = self.copy(glance)
        self.assert_traced(source, target, global_id)
