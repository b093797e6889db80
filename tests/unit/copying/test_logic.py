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

"""openstack image copy: selection, idempotency decisions, verification,
progress parsing and output rows (glance_download.copying.logic).
"""

import datetime

import testtools

from glance_download.copying import logic
from glance_download import records
from tests.unit.copying.fakes import copy
from tests.unit.copying.fakes import source
from tests.unit.copying.fakes import SRC

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)


class SelectionTest(testtools.TestCase):

    def test_parse_properties(self):
        self.assertEqual({'os_distro': 'ubuntu', 'x': 'a=b', 'empty': ''},
                         logic.parse_properties(['os_distro=ubuntu',
                                                 'x=a=b', 'empty=']))
        self.assertEqual({}, logic.parse_properties(None))

    def test_parse_properties_needs_key_and_equals(self):
        for bad in ('os_distro', '=ubuntu'):
            error = self.assertRaises(logic.SelectionError,
                                      logic.parse_properties, [bad])
            self.assertIn('KEY=VALUE', str(error))

    def test_no_bulk_criterion_no_filters(self):
        self.assertIsNone(logic.list_filters())
        self.assertIsNone(logic.list_filters(False, [], {}))

    def test_filters_combine_and_select_active(self):
        self.assertEqual(
            {'status': 'active', 'visibility': 'public',
             'tag': ['a', 'b'], 'os_distro': 'ubuntu'},
            logic.list_filters(True, ['a', 'b'], {'os_distro': 'ubuntu'}))
        self.assertEqual({'status': 'active', 'tag': ['a']},
                         logic.list_filters(tags=['a']))

    def test_looks_like_id(self):
        self.assertTrue(logic.looks_like_id(SRC))
        self.assertFalse(logic.looks_like_id('cirros'))
        self.assertFalse(logic.looks_like_id(None))

    def test_pick_by_name(self):
        one = {'id': '1', 'name': 'cirros'}
        self.assertIs(one, logic.pick_by_name(
            'cirros', [one, {'id': '2', 'name': 'cirros-2'}]))
        error = self.assertRaises(logic.SelectionError, logic.pick_by_name,
                                  'nope', [])
        self.assertEqual("no image with name or ID 'nope'", str(error))
        error = self.assertRaises(
            logic.SelectionError, logic.pick_by_name, 'cirros',
            [one, {'id': '0', 'name': 'cirros'}])
        self.assertIn("2 images are named 'cirros' (0, 1); give the ID",
                      str(error))

    def test_unique_regions_ignore_case_keep_the_first_spelling(self):
        # copy_id() lower-cases regions: two spellings are one copy.
        self.assertEqual(['RegionTwo', 'RegionThree'], logic.unique_regions(
            ['RegionTwo', 'regiontwo', 'RegionThree', 'REGIONTWO',
             'regionthree']))
        self.assertEqual(logic.copy_id(source(), 'R1', 'RegionTwo', 'p'),
                         logic.copy_id(source(), 'R1', 'regiontwo', 'p'))

    def test_unique_sources_keep_order(self):
        a, b = {'id': 'a'}, {'id': 'b'}
        self.assertEqual([b, a], logic.unique_sources([b, a, dict(b)]))

    def test_source_problem(self):
        self.assertIsNone(logic.source_problem(source()))
        self.assertEqual('the source image is queued, not active',
                         logic.source_problem(source(status='queued')))
        self.assertIn('no os_hash_value', logic.source_problem(source(
            os_hash_value=None, checksum=None)))
        self.assertIsNone(logic.source_problem(source(os_hash_algo=None,
                                                      os_hash_value=None)))


class TargetTest(testtools.TestCase):

    def test_target_fields(self):
        self.assertEqual(
            {'name': 'cirros', 'disk_format': 'qcow2',
             'container_format': 'bare', 'min_disk': 1, 'min_ram': 64,
             'tags': ['golden'], 'visibility': 'private',
             logic.ORIGIN_REGION: 'RegionOne', logic.ORIGIN_ID: SRC,
             logic.ORIGIN_HASH: 'sha512:' + 'aa' * 64},
            logic.target_fields(source(), 'RegionOne', 'private'))

    def test_target_fields_skip_missing(self):
        fields = logic.target_fields(source(name=None, tags=[],
                                            os_hash_algo=None),
                                     'R1', 'shared')
        self.assertNotIn('name', fields)
        self.assertNotIn('tags', fields)
        self.assertEqual('md5:' + 'c' * 32, fields[logic.ORIGIN_HASH])
        self.assertEqual('shared', fields['visibility'])


class VerifyTest(testtools.TestCase):

    def test_equal(self):
        self.assertEqual((True, 'sha512 equal'),
                         logic.verify(source(), copy()))

    def test_hash_differs(self):
        self.assertEqual((False, "sha512 differs from the source's"),
                         logic.verify(source(), copy(os_hash_value='bb')))

    def test_size_differs(self):
        same, how = logic.verify(source(), copy(size=1))
        self.assertFalse(same)
        self.assertIn('size 1 differs', how)

    def test_other_algorithm_falls_back_to_md5(self):
        target = copy(os_hash_algo='sha256', os_hash_value='dd')
        self.assertEqual((True, 'md5 equal'),
                         logic.verify(source(), target))
        self.assertEqual((False, "md5 checksum differs from the source's"),
                         logic.verify(source(), dict(target, checksum='e')))

    def test_nothing_to_compare(self):
        self.assertEqual((False, 'no hash to compare'), logic.verify(
            source(), copy(os_hash_value=None, checksum=None)))

    def converted(self, recorded='sha512:' + 'aa' * 64):
        """A copy that RegionTwo's image_conversion made raw: its own size
        and hash; the hash its download was verified against, recorded by
        the server plugin.
        """
        return copy(size=4 * logic.MiB, os_hash_value='ee' * 64,
                    checksum='f' * 32, disk_format='raw',
                    **{records.VERIFIED_HASH: recorded})

    def test_converted_copy_verified_by_its_record(self):
        self.assertEqual(
            (True, "sha512 of the download equal, then converted to raw by "
                   "the target region's import plugins"),
            logic.verify(source(), self.converted()))
        # The md5 checksum, where the target region could not compute
        # the source's algorithm.
        self.assertTrue(logic.verify(source(), self.converted(
            'md5:' + 'c' * 32))[0])
        # Changed without a change of format (a decompression plugin).
        self.assertEqual(
            (True, "sha512 of the download equal, then changed by the "
                   "target region's import plugins"),
            logic.verify(source(disk_format='raw'), self.converted()))

    def test_record_of_other_data_proves_nothing(self):
        self.assertEqual(
            (False, "size 4194304 differs from the source's 3145728"),
            logic.verify(source(), self.converted('sha512:' + 'bb' * 64)))
        self.assertFalse(logic.verify(source(), copy(
            size=4 * logic.MiB))[0])

    def test_replace_keeps_a_converted_copy(self):
        decision = logic.decide(source(), 'RegionOne', [self.converted()],
                                replace=True)
        self.assertEqual(logic.PRESENT, decision.action)
        self.assertIn('converted to raw', decision.message)


class DecideTest(testtools.TestCase):

    def decide(self, *candidates):
        return logic.decide(source(), 'RegionOne', list(candidates))

    def test_nothing_there_create(self):
        self.assertEqual(logic.CREATE, self.decide().action)

    def test_active_verified_copy_is_there(self):
        there = copy('t1')
        decision = self.decide(copy('t2', status='queued'), there)
        self.assertEqual(logic.PRESENT, decision.action)
        self.assertIs(there, decision.image)
        self.assertEqual('already there (sha512 equal)', decision.message)

    def test_region_name_case_does_not_matter(self):
        self.assertEqual(logic.PRESENT,
                         self.decide(copy(region='regionone')).action)

    def test_copies_of_other_origins_do_not_count(self):
        self.assertEqual(logic.CREATE, self.decide(
            copy(region='RegionThree'),
            copy(**{logic.ORIGIN_ID: 'other'}),
            {'id': 'x', 'status': 'active'}).action)

    def test_active_copy_with_other_data_is_a_conflict(self):
        decision = self.decide(copy('t1', os_hash_value='bb'),
                               copy('t22', status='queued'))
        self.assertEqual(logic.CONFLICT, decision.action)
        self.assertIn("t1 is there but its sha512 differs", decision.message)
        self.assertEqual(logic.FAILED,
                         logic.DRY_RUN_STATUS[decision.action])

    def test_replace_turns_a_conflict_into_a_replacement(self):
        differing = copy('t1', os_hash_value='bb')
        decision = logic.decide(source(), 'RegionOne', [differing],
                                replace=True)
        self.assertEqual((logic.REPLACE, differing),
                         (decision.action, decision.image))
        self.assertIn('t1: its sha512 differs', decision.message)

    def test_replace_keeps_a_verified_copy(self):
        self.assertEqual(logic.PRESENT, logic.decide(
            source(), 'RegionOne', [copy('t1', os_hash_value='bb'),
                                    copy('t22')], replace=True).action)

    def test_import_under_way_is_followed(self):
        importing = copy('t2', status='importing')
        decision = self.decide(copy('t1', status='queued'), importing)
        self.assertEqual((logic.FOLLOW, importing),
                         (decision.action, decision.image))

    def test_queued_left_over_is_retried_newest_first(self):
        newer = copy('t22', status='queued')
        decision = self.decide(copy('t1', status='queued'), newer,
                               copy('t333', status='killed'))
        self.assertEqual((logic.RETRY, newer),
                         (decision.action, decision.image))

    def test_killed_left_over_is_replaced(self):
        decision = self.decide(copy('t1', status='killed'))
        self.assertEqual(logic.REPLACE, decision.action)
        self.assertIn('(killed)', decision.message)

    def test_copies_others_act_on_are_left_alone(self):
        # Deleting these would undo an administrator's block or break an
        # upload in progress; a new copy next to them would do the same.
        for status, reason in (
                ('deactivated', 'deactivated by an administrator'),
                ('uploading', 'data is being staged into it (uploading)'),
                ('saving', 'data is being uploaded into it (saving)'),
                ('pending_delete', 'pending delete'),
                ('frozen', "in status 'frozen', which this command does "
                           "not handle")):
            decision = self.decide(copy('t1', status=status),
                                   copy('t22', status='queued'),
                                   copy('t333', status='killed'))
            self.assertEqual(logic.LEAVE, decision.action, status)
            self.assertEqual('t1', decision.image['id'])
            self.assertTrue(decision.message.startswith(
                'left alone: %s (copy t1); ' % reason), decision.message)
            self.assertEqual(logic.LEFT_ALONE,
                             logic.DRY_RUN_STATUS[decision.action])

    def test_verified_copy_or_import_under_way_win_over_left_alone(self):
        self.assertEqual(logic.PRESENT, self.decide(
            copy('t1', status='deactivated'), copy('t22')).action)
        self.assertEqual(logic.FOLLOW, self.decide(
            copy('t1', status='saving'),
            copy('t22', status='importing')).action)

    def test_dry_run_statuses(self):
        self.assertEqual(
            {logic.WOULD_COPY, logic.WOULD_RETRY, logic.WOULD_REPLACE,
             logic.WOULD_FOLLOW, logic.EXISTS, logic.FAILED,
             logic.LEFT_ALONE},
            set(logic.DRY_RUN_STATUS.values()))


def task(task_id, status, age, **fields):
    """An import task as Glance's image-tasks call shows it, last written
    ``age`` seconds before NOW (naive UTC, as Glance writes it).
    """
    written = NOW - datetime.timedelta(seconds=age)
    record = {'id': task_id, 'status': status, 'message': '',
              'created_at': '2026-01-01T00:00:00.000000',
              'updated_at': written.strftime('%Y-%m-%dT%H:%M:%S.%f')}
    record.update(fields)
    return record


class DeadImportTest(testtools.TestCase):
    """A copy whose import a stopped glance-api left behind (Glance's
    lock-expiry rule) is reported or replaced, never followed.
    """

    def decide(self, copy_, tasks, replace=False, **kwargs):
        asked = []

        def tasks_of(image_id):
            asked.append(image_id)
            return tasks
        decision = logic.decide(source(), 'RegionOne', [copy_],
                                replace=replace, tasks_of=tasks_of, now=NOW,
                                **kwargs)
        return decision, asked

    def test_parse_time_reads_utc(self):
        utc = datetime.timezone.utc
        when = datetime.datetime(2026, 12, 7, 11, 23, 57, 847113,
                                 tzinfo=utc)
        for text in ('2026-12-07T11:23:57.847113',     # image-tasks call
                     '2026-12-07T11:23:57.847113Z',
                     '2026-12-07T12:23:57.847113+01:00'):
            self.assertEqual(when, logic.parse_time(text), text)
        self.assertEqual(datetime.datetime(2026, 12, 7, 11, 23, 57,
                                           tzinfo=utc),
                         logic.parse_time('2026-12-07T11:23:57Z'))
        for bad in (None, '', 'yesterday'):
            self.assertIsNone(logic.parse_time(bad))

    def test_processing_import_dies_after_an_hour(self):
        importing = copy('t1', status='importing',
                         os_glance_import_task='k1')
        decision, asked = self.decide(importing,
                                      [task('k1', 'processing', 3599)])
        self.assertEqual((logic.FOLLOW, ['t1']), (decision.action, asked))
        decision, _ = self.decide(importing, [task('k1', 'processing',
                                                   3600)])
        self.assertEqual((logic.DEAD, importing, 'k1'),
                         (decision.action, decision.image,
                          decision.dead_task['id']))
        self.assertEqual(
            'the import into t1 is dead: its task k1 (processing) has not '
            'changed since 2026-03-01 11:00:00 UTC (a glance-api restarted '
            'during the import?); run again with --replace (in the '
            'dashboard: Replace) to delete this copy and copy again',
            decision.message)
        self.assertEqual(logic.FAILED, logic.DRY_RUN_STATUS[logic.DEAD])

    def test_ended_import_that_kept_its_lock_is_dead_after_a_minute(self):
        # A step after the download failed and a revert of Glance's failed
        # too: the task says failure, the lock stays. Glance would keep
        # the copy for an hour; it is dead for this command after a minute.
        for status, image_status in (('failure', 'queued'),
                                     ('failure', 'importing'),
                                     ('success', 'importing')):
            locked = copy('t1', status=image_status,
                          os_glance_import_task='k1')
            decision, _ = self.decide(locked, [task(
                'k1', status, 59, message='Image format mismatch')])
            self.assertNotEqual(logic.DEAD, decision.action, status)
            decision, _ = self.decide(locked, [task(
                'k1', status, 60, message='Image format mismatch')])
            self.assertEqual(logic.DEAD, decision.action, status)
        self.assertEqual(
            "the import into t1 ended (success: Image format mismatch) at "
            "2026-03-01 11:59:00 UTC, but Glance left the copy locked by its "
            "task k1 (a revert of Glance's that failed); run again with "
            "--replace (in the dashboard: Replace) to delete this copy and "
            "copy again", decision.message)

    def test_dead_import_replaced_with_replace(self):
        importing = copy('t1', status='importing',
                         os_glance_import_task='k1')
        decision, _ = self.decide(importing, [task('k1', 'processing',
                                                   7200)], replace=True)
        self.assertEqual((logic.REPLACE, importing, 'k1'),
                         (decision.action, decision.image,
                          decision.dead_task['id']))
        self.assertTrue(decision.message.startswith(
            'replacing the copy t1: the import into t1 is dead'),
            decision.message)

    def test_pending_lock_of_a_queued_copy_dies_after_two_hours(self):
        # The import call answered 5xx after Glance had locked the image
        # for a task it never started: Glance refuses another import into
        # it (409) until the lock expires.
        queued = copy('t1', status='queued', os_glance_import_task='k1')
        decision, _ = self.decide(queued, [task('k1', 'pending', 7199)])
        self.assertEqual(logic.RETRY, decision.action)
        decision, _ = self.decide(queued, [task('k1', 'pending', 7200)])
        self.assertEqual(logic.DEAD, decision.action)
        self.assertIn('its task k1 (pending) has not changed since '
                      '2026-03-01 10:00:00 UTC (Glance never started it: '
                      'did its import call fail?)', decision.message)
        decision, _ = self.decide(queued, [task('k1', 'pending', 7200)],
                                  replace=True)
        self.assertEqual(logic.REPLACE, decision.action)

    def test_dead_after_is_the_callers(self):
        importing = copy('t1', status='importing',
                         os_glance_import_task='k1')
        tasks = [task('k1', 'processing', 10)]
        self.assertEqual(logic.FOLLOW, self.decide(
            importing, tasks, dead_after=11)[0].action)
        self.assertEqual(logic.DEAD, self.decide(
            importing, tasks, dead_after=10)[0].action)

    def test_the_lock_names_the_task_that_counts(self):
        # A newer running task that does not hold the lock (an import
        # call whose image update failed) says nothing of the lock's.
        importing = copy('t1', status='importing',
                         os_glance_import_task='k1')
        self.assertEqual(logic.DEAD, self.decide(importing, [
            task('k1', 'processing', 4000),
            task('k2', 'pending', 1, created_at='2026-02-01T00:00:00')],
        )[0].action)
        # Without a lock, the newest running task holds the import.
        unlocked = copy('t1', status='importing')
        self.assertEqual(logic.FOLLOW, self.decide(unlocked, [
            task('k1', 'processing', 4000),
            task('k2', 'processing', 1, created_at='2026-02-01T00:00:00')],
        )[0].action)
        self.assertEqual(logic.DEAD, self.decide(unlocked, [
            task('k1', 'processing', 4000)])[0].action)

    def test_ended_tasks_and_unlocked_queued_copies_are_not_judged(self):
        # A failed import's queued copy is imported into again; its old
        # tasks are not even read.
        decision, asked = self.decide(copy('t1', status='queued'),
                                      [task('k1', 'failure', 99999)])
        self.assertEqual((logic.RETRY, []), (decision.action, asked))
        # A task that ended and was not written since does not hold a
        # copy importing, unless it holds its lock (then Glance expires
        # it like any other).
        importing = copy('t1', status='importing')
        self.assertEqual(logic.FOLLOW, self.decide(importing, [
            task('k1', 'success', 99999)])[0].action)
        self.assertEqual(logic.DEAD, self.decide(
            dict(importing, os_glance_import_task='k1'),
            [task('k1', 'failure', 99999)])[0].action)
        # No updated_at, no judgement.
        self.assertEqual(logic.FOLLOW, self.decide(importing, [
            task('k1', 'processing', 0, updated_at=None)])[0].action)


class ProgressTest(testtools.TestCase):

    def test_download_message(self):
        self.assertEqual(('download', 512, 4096), logic.task_progress(
            'Downloaded 512 of 4096 MiB from RegionOne', 4096.0))

    def test_download_without_total(self):
        self.assertEqual(('download', 5, 7.5), logic.task_progress(
            'Downloaded 5 MiB from RegionOne', 7.5))

    def test_glance_store_copy(self):
        self.assertEqual(('store', 300, 400.0),
                         logic.task_progress('Copied 300 MiB', 400.0))

    def test_other_messages(self):
        for message in (None, '', 'Task failed: no such image'):
            self.assertIsNone(logic.task_progress(message, 1))


class OutputTest(testtools.TestCase):

    def test_row_rounds(self):
        result = logic.Result('cirros', SRC, 'R2', 't1', logic.COPIED,
                              seconds=2.345, mib_per_s=41.06,
                              verified=True, message='sha512 equal')
        self.assertEqual(len(logic.COLUMNS), len(result.row()))
        self.assertEqual(('cirros', SRC, 'R2', 't1', 'copied', 2.3, 41.1,
                          True, 'sha512 equal'), result.row())
        self.assertEqual((None, None), logic.Result('a', 'b', 'c').row()[5:7])

    def test_throughput(self):
        self.assertEqual(50.0, logic.throughput(100 * logic.MiB, 2))
        self.assertIsNone(logic.throughput(None, 2))
        self.assertIsNone(logic.throughput(10, 0))

    def test_exit_code(self):
        ok = logic.Result('a', 'b', 'c', status=logic.COPIED)
        there = logic.Result('a', 'b', 'c', status=logic.EXISTS)
        failed = logic.Result('a', 'b', 'c', status=logic.FAILED)
        left = logic.Result('a', 'b', 'c', status=logic.LEFT_ALONE)
        self.assertEqual(0, logic.exit_code([ok, there]))
        self.assertEqual(0, logic.exit_code([]))
        self.assertEqual(1, logic.exit_code([ok, failed]))
        # Not copied: a loop running the command must see it.
        self.assertEqual(1, logic.exit_code([ok, left]))
        self.assertEqual(130, logic.exit_code([ok], interrupted=True))
