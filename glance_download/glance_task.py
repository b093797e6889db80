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

"""Talking back to Glance while data flows: progress and cancellation.

Glance's own store copy reports "Copied N MiB" only during its own phase;
the download, usually the longest phase, reported nothing. Writing progress
to the task also refreshes the task's ``updated_at``, which is what keeps
the image's import lock from being broken by a second import call after
an hour of silence. The same periodic look at the task and the image lets a
deleted image, or a task no longer ``processing``, stop the download.
"""

import time

from oslo_log import log as logging

from glance_download import errors
from glance_download import host
from glance_download import records

LOG = logging.getLogger(__name__)


class Progress:
    """A ``progress(done, total, restarted)`` callback for
    :class:`Transfer`.
    """

    def __init__(self, task_repo, task_id, image_repo, image_id, label,
                 interval):
        self.task_repo = task_repo
        self.task_id = task_id
        self.image_repo = image_repo
        self.image_id = image_id
        self.label = label
        self.interval = interval
        self._last = time.monotonic()

    def __call__(self, done, total, restarted=False):
        now = time.monotonic()
        # The last chunk always reports: a download shorter than the
        # interval would otherwise show nothing, and "N of N MiB" stays
        # until Glance's store copy writes its own message.
        finished = bool(total) and done >= total
        if now - self._last < self.interval and not finished:
            return
        self._last = now
        message = records.progress_message(done, total, self.label,
                                           restarted)
        try:
            task = self._still_wanted()
            task.message = message
            host.retry_on_db_lock(lambda: self.task_repo.save(task))
        except errors.ImportCancelled:
            raise
        except Exception as exc:
            # The database is busy or briefly gone (a deadlock, a
            # restart): the download is fine, so it goes on; the next
            # update tries again.
            LOG.warning('Image %s: could not read or write import task %s '
                        '(%s: %s); the download goes on', self.image_id,
                        self.task_id, type(exc).__name__, exc)
            return
        LOG.debug('Task %s: %s', self.task_id, message)

    def _still_wanted(self):
        """The import's task, while the import goes on; ImportCancelled
        once its image was deleted or its task no longer processing.
        """
        try:
            image = self.image_repo.get(self.image_id)
        except host.NotFound:
            image = None
        if image is None or image.status in ('deleted', 'pending_delete'):
            raise errors.ImportCancelled(
                'Image %s was deleted during the download; the download '
                'was stopped.' % self.image_id)
        task = host.get_task(self.task_repo, self.task_id)
        if task is None or task.status != 'processing':
            raise errors.ImportCancelled(
                'Import task %s is no longer processing; the download was '
                'stopped.' % self.task_id)
        return task


def fail_before_start(action_wrapper, stores, task_repo, task_id, message):
    """Fail an import whose flow is being built, before any step runs.

    For glance-download, Glance runs its own metadata step before any task
    of ours, and a failure there (unknown region, missing remote image,
    ...) would only ever say "Task failed due to Internal Error" (and leave
    the image's importing stores set). When our check at flow-build time
    already knows the import cannot succeed, we end it the way Glance's own
    quota check does at that point: the image back to ``queued`` (nothing
    else has changed yet) with its stores listed as failed, the import lock
    dropped, and only then the task failed with the reason, so whoever sees
    the task failed finds the image already restored. Glance's first step
    (``_ImageLock``) then finds the lock gone and stops the flow; its
    executor leaves an already failed task alone.
    """
    with action_wrapper as action:
        action.remove_importing_stores(stores)
        action.add_failed_stores(stores)
        if action.image_status == 'importing':
            action.set_image_attribute(status='queued')
    action_wrapper.drop_lock_for_task()
    fail_now(task_repo, task_id, message)


def fail_now(task_repo, task_id, message):
    """Mark the task failed with ``message`` if it is still processing
    (Glance's executor leaves an already failed task alone).
    """
    task = host.get_task(task_repo, task_id)
    if task is None or task.status != 'processing':
        return
    task.fail(message)
    host.retry_on_db_lock(lambda: task_repo.save(task))
