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

"""What a policy needs done, from what the regions hold (no Glance)."""

import dataclasses
import datetime

import testtools

from glance_download.copying import logic
from glance_download.replication import plan
from glance_download.replication import policy
from tests.unit.copying.fakes import copy
from tests.unit.copying.fakes import source
from tests.unit.copying.fakes import SRC

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
POLICY = policy.Policy(name='p', source_region='RegionOne',
                       target_regions=('RegionTwo', 'RegionThree'),
                       follow_properties=('os_', 'hw_'), grace=600)


def ours(image_id='t1', **fields):
    """A verified copy of source() this policy made."""
    return copy(image_id, **dict({plan.POLICY: 'p'}, **fields))


def deactivated(image_id='t1', **fields):
    """ours(), then deactivated: its data and record stay."""
    return dict(ours(image_id, **fields), status='deactivated')


class Base(testtools.TestCase):

    def items(self, sources, two=(), three=(), pol=POLICY, now=NOW, **kw):
        return plan.plan(pol, sources, {'RegionTwo': list(two),
                                        'RegionThree': list(three)},
                         now, **kw)

    def plan(self, *args, **kwargs):
        """The items of one source, by region."""
        return {i.region: i for i in self.items(*args, **kwargs)}


class PlanTest(Base):

    def test_no_copy_is_copied_everywhere(self):
        got = self.plan([source()])
        self.assertEqual([plan.COPY, plan.COPY],
                         [got[r].action for r in ('RegionTwo',
                                                  'RegionThree')])
        self.assertEqual(plan.WAITING, got['RegionTwo'].state)

    def test_in_step_needs_nothing(self):
        got = self.plan([source()], [ours()], [ours('t3')])
        self.assertEqual([(plan.IN_STEP, None, 't1'),
                          (plan.IN_STEP, None, 't3')],
                         [(got[r].state, got[r].action, got[r].target_id)
                          for r in ('RegionTwo', 'RegionThree')])

    def test_followed_properties_set_and_removed(self):
        src = source(os_distro='debian', hw_disk_bus='scsi',
                     architecture='x86_64')
        got = self.plan([src], [ours(os_distro='ubuntu', hw_rng='1',
                                     architecture='arm')], [ours('t3')])
        two = got['RegionTwo']
        self.assertEqual((plan.OUT_OF_STEP, plan.UPDATE), (two.state,
                                                           two.action))
        # architecture has no followed prefix: left as it is.
        self.assertEqual({'set': {'os_distro': 'debian',
                                  'hw_disk_bus': 'scsi'},
                          'remove': ['hw_rng']}, two.changes)
        self.assertIn('set hw_disk_bus, os_distro and remove hw_rng',
                      two.message)

    def test_reserved_names_never_follow(self):
        # os_hash_value, os_glance_* and the lineage are not properties,
        # whatever the prefixes say.
        pol = dataclasses.replace(POLICY, follow_properties=('os_', 'gl'))
        src = source(os_glance_import_task='x', os_hash_value='aa' * 64)
        got = self.plan([src], [ours()], [ours('t3')], pol=pol)
        self.assertIsNone(got['RegionTwo'].action)

    def test_hidden_follows(self):
        got = self.plan([source(os_hidden=True)], [ours()], [ours('t3')])
        self.assertEqual({'set': {'os_hidden': True}, 'remove': []},
                         got['RegionTwo'].changes)
        off = dataclasses.replace(POLICY, follow_hidden=False)
        got = self.plan([source(os_hidden=True)], [ours()], [ours('t3')],
                        pol=off)
        self.assertIsNone(got['RegionTwo'].action)

    def test_a_copy_not_made_by_the_policy_is_adopted(self):
        got = self.plan([source()], [copy('t1')], [ours('t3')])
        self.assertEqual({'set': {plan.POLICY: 'p'}, 'remove': []},
                         got['RegionTwo'].changes)

    def test_deactivation_follows_both_ways(self):
        got = self.plan([source(status='deactivated')], [ours()],
                        [deactivated('t3')])
        self.assertEqual((plan.DEACTIVATE, None),
                         (got['RegionTwo'].action,
                          got['RegionThree'].action))
        got = self.plan([source()],
                        [deactivated(**{plan.DEACTIVATED: 'source'})],
                        [deactivated('t3')])
        self.assertEqual(plan.REACTIVATE, got['RegionTwo'].action)
        # Deactivated by someone else (no mark): an administrator's block.
        self.assertEqual((plan.LEFT_ALONE, None),
                         (got['RegionThree'].state,
                          got['RegionThree'].action))

    def test_deactivated_source_without_a_copy_waits(self):
        got = self.plan([source(status='deactivated')])
        self.assertEqual((plan.WAITING, None), (got['RegionTwo'].state,
                                                got['RegionTwo'].action))
        self.assertIn('cannot be read until it is reactivated',
                      got['RegionTwo'].message)

    def test_import_under_way_is_copying(self):
        tasks = [{'id': 'k', 'status': 'processing',
                  'message': 'Downloaded 1 of 3 MiB from RegionOne',
                  'updated_at': '2026-03-01T11:59:59'}]
        got = self.plan([source()], [ours(status='importing')],
                        [ours('t3')], tasks_of=lambda region, i: tasks)
        self.assertEqual((plan.COPYING, 33, None),
                         (got['RegionTwo'].state, got['RegionTwo'].percent,
                          got['RegionTwo'].action))

    def test_dead_import_is_copied_again(self):
        tasks = [{'id': 'k', 'status': 'processing', 'message': '',
                  'updated_at': '2026-03-01T09:00:00'}]
        got = self.plan([source()], [ours(status='importing')],
                        [ours('t3')], tasks_of=lambda region, i: tasks)
        self.assertEqual((plan.COPY, True), (got['RegionTwo'].action,
                                             got['RegionTwo'].replace))

    def test_failed_import_waits_then_is_tried_again(self):
        def tasks(*times):
            return [{'id': 'k%d' % n, 'status': 'failure',
                     'message': 'Remote image gone', 'updated_at': t}
                    for n, t in enumerate(times)]
        queued = ours(status='queued')
        # One failure, 30 s ago: RETRY_AFTER (60 s) not passed yet.
        got = self.plan([source()], [queued], [ours('t3')],
                        tasks_of=lambda r, i: tasks('2026-03-01T11:59:30'))
        two = got['RegionTwo']
        self.assertEqual((plan.FAILED, None), (two.state, two.action))
        self.assertEqual('import failed (1 time): Remote image gone; tried '
                         'again in 30 s', two.message)
        # Two failures, the last 90 s ago: 120 s to wait.
        got = self.plan([source()], [queued], [ours('t3')],
                        tasks_of=lambda r, i: tasks('2026-03-01T11:50:00',
                                                    '2026-03-01T11:58:30'))
        self.assertIn('(2 times)', got['RegionTwo'].message)
        self.assertIsNone(got['RegionTwo'].action)
        got = self.plan([source()], [queued], [ours('t3')],
                        tasks_of=lambda r, i: tasks('2026-03-01T11:50:00',
                                                    '2026-03-01T11:57:59'))
        self.assertEqual((plan.FAILED, plan.COPY),
                         (got['RegionTwo'].state, got['RegionTwo'].action))
        self.assertTrue(got['RegionTwo'].message.endswith('trying again'))

    def test_queued_copy_never_imported_into_is_copied(self):
        got = self.plan([source()], [ours(status='queued')], [ours('t3')])
        self.assertEqual((plan.WAITING, plan.COPY),
                         (got['RegionTwo'].state, got['RegionTwo'].action))

    def test_source_without_data_is_left_alone(self):
        # A snapshot of a server booted from a volume: no data, no hash.
        got = self.plan([source(size=0, os_hash_value=None, checksum=None)])
        self.assertEqual((plan.LEFT_ALONE, None,
                          'the source image has no os_hash_value or '
                          'checksum'),
                         (got['RegionTwo'].state, got['RegionTwo'].action,
                          got['RegionTwo'].message))

    def test_a_copy_another_policy_made_stays_its(self):
        got = self.plan([source()], [ours(**{plan.POLICY: 'other'})],
                        [ours('t3')])
        self.assertEqual((plan.IN_STEP, None),
                         (got['RegionTwo'].state, got['RegionTwo'].action))

    def test_dead_after_is_the_policy_runner_s(self):
        tasks = [{'id': 'k', 'status': 'processing', 'message': '',
                  'updated_at': '2026-03-01T11:50:00'}]
        kwargs = dict(tasks_of=lambda region, i: tasks)
        got = self.plan([source()], [ours(status='importing')],
                        [ours('t3')], **kwargs)
        self.assertEqual(plan.COPYING, got['RegionTwo'].state)
        got = self.plan([source()], [ours(status='importing')],
                        [ours('t3')], dead_after=300, **kwargs)
        self.assertEqual((plan.COPY, True), (got['RegionTwo'].action,
                                             got['RegionTwo'].replace))

    def test_region_that_could_not_be_read(self):
        got = self.plan([source()], [], [ours('t3', description='x')],
                        region_errors={'RegionTwo': 'region RegionTwo: '
                                       'Glance did not answer'})
        self.assertEqual((plan.FAILED, None), (got['RegionTwo'].state,
                                               got['RegionTwo'].action))
        self.assertEqual('region RegionTwo: Glance did not answer',
                         got['RegionTwo'].message)


class RetireTest(Base):

    def gone(self, copy_fields=None, pol=POLICY, now=NOW, **kw):
        [item] = self.items([], [ours(**(copy_fields or {}))], pol=pol,
                            now=now, **kw)
        return item

    def test_first_pass_without_the_source_records_when(self):
        item = self.gone()
        self.assertEqual((plan.PENDING_RETIREMENT, plan.UPDATE,
                          {'set': {plan.MISSING_SINCE:
                                   '2026-03-01T12:00:00Z'},
                           'remove': []}),
                         (item.state, item.action, item.changes))
        self.assertEqual('its source was deleted; hidden in 600 s',
                         item.message)
        self.assertEqual(SRC, item.source_id)

    def test_within_the_grace_period_nothing(self):
        item = self.gone({plan.MISSING_SINCE: '2026-03-01T11:55:00Z'})
        self.assertEqual((plan.PENDING_RETIREMENT, None),
                         (item.state, item.action))
        self.assertIn('hidden in 300 s', item.message)

    def test_after_the_grace_period_hidden_or_deleted(self):
        since = {plan.MISSING_SINCE: '2026-03-01T11:50:00Z'}
        item = self.gone(since)
        self.assertEqual((plan.HIDE, {'set': {
            'os_hidden': True, plan.RETIRED: 'its source was deleted'},
            'remove': [plan.MISSING_SINCE]}), (item.action, item.changes))
        deleting = dataclasses.replace(POLICY, on_source_deleted='delete')
        self.assertEqual(plan.DELETE, self.gone(since, deleting).action)
        keeping = dataclasses.replace(POLICY, on_source_deleted='keep')
        item = self.gone(since, keeping)
        self.assertEqual((plan.LEFT_ALONE, None), (item.state, item.action))

    def test_retired_stays_retired(self):
        item = self.gone({plan.RETIRED: 'its source was deleted',
                          'os_hidden': True})
        self.assertEqual((plan.RETIRED_STATE, None), (item.state,
                                                      item.action))

    def test_source_found_again_clears_the_marks(self):
        got = self.plan([source()], [ours(os_hidden=True, **{
            plan.MISSING_SINCE: '2026-03-01T11:50:00Z',
            plan.RETIRED: 'its source was deleted'})], [ours('t3')])
        self.assertEqual({'set': {'os_hidden': False},
                          'remove': [plan.RETIRED, plan.MISSING_SINCE]},
                         got['RegionTwo'].changes)

    def test_copy_of_a_deleted_source_being_imported_is_deleted(self):
        item = self.gone({'status': 'importing'})
        self.assertEqual((plan.DELETE, 'its source was deleted before the '
                          'copy was finished'), (item.action, item.message))

    def test_unmatched_follows_on_unmatched(self):
        pol = dataclasses.replace(
            POLICY, select=policy.Selection(tags=('golden',)),
            on_unmatched='delete', grace=0)
        [item] = self.items([source(tags=[])],
                            [ours(**{plan.MISSING_SINCE:
                                     '2026-03-01T12:00:00Z'})], pol=pol)
        self.assertEqual((plan.DELETE, 'its source no longer matches the '
                          'policy'), (item.action, item.message))

    def test_copies_the_policy_did_not_make_are_never_retired(self):
        self.assertEqual([], self.items([], [copy('t1')]))
        self.assertEqual([], self.items([], [ours(**{
            plan.POLICY: 'other'})]))

    def test_an_event_pass_retires_only_what_it_looked_up(self):
        self.assertEqual([], self.items([], [ours()], looked_up={'x'}))
        [item] = self.items([], [ours()], looked_up={SRC})
        self.assertEqual(plan.UPDATE, item.action)

    def test_superseded_by_a_newer_image_of_the_same_name(self):
        pol = dataclasses.replace(POLICY, supersede=True,
                                  target_regions=('RegionTwo',))
        old = source(created_at='2026-01-01T00:00:00Z')
        new = source(id='new', created_at='2026-02-01T00:00:00Z')
        items = self.items([old, new], [ours()], pol=pol)
        by_source = {i.source_id: i for i in items}
        self.assertEqual(plan.COPY, by_source['new'].action)
        self.assertEqual((plan.HIDE, 'superseded by new'),
                         (by_source[SRC].action, by_source[SRC].message))
        self.assertEqual(2, len(items))


class SourceOnlyTest(testtools.TestCase):

    def test_lineage_names_the_source_region(self):
        # A copy with lineage from another region is no copy of this
        # policy's source.
        items = plan.plan(POLICY, [source()], {
            'RegionTwo': [ours(**{logic.ORIGIN_REGION: 'RegionNine'})],
            'RegionThree': []}, NOW)
        self.assertEqual([plan.COPY, plan.COPY], [i.action for i in items])
