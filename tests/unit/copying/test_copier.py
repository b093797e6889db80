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

"""openstack image copy: the per-region jobs (glance_download.copying.copier)
against in-memory fake Glance regions, no network.
"""

import datetime
import itertools
import threading
import time
from unittest import mock

import fixtures
from glanceclient import exc as glance_exc
from keystoneauth1 import access
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import fixture as ks_fixture
from keystoneauth1.identity import access as access_plugin
from keystoneauth1 import session as ks_session

from glance_download.copying import copier
from glance_download.copying import logic
from glance_download.copying import regions as copying_regions
from glance_download.osc import progress
from tests import faults
from tests.unit.copying.fakes import Base
from tests.unit.copying.fakes import FakeRegions
from tests.unit.copying.fakes import new_id
from tests.unit.copying.fakes import NOW
from tests.unit.copying.fakes import PROJECT
from tests.unit import fakes
from tests.unit import tls
from tests.unit import unanswered


class CopierTest(Base):

    def test_copy_creates_imports_follows_verifies(self):
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertTrue(result.verified)
        self.assertEqual('sha512 equal', result.message)
        [target] = self.r2.images.values()
        self.assertEqual(target['id'], result.target_id)
        self.assertEqual(
            ('cirros', 'qcow2', 'bare', 1, 64, ['golden'], 'private'),
            tuple(target[k] for k in ('name', 'disk_format',
                                      'container_format', 'min_disk',
                                      'min_ram', 'tags', 'visibility')))
        self.assertEqual(self.source['id'], target[logic.ORIGIN_ID])
        self.assertEqual('RegionOne', target[logic.ORIGIN_REGION])
        self.assertEqual('sha512:' + 'cirros' * 10,
                         target[logic.ORIGIN_HASH])
        self.assertEqual([(target['id'], 'glance-download', 'RegionOne',
                           self.source['id'], 'public')], self.r2.imports)
        log = self.err.getvalue()
        self.assertIn('cirros -> RegionTwo: created image %s'
                      % target['id'], log)
        self.assertIn('cirros -> RegionTwo: Downloaded 1 of 3 MiB from '
                      'RegionOne', log)
        self.assertIn('cirros -> RegionTwo: copied: sha512 equal', log)

    def test_visibility_and_interface_are_passed(self):
        self.run_copy(visibility='shared', interface='internal')
        [target] = self.r2.images.values()
        self.assertEqual('shared', target['visibility'])
        self.assertEqual('internal', self.r2.imports[0][4])

    def test_rerun_copies_nothing(self):
        _engine, [first] = self.run_copy()
        _engine, [again] = self.run_copy()
        self.assertEqual(logic.EXISTS, again.status)
        self.assertEqual(first.target_id, again.target_id)
        self.assertTrue(again.verified)
        self.assertIn('already there', again.message)
        self.assertEqual(1, len(self.r2.images))
        self.assertEqual(1, len(self.r2.imports))

    def test_copy_of_another_project_is_not_ours(self):
        self.run_copy()
        [target] = self.r2.images.values()
        target['owner'] = 'someone-else'
        _engine, [again] = self.run_copy()
        self.assertEqual(logic.COPIED, again.status)
        self.assertEqual(2, len(self.r2.images))

    def test_failed_import_leaves_queued_copy_then_retried(self):
        self.r2.outcome = 'failure'
        _engine, [failed] = self.run_copy()
        self.assertEqual(logic.FAILED, failed.status)
        self.assertIn('import failed: Remote image gone', failed.message)
        self.assertEqual('queued', self.r2.images[failed.target_id]['status'])

        self.r2.outcome = 'success'
        _engine, [retried] = self.run_copy()
        self.assertEqual(logic.COPIED, retried.status, retried.message)
        self.assertEqual(failed.target_id, retried.target_id)
        self.assertIn('retried the left-over queued copy', retried.message)
        self.assertEqual(1, len(self.r2.images))
        self.assertEqual(2, len(self.r2.imports))

    def copy_id(self, generation=0, region='RegionTwo'):
        return logic.copy_id(self.source, 'RegionOne', region, PROJECT,
                             generation)

    def test_copy_ids_are_the_same_in_every_run(self):
        _engine, [result] = self.run_copy()
        self.assertEqual(self.copy_id(), result.target_id)
        self.assertEqual(len({self.copy_id(g) for g in range(3)} |
                             {self.copy_id(region='RegionThree')}), 4)

    def test_run_racing_another_joins_its_copy(self):
        # Another run creates the copy between this run's list and create:
        # Glance refuses this run's create of the same id (409), and this
        # run imports into that copy (or follows the import it started).
        create = self.r2.create

        def racing_create(**fields):
            self.r2.add(id=fields['id'], status='queued',
                        **logic.origin_properties(self.source, 'RegionOne'))
            self.r2.create = create
            return create(**fields)

        self.r2.create = racing_create
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertEqual([self.copy_id()], list(self.r2.images))
        self.assertIn('joined the copy %s that another run created at the '
                      'same time' % self.copy_id(), result.message)
        self.assertEqual(1, len(self.r2.imports))

    def test_replaced_copy_takes_the_next_id(self):
        self.r2.add(id=self.copy_id(), status='killed',
                    **logic.origin_properties(self.source, 'RegionOne'))
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertEqual([self.copy_id()], self.r2.deleted)
        self.assertEqual([self.copy_id(1)], list(self.r2.images))

    def test_id_held_by_another_projects_image_is_skipped(self):
        squatter = self.r2.add(id=self.copy_id(), owner='someone-else',
                               status='active')
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertEqual(self.copy_id(1), result.target_id)
        self.assertEqual('active', self.r2.images[squatter['id']]['status'])

    def test_every_id_taken_lets_glance_pick_one(self):
        for generation in range(logic.COPY_ID_GENERATIONS):
            self.r2.deleted.append(self.copy_id(generation))
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertNotIn(result.target_id, self.r2.deleted)

    def test_unusable_left_over_is_replaced(self):
        left = self.r2.add(status='killed',
                           **logic.origin_properties(self.source,
                                                     'RegionOne'))
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertEqual([left['id']], self.r2.deleted)
        self.assertIn('replaced the killed copy %s' % left['id'],
                      result.message)
        self.assertEqual([result.target_id], list(self.r2.images))

    def test_copies_others_act_on_are_left_alone(self):
        # Any member can set the origin properties: a deactivated image or
        # an upload in progress is not this command's to delete.
        left = {status: self.r2.add(status=status, **logic.origin_properties(
            self.make_source(status), 'RegionOne'))
            for status in ('deactivated', 'uploading', 'saving',
                           'pending_delete')}
        sources = [self.r1.images[image[logic.ORIGIN_ID]]
                   for image in left.values()]
        for dry_run in (False, True):
            _engine, results = self.run_copy(sources=sources,
                                             dry_run=dry_run)
            self.assertEqual([], self.r2.deleted)
            self.assertEqual([], self.r2.imports)
            self.assertEqual(sorted(i['id'] for i in left.values()),
                             sorted(self.r2.images))
            self.assertEqual(
                [(logic.LEFT_ALONE, left[s]['id']) for s in left],
                [(r.status, r.target_id) for r in results])
            self.assertIn('left alone: deactivated by an administrator '
                          '(copy %s)' % left['deactivated']['id'],
                          results[0].message)
            self.assertEqual(1, logic.exit_code(results))

    def test_running_import_is_followed_not_restarted(self):
        _engine, [started] = self.run_copy(wait=False)
        self.assertEqual(logic.STARTED, started.status)
        self.assertIn('run the command again', started.message)
        self.assertEqual('queued',
                         self.r2.images[started.target_id]['status'])
        self.r2.get(started.target_id)      # the import gets going
        _engine, [followed] = self.run_copy()
        self.assertEqual(logic.COPIED, followed.status, followed.message)
        self.assertEqual(started.target_id, followed.target_id)
        self.assertIn('followed an import started earlier',
                      followed.message)
        self.assertEqual(1, len(self.r2.imports))

    def test_corrupt_copy_fails_and_is_left(self):
        self.r2.outcome = 'corrupt'
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.FAILED, result.status)
        self.assertFalse(result.verified)
        self.assertIn("copied, but sha512 differs from the source's",
                      result.message)
        _engine, [again] = self.run_copy()
        self.assertEqual(logic.FAILED, again.status)
        self.assertIn('delete it to copy again', again.message)
        self.assertEqual(1, len(self.r2.images))

    def test_regions_fail_alone(self):
        _engine, results = self.run_copy(
            regions=['RegionTwo', 'Nowhere', 'RegionThree', 'RegionOne'])
        self.assertEqual([logic.COPIED, logic.FAILED, logic.FAILED,
                          logic.FAILED], [r.status for r in results])
        self.assertEqual(
            'region Nowhere has no image endpoint (interface public) in '
            'the catalog', results[1].message)
        self.assertEqual(
            'region RegionThree does not offer the glance-download import '
            'method (it offers: web-download)', results[2].message)
        self.assertEqual('the target region is the source region',
                         results[3].message)
        self.assertEqual({}, self.r3.images)

    def test_unreadable_error_answer_fails_that_region_alone(self):
        # What glanceclient's exc.from_response raises for a JSON error
        # body whose values are not objects.
        unreadable = AttributeError("'str' object has no attribute 'get'")
        with mock.patch.object(self.r3, 'get_import_info',
                               side_effect=unreadable):
            _engine, results = self.run_copy(
                regions=['RegionTwo', 'RegionThree'])
        self.assertEqual([logic.COPIED, logic.FAILED],
                         [r.status for r in results])
        self.assertEqual(
            'region RegionThree: GET /v2/info/import failed with an error '
            "answer glanceclient cannot read (AttributeError: 'str' object "
            "has no attribute 'get')", results[1].message)

    def test_region_checked_once(self):
        other = self.make_source('ubuntu')
        with mock.patch.object(self.r2, 'get_import_info',
                               wraps=self.r2.get_import_info) as info:
            _engine, results = self.run_copy(sources=[self.source, other],
                                             parallel=2)
        self.assertEqual([logic.COPIED] * 2, [r.status for r in results])
        self.assertEqual(1, info.call_count)

    def test_dry_run_changes_nothing(self):
        left = self.r2.add(status='queued', **logic.origin_properties(
            self.source, 'RegionOne'))
        other = self.make_source('ubuntu')
        _engine, results = self.run_copy(
            sources=[self.source, other], regions=['RegionTwo', 'Nowhere'],
            dry_run=True)
        self.assertEqual(
            [(logic.WOULD_RETRY, left['id']), (logic.FAILED, None),
             (logic.WOULD_COPY, None), (logic.FAILED, None)],
            [(r.status, r.target_id) for r in results])
        self.assertEqual("would create 'ubuntu' (private) and import it "
                         "from RegionOne", results[2].message)
        self.assertEqual([left['id']], list(self.r2.images))
        self.assertEqual([], self.r2.imports)

    def test_import_refused(self):
        def refuse(*args, **kwargs):
            raise glance_exc.HTTPBadRequest('Bad method')
        self.r2.image_import = refuse
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.FAILED, result.status)
        self.assertIn('import refused: HTTP 400', result.message)

    def test_import_call_goes_through_the_retrying_client(self):
        self.run_copy()
        self.assertEqual(['RegionTwo'], self.regions.importers)

    def test_retry_meeting_409_follows_the_import_the_first_call_started(
            self):
        # keystoneauth retried the call after a 500, but the first call had
        # started an import, which failed at once: the retry met 409. That
        # import is the one to report, not a wait for one that never comes.
        real_import = self.r2.image_import

        def started_then_conflict(image_id, **kwargs):
            real_import(image_id, **kwargs)
            self.r2.tasks[image_id][-1].update(status='failure',
                                               message='Remote image gone')
            self.r2.images[image_id].pop('os_glance_import_task')
            raise glance_exc.HTTPConflict('image is importing')

        self.r2.image_import = started_then_conflict
        clock = itertools.count(0, 10)
        _engine, [result] = self.run_copy(timeout=15,
                                          clock=lambda: next(clock))
        self.assertEqual(logic.FAILED, result.status)
        self.assertIn('import failed: Remote image gone', result.message)

    def test_retry_meeting_409_after_earlier_failures_of_a_queued_copy(self):
        # The left-over's old failed task is not the one to follow.
        left = self.r2.add(**logic.origin_properties(self.source,
                                                     'RegionOne'))
        self.r2.tasks[left['id']].append(
            {'id': new_id(), 'status': 'failure', 'message': 'old',
             'created_at': '2025-01-01T00:00:00'})
        real_import = self.r2.image_import

        def started_then_conflict(image_id, **kwargs):
            real_import(image_id, **kwargs)
            raise glance_exc.HTTPConflict('image is importing')

        self.r2.image_import = started_then_conflict
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertEqual(left['id'], result.target_id)

    def test_import_call_still_failing_after_retries(self):
        def deadlock(*args, **kwargs):
            raise glance_exc.HTTPInternalServerError('Deadlock found')
        self.r2.image_import = deadlock
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.FAILED, result.status)
        self.assertIn('HTTP 500', result.message)
        self.assertIn('run the command again', result.message)
        self.assertEqual('queued', self.r2.images[result.target_id]['status'])

    def timed_out(self, **task):
        """The result of a copy whose import task stays as ``task`` says
        until --timeout (15 s, on a clock of 10 s a poll) ends it.
        """
        clock = itertools.count(0, 10)
        self.r2.outcome = 'never'
        self.r2.stepped = lambda image, t: t.update(task)
        _engine, [result] = self.run_copy(timeout=15,
                                          clock=lambda: next(clock))
        self.assertEqual(logic.FAILED, result.status)
        return result

    def test_timeout(self):
        result = self.timed_out(message='x')
        self.assertIn('not finished after 20 s (task processing); the '
                      'import goes on in Glance', result.message)
        self.assertEqual(1, len(self.r2.images))

    def test_timeout_of_a_task_that_never_started(self):
        result = self.timed_out(status='pending')
        self.assertIn('(task pending); the import never started: Glance '
                      'may have lost its task; delete image %s'
                      % result.target_id, result.message)

    def test_select(self):
        other = self.make_source('ubuntu', tags=['golden', 'lts'])
        self.r1.add(name='dup', status='active', checksum='x')
        self.r1.add(name='dup', status='active', checksum='y')
        queued = self.r1.add(name='half', status='queued')
        engine = self.copier()
        sources, problems = engine.select(
            ['cirros', other['id'], 'nope', 'dup', 'half'],
            logic.list_filters(tags=['lts']))
        self.assertEqual([self.source['id'], other['id']],
                         [s['id'] for s in sources])
        self.assertEqual(
            [('nope', None, "source: no image with name or ID 'nope' in "
              "RegionOne"),
             ('half', queued['id'],
              'source: the source image is queued, not active')],
            [p for p in problems if p[0] != 'dup'])
        [dup] = [p for p in problems if p[0] == 'dup']
        self.assertIn("2 images are named 'dup'", dup[2])

    def test_find_source_lists_by_name_and_reports_errors(self):
        engine = self.copier()
        with mock.patch.object(self.r1, 'list', wraps=self.r1.list) as lst:
            self.assertEqual(self.source['id'],
                             engine.find_source('cirros')['id'])
        lst.assert_called_once_with(filters={'name': 'cirros'})

        def broken_get(image_id):
            raise glance_exc.HTTPInternalServerError('database is locked')
        self.r1.get = broken_get
        with mock.patch.object(self.r1, 'list') as lst:
            sources, [(label, _id, reason)] = engine.select(
                [self.source['id']], None)
        self.assertEqual([], sources)
        self.assertIn('source: HTTP 500', reason)
        lst.assert_not_called()


# Two hours before NOW, as Glance's image-tasks call writes it.
STALE = '2026-01-01T22:10:00.000000'


class StoresTest(Base):
    """--store, --all-stores: Glance's stores / all_stores /
    all_stores_must_succeed, and where the copy ended, store by store.
    """

    def test_default_store(self):
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertNotIn('stores:', result.message)
        self.assertEqual('fast', self.r2.images[result.target_id]['stores'])

    def test_every_chosen_store(self):
        for stores in (logic.Stores(('ceph', 'fast')),
                       logic.Stores(every=True)):
            self.r2.images.clear()
            _engine, [result] = self.run_copy(stores=stores)
            self.assertEqual(logic.COPIED, result.status, result.message)
            self.assertTrue(result.message.endswith(
                'stores: ceph ok, fast ok'), result.message)

    def test_store_that_failed_is_named(self):
        self.r2.failing = {'ceph'}
        _engine, [result] = self.run_copy(stores=logic.Stores(every=True))
        self.assertEqual((logic.FAILED, True),
                         (result.status, result.verified), result.message)
        self.assertIn('sha512 equal; stores: ceph failed, fast ok; copy it '
                      'there with: openstack image import --method '
                      'copy-image --store ceph %s' % result.target_id,
                      result.message)
        self.assertEqual('active', self.r2.images[result.target_id][
            'status'])
        # Run again: the copy is there, still not in ceph.
        _engine, [again] = self.run_copy(stores=logic.Stores(('ceph',)))
        self.assertEqual(logic.FAILED, again.status)
        self.assertIn('already there (sha512 equal); stores: ceph failed; '
                      'copy it there', again.message)

    def test_one_store_must_succeed(self):
        # Allowing the one store asked for to fail changes nothing but the
        # revert Glance then runs (one of its own that fails).
        _engine, [result] = self.run_copy(stores=logic.Stores(('ceph',)))
        self.assertEqual((['ceph'], False),
                         self.r2.wanted[result.target_id])

    def test_disallow_failure_fails_the_import(self):
        self.r2.failing = {'ceph'}
        _engine, [result] = self.run_copy(stores=logic.Stores(
            ('fast', 'ceph'), allow_failure=False))
        self.assertEqual(logic.FAILED, result.status)
        self.assertIn('import failed: store ceph failed', result.message)
        self.assertEqual(('fast', 'ceph'),
                         tuple(self.r2.wanted[result.target_id][0]))
        self.assertFalse(self.r2.wanted[result.target_id][1])


class AfterTheDownloadTest(Base):
    """What the target region's Glance does after our download: convert
    the data, or fail and (a revert of its own failing) keep the lock.
    """

    def test_converted_copy_is_copied_and_verified(self):
        self.r2.outcome = 'converted'
        _engine, [result] = self.run_copy()
        self.assertEqual((logic.COPIED, True), (result.status,
                                                result.verified),
                         result.message)
        self.assertEqual("sha512 of the download equal, then converted to "
                         "raw by the target region's import plugins",
                         result.message)
        # Run again, with --replace: already there, never deleted.
        _engine, [again] = self.run_copy(replace=True)
        self.assertEqual((logic.EXISTS, result.target_id),
                         (again.status, again.target_id))
        self.assertEqual([], self.r2.deleted)

    def test_failed_import_that_kept_its_lock_ends_the_follow(self):
        # Glance's clock goes on 20 s a poll: a minute after the failure,
        # the follow ends with the reason instead of following for ever.
        now = iter(NOW + datetime.timedelta(seconds=20 * i)
                   for i in itertools.count())
        self.r2.now = lambda: next(now)
        self.r2.outcome = 'stuck'
        _engine, [result] = self.run_copy(utcnow=lambda: next(now))
        self.assertEqual(logic.FAILED, result.status)
        self.assertIn('ended (failure: Remote image gone)', result.message)
        self.assertIn('Glance left the copy locked by its task',
                      result.message)
        self.assertIn('run again with --replace', result.message)
        self.r2.outcome = 'success'
        _engine, [again] = self.run_copy(replace=True,
                                         utcnow=lambda: next(now))
        self.assertEqual(logic.COPIED, again.status, again.message)
        self.assertEqual([result.target_id], self.r2.deleted)


class DeadImportTest(Base):
    """A copy whose import died with its glance-api (restarted during the
    import): reported with what to do, replaced with --replace, never
    followed without end. Each run has a --timeout on a fake clock, so
    that a run that follows such an import ends too.
    """

    def run_copy(self, **kwargs):
        clock = itertools.count(0, 10)
        kwargs.setdefault('timeout', 600)
        return super().run_copy(clock=lambda: next(clock), **kwargs)

    def test_dead_import_is_reported_not_followed(self):
        self.r2.outcome = 'never'
        dead, task = self.importing_copy(written=STALE)
        for dry_run in (False, True):
            _engine, [result] = self.run_copy(dry_run=dry_run)
            self.assertEqual((logic.FAILED, dead['id']),
                             (result.status, result.target_id))
            self.assertEqual(
                'the import into %s is dead: its task %s (processing) has '
                'not changed since 2026-01-01 22:10:00 UTC (a glance-api '
                'restarted during the import?); run again with --replace '
                '(in the dashboard: Replace) to delete this copy and copy '
                'again' % (dead['id'], task['id']), result.message)
            self.assertIsNone(result.seconds)       # not followed
            self.assertEqual([dead['id']], list(self.r2.images))
            self.assertEqual([], self.r2.deleted)
            self.assertEqual(1, len(self.r2.imports))

    def test_dead_import_is_replaced_with_replace(self):
        dead, task = self.importing_copy(written=STALE)
        _engine, [dry] = self.run_copy(replace=True, dry_run=True)
        self.assertEqual(logic.WOULD_REPLACE, dry.status)
        self.assertEqual([], self.r2.deleted)
        _engine, [result] = self.run_copy(replace=True)
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertTrue(result.verified)
        self.assertEqual([dead['id']], self.r2.deleted)
        self.assertEqual([result.target_id], list(self.r2.images))
        self.assertIn('replaced the importing copy %s (its import was dead: '
                      'task %s)' % (dead['id'], task['id']), result.message)

    def test_queued_copy_with_a_stale_pending_lock(self):
        # The import call answered 5xx after Glance had locked the copy for
        # a task it never started: Glance answers 409 to any new import
        # until the lock expires, two hours later.
        locked, task = self.importing_copy(written='2026-01-01T22:09:59',
                                           status='queued')
        task['status'] = 'pending'
        _engine, [result] = self.run_copy()
        self.assertEqual((logic.FAILED, locked['id']),
                         (result.status, result.target_id))
        self.assertIn('its task %s (pending) has not changed since '
                      '2026-01-01 22:09:59 UTC (Glance never started it: '
                      'did its import call fail?); run again with --replace'
                      % task['id'], result.message)
        self.assertEqual(1, len(self.r2.imports))
        _engine, [result] = self.run_copy(replace=True)
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertEqual([locked['id']], self.r2.deleted)

    def test_import_dying_while_followed_ends_the_follow(self):
        # The glance-api running the import stops: its task is never
        # written again, and the clock goes on (20 minutes a poll).
        now = iter(NOW + datetime.timedelta(minutes=20 * i)
                   for i in itertools.count())
        self.r2.outcome = 'never'
        _engine, [result] = self.run_copy(utcnow=lambda: next(now),
                                          timeout=10 ** 6)
        self.assertEqual(logic.FAILED, result.status)
        self.assertIn('the import into %s is dead: its task '
                      % result.target_id, result.message)
        self.assertIn('has not changed since 2026-01-02 00:10:00 UTC (a '
                      'glance-api restarted during the import?); run again '
                      'with --replace', result.message)
        self.assertNotIn('goes on in Glance', result.message)
        self.assertEqual([result.target_id], list(self.r2.images))

    def test_live_import_is_followed(self):
        # Written a minute before NOW: under way, followed to its end.
        _copy, task = self.importing_copy(written='2026-01-02T00:09:00')
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertIn('followed an import started earlier', result.message)


class JoinTest(Base):
    """A run that follows a copy it did not create marks it (JOINED), so
    that the creating run's Ctrl-C keeps it, and removes the mark once the
    import has ended.
    """

    def marks(self, image_id):
        return [(properties, removed)
                for updated, properties, removed in self.r2.updates
                if updated == image_id]

    def test_joining_run_marks_then_unmarks(self):
        copy, _task = self.importing_copy()
        seen = []
        self.r2.stepped = lambda image, task: seen.append(
            image.get(logic.JOINED))
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertEqual(copy['id'], result.target_id)
        self.assertEqual([({logic.JOINED: '2026-01-02T00:10:00Z'}, None),
                          ({}, [logic.JOINED])], self.marks(copy['id']))
        self.assertEqual(['2026-01-02T00:10:00Z'], seen[:1])
        self.assertNotIn(logic.JOINED, self.r2.images[copy['id']])

    def test_mark_removed_when_the_joined_import_fails(self):
        copy, _task = self.importing_copy()
        self.r2.outcome = 'failure'
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.FAILED, result.status)
        self.assertEqual(2, len(self.marks(copy['id'])))
        self.assertNotIn(logic.JOINED, self.r2.images[copy['id']])

    def test_run_that_created_the_copy_does_not_mark_it(self):
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertEqual([], self.r2.updates)

    def test_run_meeting_409_on_a_copy_it_did_not_create_marks_it(self):
        # A queued left-over whose import another run has just started:
        # this run's import call meets 409 and follows that import.
        left = self.r2.add(**logic.origin_properties(self.source,
                                                     'RegionOne'))
        real_import = self.r2.image_import

        def other_run_first(image_id, **kwargs):
            self.r2.image_import = real_import
            real_import(image_id, **kwargs)
            return real_import(image_id, **kwargs)

        self.r2.image_import = other_run_first
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertIn('followed an import that was already running',
                      result.message)
        self.assertEqual(2, len(self.marks(left['id'])))

    def test_mark_left_when_its_removal_is_refused(self):
        copy, _task = self.importing_copy()
        update = self.r2.update

        def refuse_removal(image_id, remove_props=None, **properties):
            if remove_props:
                raise glance_exc.HTTPForbidden('property is protected')
            return update(image_id, **properties)

        self.r2.update = refuse_removal
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertIn('Could not remove glance_download_joined from image %s '
                      'in RegionTwo: HTTP 403' % copy['id'],
                      self.err.getvalue())

    def test_mark_refused_does_not_fail_the_copy(self):
        def refuse(image_id, **kwargs):
            raise glance_exc.HTTPForbidden('property is protected')
        copy, _task = self.importing_copy()
        self.r2.update = refuse
        _engine, [result] = self.run_copy()
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertIn('Could not mark image %s in RegionTwo as joined (HTTP '
                      '403' % copy['id'], self.err.getvalue())


class InterruptTest(Base):
    """Ctrl-C: the run stops and deletes what it created and is not
    active, and nothing else.
    """

    def test_ctrl_c_deletes_created_not_active(self):
        engine = self.copier()
        earlier = self.r2.add(status='queued', name='not ours')
        real_wait = copier.futures.wait

        def interrupt_once_created(fs, timeout=None):
            if timeout == 0.5 and any(
                    i.get('status') == 'importing'
                    for i in self.r2.images.values()):
                raise KeyboardInterrupt()
            return real_wait(fs, timeout=timeout)

        # The import never ends by itself.
        self.r2.stepped = lambda image, task: task.update(
            message='Downloaded 1 of 3 MiB from RegionOne') or \
            image.update(status='importing')
        self.r2.outcome = 'never'
        with mock.patch.object(copier.futures, 'wait',
                               interrupt_once_created):
            [result] = engine.run([self.source], ['RegionTwo'])
        self.assertTrue(engine.interrupted)
        self.assertEqual(130, logic.exit_code([result], True))
        self.assertEqual(logic.CANCELLED, result.status)
        self.assertEqual('interrupted; deleted the target image this run '
                         'created (it was importing)', result.message)
        self.assertEqual([('RegionTwo', result.target_id, 'importing')],
                         engine.cleaned)
        self.assertEqual([earlier['id']], list(self.r2.images))
        self.assertIn('Cleaned up: deleted image %s in RegionTwo '
                      '(importing)' % result.target_id, self.err.getvalue())

    def test_ctrl_c_keeps_a_copy_another_run_joined(self):
        # This run creates the copy and starts its import; another run
        # joins it and follows that import. Ctrl-C here must not delete
        # the copy under the other run, which sees the import to its end.
        creator, joiner = self.copier(), self.copier(poll=0.01)
        self.r2.outcome = 'never'
        self.r2.stepped = lambda image, task: task.update(
            message='Downloaded 1 of 3 MiB from RegionOne') or \
            image.update(status='importing')
        other = {}

        def run_joiner():
            other['results'] = joiner.run([self.source], ['RegionTwo'])

        real_wait = copier.futures.wait

        def ctrl_c_once_joined(fs, timeout=None):
            if threading.current_thread() is threading.main_thread():
                importing = [i for i in self.r2.images.values()
                             if i['status'] == 'importing']
                if importing and 'thread' not in other:
                    other['thread'] = threading.Thread(target=run_joiner)
                    other['thread'].start()
                    other['since'] = time.monotonic()
                if 'thread' in other and 'ctrl-c' not in other and (
                        any(i.get(logic.JOINED) for i in importing) or
                        time.monotonic() - other['since'] > 2):
                    other['ctrl-c'] = True
                    raise KeyboardInterrupt()
            return real_wait(fs, timeout=timeout)

        with mock.patch.object(copier.futures, 'wait', ctrl_c_once_joined):
            [result] = creator.run([self.source], ['RegionTwo'])
        self.r2.outcome = 'success'         # the import goes on, and ends
        other['thread'].join(10)
        self.assertEqual(logic.CANCELLED, result.status)
        self.assertEqual('interrupted; kept the target image this run '
                         'created: another run joined this copy (at '
                         '2026-01-02T00:10:00Z) and follows its import',
                         result.message)
        self.assertIn('Kept image %s in RegionTwo: another run joined this '
                      'copy' % result.target_id, self.err.getvalue())
        self.assertEqual([], creator.cleaned)
        self.assertEqual([], self.r2.deleted)
        [joined] = other['results']
        self.assertEqual((logic.COPIED, result.target_id),
                         (joined.status, joined.target_id), joined.message)
        self.assertNotIn(logic.JOINED, self.r2.images[result.target_id])

    def test_clean_up_keeps_active_and_retried_images(self):
        engine = self.copier()
        [copied] = engine.run([self.source], ['RegionTwo'])
        engine.clean_up()
        self.assertEqual([], engine.cleaned)
        self.assertIn(copied.target_id, self.r2.images)
        self.assertIn('Kept image %s in RegionTwo: it is active'
                      % copied.target_id, self.err.getvalue())

    def test_clean_up_keeps_what_someone_else_acted_on(self):
        # Re-checked just before the delete: only a copy still queued or
        # importing (this run's import) is deleted.
        engine = self.copier()
        [copied] = engine.run([self.source], ['RegionTwo'])
        self.r2.images[copied.target_id]['status'] = 'deactivated'
        engine.clean_up()
        self.assertEqual([], engine.cleaned)
        self.assertEqual([], self.r2.deleted)
        self.assertIn('Kept image %s in RegionTwo: it is deactivated'
                      % copied.target_id, self.err.getvalue())
        self.assertEqual(logic.COPIED, copied.status)

    def test_image_created_after_the_clean_up_is_not_orphaned(self):
        # Ctrl-C while the create call is in flight, and Ctrl-C again, so
        # that the clean-up does not wait for the job: the image Glance
        # creates after the clean-up is deleted by the job itself.
        engine = self.copier()
        creating, release = threading.Event(), threading.Event()
        real_create = self.r2.create

        def slow_create(**fields):
            creating.set()
            release.wait(10)
            return real_create(**fields)

        real_wait = copier.futures.wait

        def ctrl_c_twice(fs, timeout=None):
            if creating.is_set():
                raise KeyboardInterrupt()
            return real_wait(fs, timeout=timeout)

        self.r2.create = slow_create
        with mock.patch.object(copier.futures, 'wait', ctrl_c_twice):
            [result] = engine.run([self.source], ['RegionTwo'])
        self.assertEqual((logic.CANCELLED, 'still running when '
                          'interrupted'), (result.status, result.message))
        release.set()
        # As at the interpreter's exit, which joins the pool's threads.
        for thread in threading.enumerate():
            if thread.name.startswith('image-copy'):
                thread.join(10)
        self.assertEqual({}, self.r2.images)
        [(region, image_id, status)] = engine.cleaned
        self.assertEqual(('RegionTwo', 'queued'), (region, status))
        self.assertEqual([image_id], self.r2.deleted)
        self.assertIn('Cleaned up: deleted image %s in RegionTwo (queued)'
                      % image_id, self.err.getvalue())

    def test_stopped_before_start(self):
        engine = self.copier()
        engine.stop.set()
        [result] = engine.run([self.source], ['RegionTwo'])
        self.assertEqual(logic.CANCELLED, result.status)
        self.assertEqual({}, self.r2.images)


class TransientTest(Base):

    def test_a_few_failed_polls_do_not_fail_the_copy(self):
        real_get = self.r2.get
        failures = iter([glance_exc.HTTPInternalServerError('locked'),
                         ks_exc.ConnectFailure('restarting')])

        def flaky_get(image_id):
            if self.r2.imports:
                error = next(failures, None)
                if error:
                    raise error
            return real_get(image_id)

        self.r2.get = flaky_get
        engine = self.copier()
        engine.stop.wait = lambda seconds: None
        [result] = engine.run([self.source], ['RegionTwo'])
        self.assertEqual(logic.COPIED, result.status, result.message)
        self.assertIn('retrying: HTTP 500', self.err.getvalue())

    def test_polls_failing_too_long_fail_the_copy(self):
        clock = itertools.count(0, 30)

        def broken_get(image_id):
            raise glance_exc.HTTPServiceUnavailable('down')

        engine = self.copier(clock=lambda: next(clock), patience=60)
        engine.stop.wait = lambda seconds: None
        self.r2.get = broken_get
        [result] = engine.run([self.source], ['RegionTwo'])
        self.assertEqual(logic.FAILED, result.status)
        self.assertIn('lost track of the import for 60 s (HTTP 503',
                      result.message)
        self.assertIn('run the command again', result.message)


class CatalogRegions(FakeRegions):
    """FakeRegions' regions in memory; any other through ``real``, a
    GlanceRegions over a keystoneauth session with a catalog.
    """

    def __init__(self, real, **regions):
        super().__init__(**regions)
        self.real = real

    def glance(self, region):
        if region in self.regions:
            return super().glance(region)
        return self.real.glance(region)

    def checker(self, region):
        if region in self.regions:
            return super().checker(region)
        return self.real.checker(region)


class UnreachableRegionTest(Base):
    """A --to-region whose Glance cannot be asked fails alone, in words and
    without its URL, while the copy to RegionTwo (in memory) goes on. That
    region goes through the real GlanceRegions, glanceclient and
    keystoneauth to a real socket on 127.0.0.1.
    """

    def setUp(self):
        super().setUp()
        # A check that waits for ever fails the test, not the whole run.
        self.useFixture(fixtures.Timeout(60, gentle=True))

    def copy_to(self, url, session_timeout=None, check_timeout=0.5):
        """Copy the source to RegionTwo and to RegionDown, whose image
        endpoint is ``url``: (RegionDown's reason, seconds the run took).
        """
        token = ks_fixture.V3Token()
        token.add_service('image').add_standard_endpoints(
            public=url, region='RegionDown')
        session = ks_session.Session(
            auth=access_plugin.AccessInfoPlugin(
                access.create(body=token, auth_token='a-token')),
            timeout=session_timeout)
        real = copying_regions.GlanceRegions(session)
        real.check_timeout = check_timeout
        self.regions = CatalogRegions(real, RegionOne=self.r1,
                                      RegionTwo=self.r2)
        started = time.monotonic()
        _engine, (two, down) = self.run_copy(
            regions=['RegionTwo', 'RegionDown'])
        seconds = time.monotonic() - started
        self.assertEqual(logic.COPIED, two.status, two.message)
        self.assertEqual((logic.FAILED, None), (down.status, down.target_id),
                         down.message)
        self.assertNotIn('127.0.0.1', down.message)
        self.assertIn(down.message, self.err.getvalue())
        return down.message, seconds

    def test_source_region_that_does_not_answer(self):
        # Each source named, and a bulk selection: in words, without URL.
        token = ks_fixture.V3Token()
        token.add_service('image').add_standard_endpoints(
            public=unanswered.refusing(self), region='RegionDown')
        self.regions = copying_regions.GlanceRegions(ks_session.Session(
            auth=access_plugin.AccessInfoPlugin(
                access.create(body=token, auth_token='a-token'))))
        engine = copier.Copier(self.regions, 'RegionDown', PROJECT,
                               progress.LineReporter(self.err))
        sources, problems = engine.select(['cirros'], None)
        self.assertEqual(([], [('cirros', None, 'source: Glance did not '
                                'answer (connection refused)')]),
                         (sources, problems))
        exc = self.assertRaises(copier.API_ERRORS, engine.select, [],
                                {'visibility': 'public'})
        self.assertEqual('Glance did not answer (connection refused)',
                         copier.describe_error(exc))

    def test_connection_refused(self):
        message, _seconds = self.copy_to(unanswered.refusing(self))
        self.assertEqual('region RegionDown: Glance did not answer '
                         '(connection refused)', message)

    def test_no_answer_is_given_up_after_the_check_timeout(self):
        message, seconds = self.copy_to(unanswered.silent(self))
        self.assertEqual('region RegionDown: Glance did not answer '
                         '(timed out)', message)
        self.assertLess(seconds, 5)

    def test_the_sessions_own_timeout_is_kept(self):
        # A user's api_timeout (OSC's session timeout) rules the check too.
        message, seconds = self.copy_to(unanswered.silent(self),
                                        session_timeout=0.5,
                                        check_timeout=60)
        self.assertEqual('region RegionDown: Glance did not answer '
                         '(timed out)', message)
        self.assertLess(seconds, 5)

    def test_connection_closed_without_an_answer(self):
        message, _seconds = self.copy_to(unanswered.closing(self))
        self.assertEqual('region RegionDown: Glance did not answer '
                         '(connection closed without an answer)', message)

    def test_server_error(self):
        server = self.useFixture(fakes.FakeGlanceServer())
        server.route('/v2/info/import', b'{}', 'application/json')
        server.script(faults.Status(502))
        message, _seconds = self.copy_to(server.url)
        self.assertEqual('region RegionDown: GET /v2/info/import failed: '
                         'HTTP 502: injected fault: HTTP 502', message)

    def test_untrusted_certificate(self):
        server = self.useFixture(fakes.FakeGlanceServer())
        fakes.serve_tls(server, self.useFixture(tls.Certificates()))
        message, _seconds = self.copy_to(server.url)
        self.assertEqual(
            'region RegionDown: Glance did not answer (TLS error: '
            'certificate verify failed: unable to get local issuer '
            'certificate)', message)

    def test_tls_to_a_plain_http_server(self):
        server = self.useFixture(fakes.FakeGlanceServer())
        message, _seconds = self.copy_to(
            server.url.replace('http:', 'https:'))
        self.assertEqual('region RegionDown: Glance did not answer (TLS '
                         'error: wrong version number)', message)
