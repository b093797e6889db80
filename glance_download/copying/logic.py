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

"""The decisions of ``openstack image copy``, without any network.

Everything here works on plain image records (the dicts Glance's v2 API
returns, as glanceclient gives them) so that it can be unit tested alone:
which source images a selection means, what to do in a target region given
the copies already there, whether a finished copy is the source's data, how
far an import task's message says it got, and the output rows.
"""

import dataclasses
import datetime
import uuid

from glance_download import records

MiB = 1024 * 1024

# The properties ``openstack image copy`` sets on every image it creates,
# so that a later run recognises its copies (and a person can see where an
# image came from). Visible in ``openstack image show``; the source hash is
# "<os_hash_algo>:<os_hash_value>" ("md5:<checksum>" for a source without
# multihash).
ORIGIN_REGION = 'glance_download_source_region'
ORIGIN_ID = 'glance_download_source_id'
ORIGIN_HASH = 'glance_download_source_hash'
ORIGIN_PROPERTIES = (ORIGIN_REGION, ORIGIN_ID, ORIGIN_HASH)
# Set (to the time, ISO 8601 UTC) by a run that follows the import into a
# copy it did not create, and removed by it when that import has ended: a
# Ctrl-C of the run that created the copy then keeps the copy instead of
# deleting it under the other run (see copier.Copier._discard).
JOINED = 'glance_download_joined'

METHOD = 'glance-download'

# Output statuses, one per (image, region) row.
COPIED = 'copied'           # copied (or followed an import), and verified
EXISTS = 'exists'           # an active, verified copy was already there
STARTED = 'started'         # --no-wait: the import was started
FAILED = 'failed'
CANCELLED = 'cancelled'     # Ctrl-C
LEFT_ALONE = 'left-alone'   # a copy in a state this command must not touch
WOULD_COPY = 'would-copy'   # --dry-run ...
WOULD_RETRY = 'would-retry'
WOULD_REPLACE = 'would-replace'
WOULD_FOLLOW = 'would-follow'

COLUMNS = ('Image', 'Source ID', 'Region', 'Target ID', 'Status', 'Seconds',
           'MiB/s', 'Verified', 'Message')

# What to do in a target region (see decide()):
# CREATE   no copy yet: create one and import;
# RETRY    a queued left-over (an earlier run failed or never started its
#          import): import into it again;
# REPLACE  a killed left-over (no use to anyone): delete it, create;
# FOLLOW   an import into a copy is under way: follow it;
# LEAVE    a copy someone else is acting on: touch nothing, report it;
# DEAD     a copy whose import is dead (see dead_task()): touch nothing,
#          report it failed (with ``replace``: REPLACE).
CREATE = 'create'
RETRY = 'retry'
REPLACE = 'replace'
FOLLOW = 'follow'
LEAVE = 'leave'
DEAD = 'dead'
PRESENT = 'present'     # an active copy with the source's data
CONFLICT = 'conflict'   # an active copy whose data differs: touch nothing


# When an import is dead: its task has not changed for this many seconds
# (a pending task: twice as long). This is Glance's own import lock expiry
# (glance/api/v2/images.py _enforce_import_lock: 60 minutes, doubled for
# a pending task), after which Glance itself lets another import take the
# image. While an import runs, our server plugin writes its task every
# progress_interval (5 s by default) and Glance at each chunk it copies to
# its store; a task that stays unchanged for an hour belongs to a
# glance-api that stopped during the import (restarted, killed), and
# Glance never imports with glance-download into an image that is not
# queued: such a copy can only be deleted and copied again.
DEAD_AFTER = 3600
# The task states whose lock Glance lets expire (its bustable_states).
LOCK_STATES = ('pending', 'processing', 'success', 'failure')
# An import that has ended (failure, success) releases the image's lock in
# the seconds its flow takes to revert or finish; one that still holds it a
# minute on was left so by a revert that failed (Glance's own reverts
# conflict when a step after the download fails on releases before the
# plugin restored the status, or under Glance's in-tree plugin), and no
# import can use the copy until Glance lets the lock expire in an hour.
ENDED_GRACE = 60
DEAD_ADVICE = ('run again with --replace (in the dashboard: Replace) to '
               'delete this copy and copy again')


class SelectionError(ValueError):
    pass


def unique_regions(names):
    """``names`` without repeats, compared case-insensitively as copy_id()
    compares them, in first-seen order and first spelling: two spellings
    of one region would be two jobs racing on one copy.
    """
    seen = set()
    unique = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            unique.append(name)
    return unique


# -- selection ---------------------------------------------------------------

def parse_properties(pairs):
    """``['k=v', ...]`` (from ``--property``) as a dict."""
    properties = {}
    for pair in pairs or ():
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise SelectionError(
                "--property %r: expected KEY=VALUE, e.g. --property "
                "os_distro=ubuntu" % pair)
        properties[key] = value
    return properties


def list_filters(public=False, tags=(), properties=None):
    """The glanceclient ``images.list(filters=...)`` for a bulk selection
    (all criteria must hold), or None when no bulk criterion was given.
    """
    if not (public or tags or properties):
        return None
    filters = {'status': 'active'}
    if public:
        filters['visibility'] = 'public'
    if tags:
        filters['tag'] = list(tags)
    filters.update(properties or {})
    return filters


def looks_like_id(name_or_id):
    try:
        uuid.UUID(name_or_id)
    except (TypeError, ValueError):
        return False
    return True


def unique_sources(images):
    """``images`` without repeats (by id), in first-seen order."""
    seen = set()
    unique = []
    for image in images:
        if image['id'] not in seen:
            seen.add(image['id'])
            unique.append(image)
    return unique


def pick_by_name(name, matches):
    """The one image named ``name`` among ``matches`` (a name lookup),
    or a SelectionError that says what to do.
    """
    matches = [m for m in matches if m.get('name') == name]
    if not matches:
        raise SelectionError('no image with name or ID %r' % name)
    if len(matches) > 1:
        raise SelectionError(
            '%d images are named %r (%s); give the ID'
            % (len(matches), name, ', '.join(sorted(m['id']
                                                    for m in matches))))
    return matches[0]


def source_problem(source):
    """Why ``source`` cannot be copied, or None."""
    if source.get('status') != 'active':
        return 'the source image is %s, not active' % source.get('status')
    if not source_hash(source):
        return 'the source image has no os_hash_value or checksum'
    return None


# -- origin and verification -------------------------------------------------

def source_hash(image):
    """``'<algo>:<value>'`` of an image's data, or None without one."""
    if image.get('os_hash_algo') and image.get('os_hash_value'):
        return '%s:%s' % (image['os_hash_algo'], image['os_hash_value'])
    if image.get('checksum'):
        return 'md5:%s' % image['checksum']
    return None


def origin_properties(source, source_region):
    return {ORIGIN_REGION: source_region, ORIGIN_ID: source['id'],
            ORIGIN_HASH: source_hash(source)}


# The namespace of copy_id()'s UUIDs (a random one, fixed for ever: a
# change would make runs of two versions create two copies).
COPY_ID_NAMESPACE = uuid.UUID('5f0d3c52-6a8e-4a54-9b1d-2f6f3b0a9c41')
# How many ids one copy may try: each replaced (deleted) copy uses one up.
COPY_ID_GENERATIONS = 20


def copy_id(source, source_region, region, project_id, generation=0):
    """The image id of the ``generation``-th copy of ``source`` in
    ``region`` for ``project_id``: the same in every run, so that two runs
    racing to create one copy ask Glance for one id (AWS's CopyImage
    ClientToken, done with what Glance has).
    """
    return str(uuid.uuid5(COPY_ID_NAMESPACE, '\n'.join((
        source_region.lower(), source['id'], region.lower(),
        project_id or '', str(generation)))))


def target_fields(source, source_region, visibility, extra=None):
    """What to create the target image with: the source's name, formats,
    minimums and tags, the requested visibility, the origin, and
    ``extra`` properties (its "tags" added to the source's).
    """
    fields = {'visibility': visibility}
    for key in ('name', 'disk_format', 'container_format', 'min_disk',
                'min_ram'):
        if source.get(key) is not None:
            fields[key] = source[key]
    extra = dict(extra or {})
    tags = list(source.get('tags') or ())
    tags += [t for t in extra.pop('tags', ()) if t not in tags]
    if tags:
        fields['tags'] = tags
    fields.update(extra)
    fields.update(origin_properties(source, source_region))
    return fields


def verify(source, target):
    """``(same, how)``: is ``target``'s data ``source``'s? ``how`` says
    what was compared or what differs.

    A target region whose import plugins change the data (image_conversion
    turns qcow2 into raw) makes a copy whose size and hash are not the
    source's: it is the source's data when our server plugin recorded that
    the download it made it from was verified against the source's hash
    (records.VERIFIED_HASH, a property no user can write).
    """
    same, how = _same_data(source, target)
    if same:
        return same, how
    recorded = target.get(records.VERIFIED_HASH)
    if recorded and recorded in _hashes(source):
        change = ('converted to %s' % target.get('disk_format')
                  if target.get('disk_format') != source.get('disk_format')
                  else 'changed')
        return True, ('%s of the download equal, then %s by the target '
                      'region\'s import plugins' % (
                          recorded.partition(':')[0], change))
    return same, how


def _same_data(source, target):
    if target.get('size') != source.get('size'):
        return False, 'size %s differs from the source\'s %s' % (
            target.get('size'), source.get('size'))
    algo = source.get('os_hash_algo')
    if (algo and source.get('os_hash_value') and
            target.get('os_hash_algo') == algo and
            target.get('os_hash_value')):
        if target['os_hash_value'] == source['os_hash_value']:
            return True, '%s equal' % algo
        return False, '%s differs from the source\'s' % algo
    # Regions configured with different hashing algorithms: both always
    # compute the md5 checksum.
    if source.get('checksum') and target.get('checksum'):
        if source['checksum'] == target['checksum']:
            return True, 'md5 equal'
        return False, 'md5 checksum differs from the source\'s'
    return False, 'no hash to compare'


def _hashes(image):
    """Every "<algo>:<hex digest>" an image's record gives its data."""
    hashes = set()
    if image.get('os_hash_algo') and image.get('os_hash_value'):
        hashes.add('%s:%s' % (image['os_hash_algo'], image['os_hash_value']))
    if image.get('checksum'):
        hashes.add('md5:%s' % image['checksum'])
    return hashes


def is_copy_of(image, source, source_region):
    return (image.get(ORIGIN_ID) == source['id'] and
            (image.get(ORIGIN_REGION) or '').lower() ==
            source_region.lower())


@dataclasses.dataclass
class Decision:
    action: str
    image: dict = None
    message: str = ''
    dead_task: dict = None      # the dead import of ``image`` (DEAD, REPLACE)


_NEWEST = (lambda image: image.get('created_at') or '')

# Why a copy in one of these states is left alone. Only copies of the
# user's project with matching origin properties are candidates, but any
# member can set those properties, and deleting or importing into these
# would undo an administrator's block or break an upload in progress.
_LEFT_ALONE = {
    'deactivated': ('deactivated by an administrator',
                    'ask them to reactivate it, or delete it to copy '
                    'again'),
    'uploading': ('data is being staged into it (uploading)',
                  'run the command again when that has ended'),
    'saving': ('data is being uploaded into it (saving)',
               'run the command again when that has ended'),
    'pending_delete': ('pending delete',
                       'run the command again once Glance has deleted it'),
}


def _left_alone(copy):
    status = copy.get('status')
    what, advice = _LEFT_ALONE.get(status) or (
        'in status %r, which this command does not handle' % status,
        'see openstack image show %s' % copy['id'])
    return Decision(LEAVE, copy, 'left alone: %s (copy %s); %s'
                    % (what, copy['id'], advice))


# -- dead imports ------------------------------------------------------------

def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_time(text):
    """A Glance timestamp as an aware UTC datetime, or None. Glance writes
    UTC, with or without microseconds, and with or without a "Z" (its
    image-tasks call: without; its tasks API: with).
    """
    if not text:
        return None
    try:
        when = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc)


def lock_holder(image, tasks):
    """The import task that holds ``image``'s import lock: the one Glance
    names in os_glance_import_task, else the newest pending or processing
    one, or None.
    """
    lock = image.get('os_glance_import_task')
    for task in tasks:
        if lock and task['id'] == lock:
            return task
    running = [t for t in tasks
               if t.get('status') in ('pending', 'processing')]
    return max(running, key=_NEWEST) if running else None


def dead_task(image, tasks, now, dead_after=DEAD_AFTER):
    """The task holding ``image``'s import lock (one of its import
    ``tasks``) when it is dead at ``now``: not changed for ``dead_after``
    seconds, twice that when pending (Glance's rule); else None.
    """
    task = lock_holder(image, tasks)
    if task is None or task.get('status') not in LOCK_STATES:
        return None
    changed = parse_time(task.get('updated_at'))
    if changed is None:
        return None
    if task['status'] in ('success', 'failure'):
        limit = ENDED_GRACE
    else:
        limit = dead_after * (2 if task['status'] == 'pending' else 1)
    return task if (now - changed).total_seconds() >= limit else None


def dead_reason(image, task):
    """Why the import into ``image`` is dead (``task``: dead_task()'s)."""
    changed = parse_time(task.get('updated_at'))
    if task['status'] in ('success', 'failure'):
        return ('the import into %s ended (%s: %s) at %s UTC, but Glance '
                'left the copy locked by its task %s (a revert of Glance\'s '
                'that failed)' % (image['id'], task['status'],
                                  task.get('message') or 'no reason given',
                                  changed.strftime('%Y-%m-%d %H:%M:%S'),
                                  task['id']))
    guess = ('Glance never started it: did its import call fail?'
             if task['status'] == 'pending' else
             'a glance-api restarted during the import?')
    return ('the import into %s is dead: its task %s (%s) has not changed '
            'since %s UTC (%s)' % (image['id'], task['id'], task['status'],
                                   changed.strftime('%Y-%m-%d %H:%M:%S'),
                                   guess))


def _unless_dead(decision, replace, tasks_of, now, dead_after):
    """``decision`` (FOLLOW or RETRY), unless the import holding its copy
    is dead: then DEAD, or REPLACE with ``replace``.
    """
    copy = decision.image
    if tasks_of is None or (copy.get('status') == 'queued' and
                            not copy.get('os_glance_import_task')):
        return decision
    task = dead_task(copy, tasks_of(copy['id']), now or utcnow(),
                     dead_after)
    if task is None:
        return decision
    if replace:
        return Decision(REPLACE, copy, 'replacing the copy %s: %s'
                        % (copy['id'], dead_reason(copy, task)), task)
    return Decision(DEAD, copy,
                    '%s; %s' % (dead_reason(copy, task), DEAD_ADVICE), task)


def decide(source, source_region, candidates, replace=False, tasks_of=None,
           now=None, dead_after=DEAD_AFTER):
    """What to do in one target region, given ``candidates``: the images
    there that may be copies of ``source`` (only real copies count).

    An active copy with the source's data wins ("already there"); an active
    one with other data is a conflict left alone; an import under way is
    followed. A copy that someone else is acting on (deactivated, an upload
    in progress, pending delete, or a status this command does not know)
    is left alone, and so is the whole region: a new copy next to it would
    undo an administrator's block or race the upload. Otherwise a queued
    left-over (a failed or never started import: Glance imports into a
    queued image again) is imported into, and a killed one is replaced.
    With ``replace``, an active copy whose data differs is replaced too
    (deleted, copied again) instead of being a conflict. Never two copies
    from one decision.

    With ``tasks_of`` (image id -> its import tasks), a copy whose import
    is dead at ``now`` (dead_task()) is neither followed nor imported into
    again: Glance refuses a new import while its lock holds, or into an
    image that is not queued. It is DEAD, reported with what to do; with
    ``replace`` it is replaced.
    """
    copies = sorted((c for c in candidates
                     if is_copy_of(c, source, source_region)),
                    key=_NEWEST, reverse=True)
    active = [c for c in copies if c.get('status') == 'active']
    for copy in active:
        same, how = verify(source, copy)
        if same:
            return Decision(PRESENT, copy, 'already there (%s)' % how)
    if active:
        same, how = verify(source, active[0])
        if replace:
            return Decision(REPLACE, active[0],
                            'replacing the active copy %s: its %s'
                            % (active[0]['id'], how))
        return Decision(CONFLICT, active[0],
                        'an active copy %s is there but its %s; delete it '
                        'to copy again' % (active[0]['id'], how))
    for copy in copies:
        if copy.get('status') == 'importing':
            return _unless_dead(
                Decision(FOLLOW, copy, 'an import into %s is under way'
                         % copy['id']), replace, tasks_of, now, dead_after)
    for copy in copies:
        if copy.get('status') not in ('queued', 'killed'):
            return _left_alone(copy)
    for copy in copies:
        if copy.get('status') == 'queued':
            return _unless_dead(
                Decision(RETRY, copy, 'importing again into the left-over '
                         'queued copy %s' % copy['id']),
                replace, tasks_of, now, dead_after)
    if copies:
        return Decision(REPLACE, copies[0],
                        'replacing the left-over copy %s (%s)'
                        % (copies[0]['id'], copies[0].get('status')))
    return Decision(CREATE)


DRY_RUN_STATUS = {CREATE: WOULD_COPY, RETRY: WOULD_RETRY,
                  REPLACE: WOULD_REPLACE, FOLLOW: WOULD_FOLLOW,
                  PRESENT: EXISTS, CONFLICT: FAILED, LEAVE: LEFT_ALONE,
                  DEAD: FAILED}


# -- stores ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Stores:
    """The stores of a target region a copy goes to, asked for as Glance's
    import call asks (``stores``, ``all_stores``,
    ``all_stores_must_succeed``); nothing chosen: the region's default.

    With ``allow_failure`` (Glance's all_stores_must_succeed = false) the
    copy goes active once it is in one store, and the stores that failed
    are listed in its os_glance_failed_import; without, one store failing
    fails the import.
    """
    names: tuple = ()
    every: bool = False
    allow_failure: bool = True

    def import_args(self):
        """The glanceclient ``images.image_import`` arguments.

        One store is asked for with all_stores_must_succeed: allowing it
        to fail changes nothing for the copy, and Glance's flow then ends
        in a revert of its own that fails (its image-state check and the
        image conversion both set the image queued), which leaves the copy
        locked for an hour.
        """
        if self.every:
            return {'all_stores': True, 'allow_failure': self.allow_failure}
        if self.names:
            return {'stores': list(self.names),
                    'allow_failure': (self.allow_failure and
                                      len(self.names) > 1)}
        return {}

    def missing(self, image):
        """``(missing, report)``: the chosen stores ``image`` is not in,
        and where it is, store by store ('' when none was chosen).
        """
        if not (self.names or self.every):
            return [], ''
        have = _listed(image.get('stores'))
        failed = _listed(image.get('os_glance_failed_import'))
        wanted = list(self.names) or sorted(have | failed)
        missing = [name for name in wanted if name not in have]
        return missing, 'stores: %s' % ', '.join(
            '%s %s' % (name, 'failed' if name in failed else
                       'missing' if name in missing else 'ok')
            for name in wanted)

    def advice(self, image_id, missing):
        return ('copy it there with: openstack image import --method '
                'copy-image %s %s' % (' '.join('--store %s' % name
                                               for name in missing),
                                      image_id))


def _listed(text):
    return {name for name in (text or '').split(',') if name}


# -- progress ----------------------------------------------------------------

def task_progress(message, size_mib):
    """``(phase, done_mib, total_mib)`` from an import task's message, or
    None (records.parse_progress; ``size_mib`` where it says no total).
    """
    progress = records.parse_progress(message)
    if progress is None:
        return None
    phase, done, total = progress
    return phase, done, total or size_mib


def size_mib(image):
    return (image.get('size') or 0) / MiB


# -- output ------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    image: str
    source_id: str
    region: str
    target_id: str = None
    status: str = FAILED
    seconds: float = None
    mib_per_s: float = None
    verified: bool = None
    message: str = ''

    @property
    def failed(self):
        """The copy is not there: failed, or left alone (someone else
        acts on the copy there; a loop running the command must notice).
        """
        return self.status in (FAILED, LEFT_ALONE)

    def row(self):
        return (self.image, self.source_id, self.region, self.target_id,
                self.status,
                None if self.seconds is None else round(self.seconds, 1),
                None if self.mib_per_s is None else round(self.mib_per_s, 1),
                self.verified, self.message)


def throughput(size_bytes, seconds):
    if not size_bytes or not seconds or seconds <= 0:
        return None
    return size_bytes / MiB / seconds


def exit_code(results, interrupted=False):
    """130 after Ctrl-C, 1 when any copy failed or was left alone,
    else 0.
    """
    if interrupted:
        return 130
    return 1 if any(r.failed for r in results) else 0
