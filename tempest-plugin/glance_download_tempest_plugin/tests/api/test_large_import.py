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

"""A large import while it runs: its task reports how much has been
downloaded, and deleting its image stops it.

[glance_download] large_image_size must make the download outlast the
target Glance's progress_interval a few times; when the import ends before
a progress message was seen these tests fail and say so.
"""

import time

from tempest import config
from tempest.lib import decorators

from glance_download_tempest_plugin import progress
from glance_download_tempest_plugin.tests.api import base

CONF = config.CONF


class LargeImportTestMixin:

    def start_large_import(self):
        size = CONF.glance_download.large_image_size * base.MiB
        source, data = self.create_source(size)
        target = self.create_target()
        self.glance_download(target['id'], source['id'])
        self.started = time.monotonic()
        return source, data, target

    def assert_progress_seen(self, task, messages):
        if not any(progress.downloaded(m) for m in messages):
            self.fail(
                'The import task ended (%s) %.1f s after the request without '
                'a "Downloaded ... MiB" message (messages: %s): make '
                '[glance_download] large_image_size (%d MiB) larger, so that '
                'the download takes several of the target Glance\'s '
                'progress_interval' % (
                    task['status'], time.monotonic() - self.started,
                    messages, CONF.glance_download.large_image_size))


class ProgressTest(LargeImportTestMixin, base.GlanceDownloadTest):

    @decorators.idempotent_id('0664514a-8a64-492b-91df-8865d4f29976')
    def test_progress_in_task_message(self):
        source, data, target = self.start_large_import()
        task, messages = self.watch_import(target['id'])
        self.assert_progress_seen(task, messages)
        image = self.settled_image(target['id'], task)
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual('active', image['status'])
        self.assertEqual(data.sha512, image['os_hash_value'])
        total_mib = source['size'] // base.MiB
        done = [p for p in map(progress.downloaded, messages) if p]
        self.assertEqual(sorted(done), done, 'progress went backwards')
        for downloaded, total in done:
            self.assertLessEqual(downloaded, total_mib)
            if total is not None:
                self.assertEqual(total_mib, total)


class DeleteDuringImportTest(LargeImportTestMixin, base.GlanceDownloadTest):
    """The import task of a deleted image is visible to admins only (the
    tasks API's default policy).
    """

    credentials = ['primary', 'admin']
    switches = [('admin_tests',
                 'Following the task of a deleted image needs admin')]

    @decorators.idempotent_id('2bc41924-247d-4293-afb4-b7ed569616c9')
    def test_delete_target_during_import(self):
        source, data, target = self.start_large_import()
        task, messages = self.watch_import(
            target['id'], until=lambda t: progress.downloaded(t['message']))
        self.assertEqual('processing', task['status'],
                         'the import ended before it could be interrupted')
        self.assert_progress_seen(task, messages)
        self.client.delete_image(target['id'])
        self.assert_gone(target['id'])
        # The task stops, as a failure, instead of downloading on.
        tasks = self.os_admin.glance_download_target.TaskClient()
        ended = []

        def stopped():
            ended[:] = [tasks.show_tasks(task['id'])]
            return ended[0]['status'] != 'processing'

        self.assertTrue(
            base.test_utils.call_until_true(
                stopped, self.client.build_timeout, base.WATCH_INTERVAL),
            'task %s still processing %s s after its image was deleted'
            % (task['id'], self.client.build_timeout))
        self.assertEqual('failure', ended[0]['status'], ended[0])
        # The source region still has its image.
        self.assertEqual('active',
                         self.source_client.show_image(source['id'])['status'])
