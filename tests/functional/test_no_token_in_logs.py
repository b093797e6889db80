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

"""The caller's token never reaches a server log.

Every test that imports checks this at its end (see base.TestCase); this
test makes sure it is checked after a success and a failure, and that the
logs it searches are the servers' logs.
"""

import os

from tests.functional import base


class TokenNotLoggedTest(base.TestCase):

    def test_token_not_in_any_log(self):
        # The token of this process's demo session: the one every import
        # made from this process (before and in this test) was sent with.
        token = self.cloud.session('demo').get_token()
        self.assertGreater(len(token), 32)

        data, _sha512 = base.generate(base.MiB)
        source = self.create_image(base.REGION_ONE, data=data,
                                   disk_format='raw', container_format='bare')
        # One after the other: two imports at once into one Glance of this
        # cloud can lose a task (see base.TestCase.setUp).
        good = self.create_target()
        self.glance_download(good['id'], source['id'])
        image, task = self.wait_for_import(good['id'])
        self.assert_task_succeeded(task)
        bad = self.create_target()
        self.glance_download(bad['id'], base.random_id())
        image, task = self.wait_for_import(bad['id'])
        self.assertEqual('failure', task['status'])
        self.assertEqual(token, self.cloud.session('demo').get_token())

        logs = os.listdir(os.path.join(base.CLOUD_DIR, 'logs'))
        for server in self.cloud.servers.values():
            self.assertIn(os.path.basename(server.log), logs)
        self.assertIn('keystone.log', logs)
        # The requests of this test reached both Glances and were logged.
        self.assertTrue(self.region_two.log_lines(good['id']))
        self.assertTrue(self.cloud.servers[base.REGION_ONE].log_lines(
            source['id']))
        self.assert_token_not_logged()
