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

"""One reconcile pass: read each region once, plan, act.

A full pass lists the source region's images once per policy (with the
filters Glance applies itself) and each target region's copies once per
source region, whatever the number of images: list calls grow with
regions, not with images x regions. An event's pass looks up one image.
A full pass also looks up, one by one, the sources of kept copies that
the listing left out: an image Glance's filters no longer select is not a
deleted one. The actions are those of plan.Items; copies are made by
copying.copier (deterministic copy ids: two passes, or a pass and
``openstack image copy``, racing on one copy make one), the rest are
single Glance calls that a second replicator repeating them does not make
fail (an update to the same values, a deactivate of a deactivated image),
or whose "already done" answer counts as done (404 on a delete).
"""

import collections
from concurrent import futures
import dataclasses
import logging
import threading

from glanceclient import exc as glance_exc

from glance_download.copying import copier
from glance_download.copying import logic
from glance_download.replication import plan

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class Outcome:
    """An Item and what acting on it came to (``done`` None: no action
    was taken, being a dry run or having nothing to do).
    """
    item: plan.Item
    done: bool = None
    result: str = ''
    target_id: str = None
    deferred: bool = False      # a copy left for a later pass (no slot)


class Reader:
    """The region reads of one pass, each made once."""

    def __init__(self, regions, project_id):
        if callable(project_id):
            project_id = project_id()
        self.regions = regions
        self.project_id = project_id
        self.calls = collections.Counter()      # (region, call) -> count
        self._copies = {}

    def _list(self, region, filters):
        """Every image ``filters`` match, hidden ones too (Glance leaves
        those out of a list unless asked for them alone).
        """
        glance = self.regions.glance(region)
        found = {}
        for hidden in (False, True):
            self.calls[(region, 'list')] += 1
            query = dict(filters, os_hidden=True) if hidden else filters
            for image in glance.images.list(filters=query):
                found.setdefault(image['id'], dict(image))
        return list(found.values())

    def sources(self, policy, image_id=None):
        """The source images of ``policy`` to look at: all those Glance can
        pre-select, or the one ``image_id`` ([] when it is gone).
        """
        if image_id is None:
            return self._list(policy.source_region,
                              policy.select.list_filters())
        self.calls[(policy.source_region, 'get')] += 1
        try:
            return [dict(self.regions.glance(policy.source_region)
                         .images.get(image_id))]
        except glance_exc.HTTPNotFound:
            return []

    def copies(self, region, source_region, image_id=None):
        """This project's images in ``region`` that carry lineage from
        ``source_region`` (of ``image_id`` alone, when given).
        """
        key = (region, source_region.lower(), image_id)
        if key not in self._copies:
            filters = {logic.ORIGIN_REGION: source_region,
                       'owner': self.project_id, 'visibility': 'all'}
            if image_id:
                filters[logic.ORIGIN_ID] = image_id
            self._copies[key] = self._list(region, filters)
        return self._copies[key]

    def importing(self, region):
        """How many of this project's copies (of any source) are being
        imported into in ``region`` now: importing, or still queued with
        the import lock an import call has just taken (Glance sets
        "importing" only once the task runs).
        """
        busy = 0
        for status in ('importing', 'queued'):
            for image in self._list(region, {
                    'status': status, 'owner': self.project_id,
                    'visibility': 'all'}):
                if image.get(logic.ORIGIN_ID) and (
                        status == 'importing' or
                        image.get('os_glance_import_task')):
                    busy += 1
        return busy

    def tasks(self, region, image_id):
        self.calls[(region, 'tasks')] += 1
        return copier.import_tasks(self.regions.glance(region), image_id)


class Replicator:
    """Runs passes of ``policies`` as the project ``project_id`` over
    ``regions`` (copying.regions.GlanceRegions: the caller's session).
    ``wait``: follow each import to its verified end (the command), or
    start it and let a later pass see it through (the service).
    ``per_region``: copies started at the same time in one region.
    ``project_id`` may be a callable, asked at each pass until it answers.
    """

    def __init__(self, regions, project_id, policies, wait=True,
                 parallel=4, per_region=2, utcnow=logic.utcnow,
                 dead_after=logic.DEAD_AFTER, poll=2.0, interface='public'):
        self.regions = regions
        self.interface = interface
        self.project_id = project_id
        self.policies = policies
        self.wait = wait
        self.parallel = max(1, parallel)
        self.per_region = max(1, per_region)
        self.utcnow = utcnow
        self.dead_after = dead_after
        self.poll = poll
        self._slots = collections.defaultdict(
            lambda: threading.BoundedSemaphore(self.per_region))
        self.reader = None

    # -- planning ------------------------------------------------------------

    def plan(self, image_id=None):
        """``[(Item, source record or None)]`` of every policy, from one
        read of each region (Reader; kept in ``self.reader``).
        """
        self.reader = reader = Reader(self.regions, self.project_id)
        self.project_id = reader.project_id
        now = self.utcnow()
        planned = []
        for policy in self.policies:
            try:
                sources = reader.sources(policy, image_id)
            except copier.API_ERRORS as exc:
                planned.extend((item, None) for item in self._unreadable(
                    policy, image_id, copier.describe_error(exc)))
                continue
            copies, errors = {}, {}
            for region in policy.target_regions:
                try:
                    copies[region] = reader.copies(
                        region, policy.source_region, image_id)
                except copier.API_ERRORS as exc:
                    errors[region] = 'region %s: %s' % (
                        region, copier.describe_error(exc))
            if image_id is None:
                sources += self._unlisted(policy, sources, copies)
            by_id = {s['id']: s for s in sources}
            looked_up = None if image_id is None else {image_id}
            for item in plan.plan(policy, sources, copies, now,
                                  reader.tasks, errors, looked_up,
                                  self.dead_after):
                planned.append((item, by_id.get(item.source_id)))
        return planned

    def _unlisted(self, policy, sources, copies):
        """The sources of the policy's copies that the listing left out
        (Glance filtered them out: they no longer match), looked up one by
        one; those gone are not there. Only copies still kept count, so
        that this costs nothing once they are retired.
        """
        listed = {s['id'] for s in sources}
        missing = {c.get(logic.ORIGIN_ID)
                   for region_copies in copies.values()
                   for c in region_copies
                   if c.get(plan.POLICY) == policy.name and
                   not c.get(plan.RETIRED)} - listed - {None}
        found = []
        for image_id in sorted(missing):
            found += self.reader.sources(policy, image_id)
        return found

    @staticmethod
    def _unreadable(policy, image_id, reason):
        return [plan.Item(policy.name, image_id, None, region, plan.FAILED,
                          'source region %s: %s' % (policy.source_region,
                                                    reason))
                for region in policy.target_regions]

    # -- acting --------------------------------------------------------------

    def run(self, dry_run=False, image_id=None):
        """Outcomes of one pass, in plan order."""
        planned = self.plan(image_id)
        outcomes = [Outcome(item) for item, _source in planned]
        if dry_run:
            return outcomes
        policies = {p.name: p for p in self.policies}
        copies = self._slotted([(o, source) for o, (_item, source) in
                                zip(outcomes, planned)
                                if o.item.action == plan.COPY])
        for outcome in outcomes:
            if outcome.item.action not in (None, plan.COPY):
                self._act(outcome)
        if copies:
            with futures.ThreadPoolExecutor(
                    max_workers=self.parallel,
                    thread_name_prefix='replicate') as pool:
                list(pool.map(lambda pair: self._copy(
                    policies[pair[0].item.policy], *pair), copies))
        return outcomes

    def _slotted(self, copies):
        """The copies to start now. Following each import (``wait``), a
        region's semaphore holds its copies to ``per_region`` at a time;
        without following, this pass starts no more in a region than
        ``per_region`` less the imports of this project already under way
        there (whichever pass, instance or command started them), and
        marks the rest deferred, for a later pass.
        """
        if self.wait:
            return copies
        busy = {}
        now = []
        for outcome, source in copies:
            region = outcome.item.region
            if region not in busy:
                try:
                    busy[region] = self.reader.importing(region)
                except copier.API_ERRORS as exc:
                    outcome.done = False
                    outcome.result = copier.describe_error(exc)
                    continue
            if busy[region] < self.per_region:
                busy[region] += 1
                now.append((outcome, source))
            else:
                outcome.deferred = True
                outcome.result = ('deferred: %d imports under way in %s '
                                  '(per region: %d)' % (
                                      busy[region], region,
                                      self.per_region))
        return now

    def _copy(self, policy, outcome, source):
        item = outcome.item
        extra = dict(policy.properties)
        extra[plan.POLICY] = policy.name
        extra['tags'] = list(policy.tags)
        job = copier.Copier(
            self.regions, policy.source_region, self.project_id,
            copier.SilentReporter(), visibility=policy.visibility,
            interface=self.interface, wait=self.wait, poll=self.poll,
            replace=item.replace,
            dead_after=self.dead_after, utcnow=self.utcnow, extra=extra,
            same_id=policy.same_id)
        with self._slots[item.region]:
            try:
                result = job.copy_one(source, item.region)
            except copier.API_ERRORS as exc:
                outcome.done, outcome.result = False, \
                    copier.describe_error(exc)
                return
        outcome.done = result.status in (logic.COPIED, logic.EXISTS,
                                         logic.STARTED)
        outcome.target_id = result.target_id
        outcome.result = '%s: %s' % (result.status, result.message) \
            if result.message else result.status
        LOG.info('%s: %s -> %s: %s', item.policy, item.source_id,
                 item.region, outcome.result)

    def _act(self, outcome):
        item = outcome.item
        images = self.regions.glance(item.region).images
        changes = item.changes or {'set': {}, 'remove': []}
        try:
            if item.action == plan.DELETE:
                images.delete(item.target_id)
            elif item.action == plan.REACTIVATE:
                images.reactivate(item.target_id)
                images.update(item.target_id, remove_props=sorted(
                    set(changes['remove']) | {plan.DEACTIVATED}),
                    **changes['set'])
            else:           # UPDATE, HIDE, DEACTIVATE
                marks = ({plan.DEACTIVATED: 'source'}
                         if item.action == plan.DEACTIVATE else {})
                images.update(item.target_id,
                              remove_props=changes['remove'] or None,
                              **dict(changes['set'], **marks))
                if item.action == plan.DEACTIVATE:
                    images.deactivate(item.target_id)
            outcome.done, outcome.result = True, plan.DONE[item.action]
        except glance_exc.HTTPNotFound:
            # Another replicator deleted it first, or a user did.
            outcome.done, outcome.result = True, 'already gone'
        except copier.API_ERRORS as exc:
            outcome.done = False
            outcome.result = '%s failed: %s' % (item.action,
                                                copier.describe_error(exc))
        outcome.target_id = item.target_id
        LOG.info('%s: %s in %s (%s): %s', item.policy, item.target_id,
                 item.region, item.message, outcome.result)
