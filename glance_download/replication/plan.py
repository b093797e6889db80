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

"""What one policy needs done, decided from what the regions hold.

Pure: the caller lists the source region's images and each target
region's copies once, and this module says, per (image, region), the
state and the one action that brings it in step. Everything it knows
between passes is in Glance's records: the copies' lineage
(copying.logic), the policy that made them (POLICY), when a pass first
found their source gone (MISSING_SINCE), and why the replication hid or
deactivated them (RETIRED, DEACTIVATED).
"""

import dataclasses

from glance_download.copying import logic
from glance_download.copying import state as copy_state

POLICY = 'glance_download_policy'
MISSING_SINCE = 'glance_download_source_missing_since'
RETIRED = 'glance_download_retired'
DEACTIVATED = 'glance_download_deactivated'
MARKS = (POLICY, MISSING_SINCE, RETIRED, DEACTIVATED)

# States, one per (image, region).
IN_STEP = 'in step'
OUT_OF_STEP = 'out of step'     # an active copy the source changed since
COPYING = 'copying'
WAITING = 'waiting'
FAILED = 'failed'
LEFT_ALONE = 'left alone'
PENDING_RETIREMENT = 'pending retirement'
RETIRED_STATE = 'retired'

# Actions, and what each says once done.
COPY = 'copy'
UPDATE = 'update'
DEACTIVATE = 'deactivate'
REACTIVATE = 'reactivate'
DELETE = 'delete'
HIDE = 'hide'
DONE = {UPDATE: 'updated', DEACTIVATE: 'deactivated',
        REACTIVATE: 'reactivated', DELETE: 'deleted', HIDE: 'hidden'}

# A copy whose import failed is imported into again after RETRY_AFTER
# seconds, doubled after each further failure, at most RETRY_MAX.
RETRY_AFTER = 60
RETRY_MAX = 3600

# Fields of an image record that are never "properties" to follow, even
# when a prefix (os_, hw_...) would take them in.
_NOT_PROPERTIES = frozenset((
    'id', 'name', 'status', 'visibility', 'owner', 'protected', 'os_hidden',
    'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value',
    'disk_format', 'container_format', 'min_disk', 'min_ram', 'tags',
    'created_at', 'updated_at', 'file', 'self', 'schema', 'locations',
    'direct_url', 'stores')) | frozenset(logic.ORIGIN_PROPERTIES) | \
    frozenset(MARKS)
_RESERVED_PREFIXES = ('os_glance_', 'glance_download_')


@dataclasses.dataclass
class Item:
    """One (image, region) of a policy: where it stands, and the action
    that brings it in step (None: nothing to do).
    """
    policy: str
    source_id: str
    name: str
    region: str
    state: str
    message: str = ''
    target_id: str = None
    action: str = None
    changes: dict = None        # UPDATE: {'set': {...}, 'remove': [...]}
    percent: int = None         # COPYING
    replace: bool = False       # COPY: the copy there is dead or killed

    @property
    def key(self):
        return (self.policy, self.source_id, self.region)


def is_property(name):
    return name not in _NOT_PROPERTIES and \
        not name.startswith(_RESERVED_PREFIXES)


def _timestamp(now):
    return now.strftime('%Y-%m-%dT%H:%M:%SZ')


def current_sources(policy, sources):
    """``(wanted, superseded)``: the sources the policy keeps copies of,
    and ``{id: newer id}`` of those a newer same-named one supersedes.
    """
    matching = [s for s in sources if policy.select.matches(s)]
    superseded = {}
    if policy.supersede:
        newest = {}
        for source in sorted(matching, key=lambda s: s.get('created_at')
                             or '', reverse=True):
            name = source.get('name')
            if name in newest:
                superseded[source['id']] = newest[name]['id']
            else:
                newest[name] = source
    return [s for s in matching if s['id'] not in superseded], superseded


def plan(policy, sources, copies, now, tasks_of=lambda region, i: [],
         region_errors=None, looked_up=None, dead_after=logic.DEAD_AFTER):
    """The Items of ``policy``.

    ``sources``: the source region's images (hidden ones too) the pass
    looked at; ``copies``: ``{region: [images there that carry lineage from
    the source region]}``; ``tasks_of(region, image id)``: an image's
    import tasks (asked only of copies in flight); ``region_errors``:
    ``{region: why it could not be read}``; ``looked_up``: None when
    ``sources`` is every image of the source region (a full pass), so that
    a copy whose source is not among them has lost it; else the ids a
    partial pass (one image's event) looked up, found or not.
    """
    region_errors = region_errors or {}
    wanted, superseded = current_sources(policy, sources)
    by_id = {s['id']: s for s in sources}
    items = []
    for source in wanted:
        for region in policy.target_regions:
            if region in region_errors:
                items.append(Item(policy.name, source['id'],
                                  source.get('name'), region, FAILED,
                                  region_errors[region]))
                continue
            theirs = [c for c in copies.get(region, ())
                      if logic.is_copy_of(c, source, policy.source_region)]
            items.append(_keep(policy, source, region, theirs, now,
                               lambda i, r=region: tasks_of(r, i),
                               dead_after))
    wanted_ids = {s['id'] for s in wanted}
    for region in policy.target_regions:
        for copy in copies.get(region, ()):
            origin = copy.get(logic.ORIGIN_ID)
            if copy.get(POLICY) != policy.name or origin in wanted_ids:
                continue
            source = by_id.get(origin)
            if source is None and looked_up is not None and \
                    origin not in looked_up:
                continue
            item = _retire(policy, copy, source, superseded.get(origin),
                           region, now)
            if item:
                items.append(item)
    return items


# -- sources the policy keeps ------------------------------------------------

def _keep(policy, source, region, copies, now, tasks_of, dead_after):
    def item(state, message='', copy=None, **fields):
        return Item(policy.name, source['id'], source.get('name'), region,
                    state, message, copy['id'] if copy else None, **fields)

    status = source.get('status')
    if status == 'deactivated':
        return _source_deactivated(policy, source, copies, item)
    if status != 'active':
        return item(WAITING, 'the source is %s; it is copied once it is '
                    'active' % status)
    problem = logic.source_problem(source)
    if problem:
        # A snapshot of a server booted from a volume: a record, no data.
        return item(LEFT_ALONE, problem)
    for copy in copies:
        if policy.follow_status and copy.get('status') == 'deactivated' \
                and copy.get(DEACTIVATED) and logic.verify(source, copy)[0]:
            return item(OUT_OF_STEP, 'deactivated with its source, which '
                        'is active again', copy, action=REACTIVATE)
    decision = logic.decide(source, policy.source_region, copies,
                            tasks_of=tasks_of, now=now, dead_after=dead_after)
    copy = decision.image
    if decision.action == logic.PRESENT:
        changes = _changes(policy, source, copy)
        if changes:
            return item(OUT_OF_STEP, 'verified (%s); %s' % (
                logic.verify(source, copy)[1], _describe(changes)), copy,
                action=UPDATE, changes=changes)
        return item(IN_STEP, decision.message, copy)
    if decision.action == logic.RETRY:
        return _retry(decision, copy, now, tasks_of, item)
    if decision.action in (logic.CREATE, logic.REPLACE, logic.DEAD):
        return item(WAITING, decision.message or 'no copy yet', copy,
                    action=COPY,
                    replace=decision.action in (logic.REPLACE, logic.DEAD))
    if decision.action == logic.FOLLOW:
        summary = copy_state.summarise(region, source, decision,
                                       tasks_of(copy['id']))
        percent = None
        if summary.total_mib:
            percent = min(100, int(100 * (summary.done_mib or 0) /
                                   summary.total_mib))
        return item(COPYING, summary.message, copy, percent=percent)
    if decision.action == logic.LEAVE:
        return item(LEFT_ALONE, decision.message, copy)
    return item(FAILED, decision.message, copy)


def _retry(decision, copy, now, tasks_of, item):
    """A queued copy: whose import has just started (copying), never
    imported into (copy it), or whose imports failed: failed, with
    Glance's reason, and imported into again once
    RETRY_AFTER doubled for each failure (at most RETRY_MAX) has passed
    since the last one.
    """
    tasks = tasks_of(copy['id'])
    if any(t.get('status') in ('pending', 'processing') for t in tasks):
        # An import call has just taken the lock; Glance sets the image
        # importing once the task runs.
        return item(COPYING, 'an import into %s has started' % copy['id'],
                    copy)
    failures = sorted((t for t in tasks if t.get('status') == 'failure'),
                      key=lambda t: t.get('updated_at') or '')
    if not failures:
        return item(WAITING, decision.message, copy, action=COPY)
    last = failures[-1]
    wait = min(RETRY_AFTER * 2 ** (len(failures) - 1), RETRY_MAX)
    ended = logic.parse_time(last.get('updated_at')) or now
    left = wait - (now - ended).total_seconds()
    why = 'import failed (%d time%s): %s' % (
        len(failures), 's' if len(failures) > 1 else '',
        last.get('message') or 'no reason given')
    if left > 0:
        return item(FAILED, '%s; tried again in %d s' % (why, left), copy)
    return item(FAILED, '%s; trying again' % why, copy, action=COPY)


def _source_deactivated(policy, source, copies, item):
    active = [c for c in copies if c.get('status') == 'active' and
              logic.verify(source, c)[0]]
    if active and policy.follow_status:
        return item(OUT_OF_STEP, 'the source was deactivated', active[0],
                    action=DEACTIVATE,
                    changes=_changes(policy, source, active[0]))
    done = active or [c for c in copies if c.get('status') == 'deactivated'
                      and logic.verify(source, c)[0]]
    if not done:
        return item(WAITING, 'the source is deactivated: its data cannot '
                    'be read until it is reactivated')
    changes = _changes(policy, source, done[0])
    what = ('deactivated, as its source is' if done[0]['status'] ==
            'deactivated' else 'the source is deactivated; the copy is not '
            '(follow status is off)')
    if changes:
        return item(OUT_OF_STEP, '%s; %s' % (what, _describe(changes)),
                    done[0], action=UPDATE, changes=changes)
    return item(IN_STEP, what, done[0])


def _changes(policy, source, copy):
    """What the copy must be told to match the source: properties named by
    the policy's prefixes, os_hidden, and marks of a pass that no longer
    hold (a source found again).
    """
    changes = {'set': {}, 'remove': []}
    for name, value in source.items():
        if is_property(name) and policy.follows(name) and \
                copy.get(name) != value:
            changes['set'][name] = value
    for name in copy:
        if is_property(name) and policy.follows(name) and \
                name not in source:
            changes['remove'].append(name)
    for mark in (MISSING_SINCE, RETIRED):
        if mark in copy:
            changes['remove'].append(mark)
    if policy.follow_hidden:
        hidden = bool(source.get('os_hidden'))
    else:
        # Unhidden when it was the replication that hid it (RETIRED).
        hidden = bool(copy.get('os_hidden')) and RETIRED not in copy
    if bool(copy.get('os_hidden')) != hidden:
        changes['set']['os_hidden'] = hidden
    if not copy.get(POLICY):
        # Adopted (made by openstack image copy): retired by this policy
        # from now on. A copy another policy made stays that policy's.
        changes['set'][POLICY] = policy.name
    changes['remove'].sort()
    return changes if changes['set'] or changes['remove'] else None


def _describe(changes):
    parts = []
    if changes['set']:
        parts.append('set %s' % ', '.join(sorted(changes['set'])))
    if changes['remove']:
        parts.append('remove %s' % ', '.join(changes['remove']))
    return ' and '.join(parts)


# -- copies the policy no longer keeps ---------------------------------------

def _retire(policy, copy, source, newer, region, now):
    def item(state, message, **fields):
        return Item(policy.name, copy.get(logic.ORIGIN_ID),
                    copy.get('name'), region, state, message, copy['id'],
                    **fields)

    if newer:
        if copy.get(RETIRED):
            return item(RETIRED_STATE, 'hidden: superseded by %s' % newer)
        return item(PENDING_RETIREMENT, 'superseded by %s' % newer,
                    action=HIDE, changes={'set': {
                        'os_hidden': True,
                        RETIRED: 'superseded by %s' % newer},
                        'remove': []})
    if source is None:
        if copy.get('status') in ('queued', 'importing'):
            return item(PENDING_RETIREMENT, 'its source was deleted before '
                        'the copy was finished', action=DELETE)
        why, how = 'its source was deleted', policy.on_source_deleted
    else:
        why, how = 'its source no longer matches the policy', \
            policy.on_unmatched
    if how == 'keep':
        return item(LEFT_ALONE, 'kept: %s' % why)
    if copy.get(RETIRED):
        return item(RETIRED_STATE, 'hidden: %s' % copy[RETIRED])
    since = copy.get(MISSING_SINCE)
    if not since:
        return item(PENDING_RETIREMENT, '%s; %s in %d s' % (
            why, 'deleted' if how == 'delete' else 'hidden', policy.grace),
            action=UPDATE, changes={'set': {MISSING_SINCE: _timestamp(now)},
                                    'remove': []})
    left = policy.grace - (now - logic.parse_time(since)).total_seconds()
    if left > 0:
        return item(PENDING_RETIREMENT, '%s (since %s); %s in %d s' % (
            why, since, 'deleted' if how == 'delete' else 'hidden', left))
    if how == 'delete':
        return item(PENDING_RETIREMENT, why, action=DELETE)
    return item(PENDING_RETIREMENT, why, action=HIDE, changes={'set': {
        'os_hidden': True, RETIRED: why}, 'remove': [MISSING_SINCE]})
