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

"""One reconcile pass over the copier's fake regions: what it reads, what
it does, and that a second pass has nothing left to do."""

import dataclasses
import datetime

from glanceclient import exc as glance_exc

from glance_download.copying import logic
from glance_download.replication import engine
from glance_download.replication import plan
from glance_download.replication import policy
from tests.unit.copying import fakes

POLICY = policy.Policy(
    name='golden', source_region='RegionOne',
    target_regions=('RegionTwo', 'RegionFour'),
    select=policy.Selection(tags=('golden',)),
    visibility='shared', tags=('replica',),
    properties=(('replicated', 'yes'),), follow_properties=('os_',),
    grace=60)


class EngineTest(fakes.Base):

    def setUp(self):
        super().setUp()
        self.r4 = fakes.FakeImages('RegionFour')
        self.r4.sources = self.r2.sources
        self.regions.regions['RegionFour'] = self.r4
        self.now = fakes.NOW

    def replicator(self, pol=POLICY, **kwargs):
        kwargs.setdefault('poll', 0)
        return engine.Replicator(self.regions, fakes.PROJECT, [pol],
                                 utcnow=lambda: self.now, **kwargs)

    def run_pass(self, **kwargs):
        return {(o.item.source_id, o.item.region): o
                for o in self.replicator(**kwargs).run()}

    def copies(self, fake):
        return [i for i in fake.images.values()
                if i.get(plan.POLICY) == 'golden']

    def test_copies_then_nothing_left_to_do(self):
        got = self.run_pass()
        for fake in (self.r2, self.r4):
            [copy] = self.copies(fake)
            self.assertEqual(('active', 'shared', ['golden', 'replica'],
                              'yes', self.source['id']),
                             (copy['status'], copy['visibility'],
                              copy['tags'], copy['replicated'],
                              copy[logic.ORIGIN_ID]))
        outcome = got[(self.source['id'], 'RegionTwo')]
        self.assertEqual((plan.COPY, True), (outcome.item.action,
                                             outcome.done))
        self.assertTrue(outcome.result.startswith('copied'), outcome.result)

        again = self.replicator().run()
        self.assertEqual([(plan.IN_STEP, None)] * 2,
                         [(o.item.state, o.item.action) for o in again])

    def test_nothing_to_do_reads_each_region_twice(self):
        # 30 sources x 2 regions in step: the lists grow with regions
        # (one plain, one os_hidden each), not with images; nothing else
        # is asked of any region.
        for n in range(29):
            self.make_source('image-%d' % n)
        self.run_pass()
        for fake in (self.r1, self.r2, self.r4):
            fake.calls.clear()
        replicator = self.replicator()
        outcomes = replicator.run()
        self.assertEqual(60, len(outcomes))
        self.assertEqual({plan.IN_STEP}, {o.item.state for o in outcomes})
        for fake in (self.r1, self.r2, self.r4):
            self.assertEqual({'list': 2}, dict(fake.calls), fake.region)

    def test_dry_run_changes_nothing(self):
        outcomes = self.replicator().run(dry_run=True)
        self.assertEqual([(plan.COPY, None)] * 2,
                         [(o.item.action, o.done) for o in outcomes])
        self.assertEqual([], self.copies(self.r2) + self.copies(self.r4))

    def test_per_region_bounds_the_imports_under_way(self):
        # Without following the imports (the service), a pass starts no
        # more than per_region in a region, counting those under way.
        for n in range(2):
            self.make_source('more-%d' % n)
        pol = dataclasses.replace(POLICY, target_regions=('RegionTwo',))
        replicator = self.replicator(pol=pol, wait=False, per_region=1)
        outcomes = replicator.run()
        self.assertEqual([True, None, None], [o.done for o in outcomes])
        self.assertEqual([False, True, True],
                         [o.deferred for o in outcomes])
        self.assertEqual('deferred: 1 imports under way in RegionTwo (per '
                         'region: 1)', outcomes[1].result)
        # Queued still, with the lock the import call took: under way.
        outcomes = replicator.run()
        self.assertEqual([(plan.COPYING, False), (plan.WAITING, True),
                          (plan.WAITING, True)],
                         [(o.item.state, o.deferred) for o in outcomes])
        [copy] = self.copies(self.r2)
        self.r2.get(copy['id'])         # the import is under way
        outcomes = replicator.run()
        self.assertEqual([plan.COPYING, plan.WAITING, plan.WAITING],
                         [o.item.state for o in outcomes])
        self.assertEqual(1, len(self.copies(self.r2)))
        self.r2.get(copy['id'])         # ... and over
        outcomes = replicator.run()
        self.assertEqual([None, True, None], [o.done for o in outcomes])

    def test_same_id(self):
        self.run_pass(pol=dataclasses.replace(POLICY, same_id=True))
        self.assertEqual([self.source['id']],
                         [c['id'] for c in self.copies(self.r2)])

    def test_properties_status_and_hidden_follow(self):
        self.run_pass()
        source = self.r1.images[self.source['id']]
        source.update(os_distro='debian', os_hidden=True,
                      status='deactivated')
        self.run_pass()
        [copy] = self.copies(self.r2)
        self.assertEqual(('deactivated', 'debian', True, 'source'),
                         (copy['status'], copy['os_distro'],
                          copy['os_hidden'], copy[plan.DEACTIVATED]))
        source.update(status='active', os_hidden=False)
        del source['os_distro']
        self.run_pass()
        self.run_pass()
        [copy] = self.copies(self.r2)
        self.assertEqual(('active', None, False, None),
                         (copy['status'], copy.get('os_distro'),
                          copy['os_hidden'], copy.get(plan.DEACTIVATED)))

    def test_deleted_source_hidden_after_the_grace_period(self):
        self.run_pass()
        self.r1.delete(self.source['id'])
        got = self.run_pass()
        outcome = got[(self.source['id'], 'RegionTwo')]
        self.assertEqual((plan.PENDING_RETIREMENT, plan.UPDATE, True),
                         (outcome.item.state, outcome.item.action,
                          outcome.done))
        self.now += datetime.timedelta(seconds=61)
        self.run_pass()
        for fake in (self.r2, self.r4):
            [copy] = self.copies(fake)
            self.assertEqual((True, 'its source was deleted'),
                             (copy['os_hidden'], copy[plan.RETIRED]))
        self.assertEqual([plan.RETIRED_STATE] * 2,
                         [o.item.state for o in self.replicator().run()])

    def test_a_source_that_stops_matching_is_not_a_deleted_one(self):
        # The tag that selected it is removed: Glance's listing (by tag)
        # leaves it out, and the pass looks it up before calling it gone.
        pol = dataclasses.replace(POLICY, on_unmatched='keep',
                                  on_source_deleted='delete', grace=0)
        self.run_pass(pol=pol)
        self.r1.images[self.source['id']]['tags'] = []
        got = self.run_pass(pol=pol)
        outcome = got[(self.source['id'], 'RegionTwo')]
        self.assertEqual((plan.LEFT_ALONE, None, 'kept: its source no '
                          'longer matches the policy'),
                         (outcome.item.state, outcome.item.action,
                          outcome.item.message))
        self.assertEqual(1, len(self.copies(self.r2)))

    def test_event_pass_looks_up_one_image(self):
        other = self.make_source('other')
        outcomes = self.replicator().run(image_id=other['id'])
        self.assertEqual({other['id']},
                         {o.item.source_id for o in outcomes})
        self.assertEqual([], [c for c in self.copies(self.r2)
                              if c[logic.ORIGIN_ID] == self.source['id']])
        # An event of an image that is no source (one of our copies, in
        # its own region) changes nothing.
        [copy] = self.copies(self.r2)
        self.assertEqual([], self.replicator().run(image_id=copy['id']))

    def test_a_region_down_the_others_go_on(self):
        del self.regions.regions['RegionFour']
        got = self.run_pass()
        four = got[(self.source['id'], 'RegionFour')]
        self.assertEqual(plan.FAILED, four.item.state)
        self.assertIn('region RegionFour: no image endpoint in the catalog',
                      four.item.message)
        self.assertEqual(1, len(self.copies(self.r2)))

    def test_a_refused_action_is_reported(self):
        self.run_pass()
        self.r1.images[self.source['id']]['status'] = 'deactivated'
        self.r2.deactivate = self.refuse
        got = self.run_pass()
        outcome = got[(self.source['id'], 'RegionTwo')]
        self.assertEqual((plan.DEACTIVATE, False), (outcome.item.action,
                                                    outcome.done))
        self.assertIn('deactivate failed: HTTP 403', outcome.result)

    @staticmethod
    def refuse(image_id):
        raise glance_exc.HTTPForbidden('not allowed')
