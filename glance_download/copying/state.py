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

"""Where a copy of an image stands in one region, read back from Glance.

A front-end that starts imports and returns (the dashboard: one web
request starts them, the page polls) must not keep their state itself: the
user leaves the page, the dashboard restarts, another person looks. The
state is what the target region's images and their import tasks say, read
with the same rules that ``openstack image copy`` uses to decide what to do
(logic.decide), so both front-ends agree on what "already there" means.
"""

import dataclasses

from glance_download.copying import copier
from glance_download.copying import logic
from glance_download import records

# States, one per (source image, region).
NONE = 'none'           # no copy of the source there
WAITING = 'waiting'     # a copy whose import is not running (yet)
IMPORTING = 'importing'
COPIED = 'copied'       # an active copy with the source's data: verified
FAILED = 'failed'
LEFT_ALONE = 'left-alone'


@dataclasses.dataclass
class RegionState:
    region: str
    state: str
    message: str = ''
    target_id: str = None
    done_mib: float = None
    total_mib: float = None

    def as_dict(self):
        return dataclasses.asdict(self)


def _newest(tasks):
    return max(tasks, key=lambda t: t.get('created_at') or '') \
        if tasks else None


def summarise(region, source, decision, tasks):
    """The state of the copy ``decision`` (logic.decide) found, given the
    import ``tasks`` of its image (ignored unless the copy is queued or
    importing).
    """
    copy = decision.image
    target_id = copy['id'] if copy else None
    total = logic.size_mib(source)
    if decision.action == logic.PRESENT:
        _same, how = logic.verify(source, copy)
        return RegionState(region, COPIED, 'copied, verified (%s)' % how,
                           target_id, total, total)
    if decision.action in (logic.CONFLICT, logic.DEAD):
        return RegionState(region, FAILED, decision.message, target_id)
    if decision.action == logic.LEAVE:
        return RegionState(region, LEFT_ALONE, decision.message, target_id)
    if decision.action == logic.CREATE:
        return RegionState(region, NONE, 'no copy here')
    if decision.action == logic.REPLACE:
        return RegionState(region, FAILED, 'the copy %s is %s'
                           % (target_id, copy.get('status')), target_id)
    task = _newest(tasks)
    importing = decision.action == logic.FOLLOW
    if task and task['status'] == 'failure':
        # Final once Glance has released the image's import lock (it
        # reverts the image to queued first).
        ending = copy.get('os_glance_import_task') == task['id']
        if not (importing or ending):
            return RegionState(region, FAILED, 'import failed: %s' % (
                task.get('message') or 'no reason given'), target_id)
        importing = True
    elif task and task['status'] in ('pending', 'processing'):
        importing = True
    if not importing:
        return RegionState(region, WAITING, 'the copy %s is queued; its '
                           'import has not started' % target_id, target_id)
    message = (task or {}).get('message') or 'import %s' % (
        task['status'] if task else 'starting')
    progress = logic.task_progress(message, total)
    done = progress[1] if progress else 0
    if progress and progress[0] == records.STORE:
        # The download is over; Glance copies the staged data to its store.
        done = total
    return RegionState(region, IMPORTING, message, target_id, done,
                       (progress[2] if progress else total) or total)


def observe(glance, source, source_region, project_id, region,
            dead_after=logic.DEAD_AFTER):
    """The state of ``source``'s copy in ``region`` (``glance`` is that
    region's client); a copy whose import is dead (logic.dead_task) has
    failed, with the reason.
    """
    read = {}

    def tasks_of(image_id):
        if image_id not in read:
            read[image_id] = copier.import_tasks(glance, image_id)
        return read[image_id]

    decision = logic.decide(source, source_region,
                            copier.candidates(glance, source, project_id),
                            tasks_of=tasks_of, dead_after=dead_after)
    tasks = []
    if decision.action in (logic.FOLLOW, logic.RETRY):
        tasks = tasks_of(decision.image['id'])
    return summarise(region, source, decision, tasks)
