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

"""Where a copy stands in a region, from its images and tasks
(glance_download.copying.state): what the dashboard's progress shows.
"""

import datetime
from unittest import mock

import testtools

from glance_download.copying import logic
from glance_download.copying import state
from tests.unit.copying import fakes
from tests.unit.copying.fakes import copy
from tests.unit.copying.fakes import source


def task(task_id, status, message='', created='2026-01-01T00:00:01'):
    return {'id': task_id, 'status': status, 'message': message,
            'created_at': created}


class SummariseTest(testtools.TestCase):

    def summarise(self, candidates, tasks=()):
        decision = logic.decide(source(), 'RegionOne', list(candidates))
        return state.summarise('RegionTwo', source(), decision, list(tasks))

    def test_no_copy(self):
        self.assertEqual(state.NONE, self.summarise([]).state)

    def test_verified_copy(self):
        got = self.summarise([copy('t1')])
        self.assertEqual((state.COPIED, 'copied, verified (sha512 equal)',
                          't1', 3, 3),
                         (got.state, got.message, got.target_id,
                          got.done_mib, got.total_mib))

    def test_differing_copy_failed(self):
        got = self.summarise([copy('t1', os_hash_value='bb')])
        self.assertEqual(state.FAILED, got.state)
        self.assertIn('sha512 differs', got.message)

    def test_download_progress_from_the_newest_task(self):
        got = self.summarise(
            [copy('t1', status='importing')],
            [task('old', 'failure', 'boom', '2026-01-01T00:00:01'),
             task('new', 'processing', 'Downloaded 2 of 3 MiB from '
                  'RegionOne', '2026-01-01T00:00:02')])
        self.assertEqual((state.IMPORTING, 2, 3),
                         (got.state, got.done_mib, got.total_mib))
        self.assertIn('Downloaded 2 of 3 MiB', got.message)

    def test_store_phase_is_past_the_download(self):
        got = self.summarise([copy('t1', status='importing')],
                             [task('a', 'processing', 'Copied 1 MiB')])
        self.assertEqual((state.IMPORTING, 3), (got.state, got.done_mib))

    def test_queued_with_a_pending_task_is_importing(self):
        got = self.summarise([copy('t1', status='queued')],
                             [task('a', 'pending')])
        self.assertEqual((state.IMPORTING, 0), (got.state, got.done_mib))

    def test_failed_import_says_glances_message(self):
        got = self.summarise(
            [copy('t1', status='queued')],
            [task('a', 'failure', 'Image import failed: the source '
                  'answered 403')])
        self.assertEqual(state.FAILED, got.state)
        self.assertEqual('import failed: Image import failed: the source '
                         'answered 403', got.message)

    def test_failure_while_glance_still_holds_the_lock_is_not_final(self):
        got = self.summarise(
            [copy('t1', status='queued', os_glance_import_task='a')],
            [task('a', 'failure', 'boom')])
        self.assertEqual(state.IMPORTING, got.state)

    def test_queued_without_task_waits(self):
        got = self.summarise([copy('t1', status='queued')])
        self.assertEqual(state.WAITING, got.state)

    def test_killed_copy_failed(self):
        got = self.summarise([copy('t1', status='killed')])
        self.assertEqual((state.FAILED, 'the copy t1 is killed'),
                         (got.state, got.message))

    def test_deactivated_copy_left_alone(self):
        got = self.summarise([copy('t1', status='deactivated')])
        self.assertEqual(state.LEFT_ALONE, got.state)
        self.assertIn('deactivated by an administrator', got.message)


class DeadImportStateTest(fakes.Base):
    """The dashboard's state of a copy whose import a stopped glance-api
    left behind: failed, with the reason, not "importing" for ever.
    """

    def setUp(self):
        super().setUp()
        for fake in (self.r1, self.r2, self.r3):
            fake.now = logic.utcnow      # state.observe reads this clock
        self.copy, self.task = self.importing_copy()

    def observe(self, **kwargs):
        glance = self.regions.glance('RegionTwo')
        with mock.patch.object(self.r2, 'get_associated_image_tasks',
                               wraps=self.r2.get_associated_image_tasks
                               ) as reads:
            found = state.observe(glance, self.source, 'RegionOne',
                                  fakes.PROJECT, 'RegionTwo', **kwargs)
        self.assertEqual(1, reads.call_count)
        return found

    def test_live_import_is_importing(self):
        self.assertEqual(state.IMPORTING, self.observe().state)

    def test_dead_import_failed_with_the_reason(self):
        self.task['updated_at'] = '2026-01-01T08:00:00.000000'
        found = self.observe()
        self.assertEqual((state.FAILED, self.copy['id']),
                         (found.state, found.target_id))
        self.assertEqual(
            'the import into %s is dead: its task %s (processing) has not '
            'changed since 2026-01-01 08:00:00 UTC (a glance-api restarted '
            'during the import?); run again with --replace (in the '
            'dashboard: Replace) to delete this copy and copy again'
            % (self.copy['id'], self.task['id']), found.message)

    def test_dead_after_is_the_callers(self):
        self.task['updated_at'] = (
            logic.utcnow() - datetime.timedelta(seconds=60)).strftime(
                '%Y-%m-%dT%H:%M:%S.%f')
        self.assertEqual(state.IMPORTING, self.observe().state)
        self.assertEqual(state.FAILED, self.observe(dead_after=30).state)
