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

"""glance_task: progress written to the task, cancellation, fail_now."""

from unittest import mock

from oslo_utils import units

from glance_download import errors
from glance_download import glance_task
from tests.unit import base
from tests.unit import fakes


class ProgressTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.host = fakes.GlanceHost()

    def progress(self, interval):
        return glance_task.Progress(
            self.host.task_repo, self.host.task_id, self.host.image_repo,
            self.host.image_id, 'RegionOne', interval)

    def test_throttled_by_interval(self):
        progress = self.progress(3600)
        progress(1 * units.Mi, 10 * units.Mi)
        progress(2 * units.Mi, 10 * units.Mi)
        self.assertEqual([], self.host.task_repo.saved)
        progress._last -= 3601  # an interval has passed
        progress(3 * units.Mi + 5, 10 * units.Mi)
        self.assertEqual([('processing',
                           'Downloaded 3 of 10 MiB from RegionOne')],
                         self.host.task_repo.saved)
        progress(4 * units.Mi, 10 * units.Mi)
        self.assertEqual(1, len(self.host.task_repo.saved))

    def test_last_chunk_always_reported(self):
        progress = self.progress(3600)
        progress(9 * units.Mi, 10 * units.Mi)
        progress(10 * units.Mi, 10 * units.Mi)
        progress(10 * units.Mi, None)     # size unknown: never "finished"
        self.assertEqual([('processing',
                           'Downloaded 10 of 10 MiB from RegionOne')],
                         self.host.task_repo.saved)

    def test_every_call_with_no_interval(self):
        progress = self.progress(0)
        progress(units.Mi, 4 * units.Mi)
        progress(2 * units.Mi, None)
        self.assertEqual(['Downloaded 1 of 4 MiB from RegionOne',
                          'Downloaded 2 MiB from RegionOne'],
                         [m for _s, m in self.host.task_repo.saved])
        self.assertEqual('Downloaded 2 MiB from RegionOne',
                         self.host.task.message)
        self.assertIn('Downloaded 2 MiB from RegionOne', self.logs.output)

    def test_restart_from_the_first_byte_is_said(self):
        # A source that cannot resume (Glance on RBD, Swift, S3 answers 400
        # to Range): the download started over, and the message says why
        # the numbers went back.
        self.progress(0)(units.Mi, 4 * units.Mi, True)
        self.assertEqual('Downloaded 1 of 4 MiB from RegionOne; started '
                         'again from the first byte (the source cannot '
                         'resume)', self.host.task.message)

    def test_cancelled_when_image_deleted(self):
        self.host.image_repo.delete(self.host.image_id)
        exc = self.assertRaises(errors.ImportCancelled,
                                self.progress(0), 1, 2)
        self.assertEqual('Image %s was deleted during the download; the '
                         'download was stopped.' % self.host.image_id,
                         str(exc))
        self.assertEqual([], self.host.task_repo.saved)

    def test_cancelled_when_image_pending_delete(self):
        self.host.image._status = 'pending_delete'
        self.assertRaises(errors.ImportCancelled, self.progress(0), 1, 2)

    def test_cancelled_when_task_not_processing(self):
        self.host.task.fail('someone else failed it')
        exc = self.assertRaises(errors.ImportCancelled,
                                self.progress(0), 1, 2)
        self.assertEqual('Import task %s is no longer processing; the '
                         'download was stopped.' % self.host.task_id,
                         str(exc))
        self.assertEqual('someone else failed it', self.host.task.message)

    def test_cancelled_when_task_gone(self):
        del self.host.task_repo.tasks[self.host.task_id]
        self.assertRaises(errors.ImportCancelled, self.progress(0), 1, 2)

    def test_database_trouble_does_not_stop_the_download(self):
        # A deadlock or a restarting database server: the progress update
        # is skipped with a WARNING, the download goes on, and the next
        # update is written.
        gone = RuntimeError("(pymysql.err.OperationalError) (2006, 'MySQL "
                            "server has gone away')")
        progress = self.progress(0)
        for repo, method in ((self.host.task_repo, 'save'),
                             (self.host.task_repo, 'get'),
                             (self.host.image_repo, 'get')):
            with mock.patch.object(repo, method, side_effect=gone):
                progress(units.Mi, 4 * units.Mi)
        self.assertEqual([], self.host.task_repo.saved)
        self.assertEqual(3, self.logs.output.count(
            'could not read or write import task %s (RuntimeError: '
            "(pymysql.err.OperationalError) (2006, 'MySQL server has gone "
            "away')); the download goes on" % self.host.task_id))
        progress(2 * units.Mi, 4 * units.Mi)
        self.assertEqual([('processing',
                           'Downloaded 2 of 4 MiB from RegionOne')],
                         self.host.task_repo.saved)


class FailNowTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.host = fakes.GlanceHost()

    def test_fails_a_processing_task(self):
        glance_task.fail_now(self.host.task_repo, self.host.task_id,
                             'Region X has no image endpoint')
        self.assertEqual('failure', self.host.task.status)
        self.assertEqual('Region X has no image endpoint',
                         self.host.task.message)
        self.assertEqual([('failure', 'Region X has no image endpoint')],
                         self.host.task_repo.saved)

    def test_leaves_a_finished_task(self):
        self.host.task.succeed({'image_id': 'x'})
        glance_task.fail_now(self.host.task_repo, self.host.task_id, 'no')
        self.assertEqual('success', self.host.task.status)
        self.assertEqual([], self.host.task_repo.saved)

    def test_missing_task(self):
        glance_task.fail_now(self.host.task_repo, 'unknown', 'no')
        self.assertEqual([], self.host.task_repo.saved)
