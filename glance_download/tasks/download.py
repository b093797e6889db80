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

"""The base download task shared by glance-download and web-download.

Subclasses only say where the data comes from and what it must look like
(:meth:`StageImageData.plan`); staging, limits, hashing, resume, progress
and the revert that puts the image back as it was live here once.
"""

import abc

from oslo_config import cfg
from oslo_log import log as logging
from taskflow import task
from taskflow.types import failure

from glance_download import errors
from glance_download import glance_task
from glance_download import host
from glance_download import opts
from glance_download import staging
from glance_download import tracing
from glance_download import transfer

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


class Plan:
    """Where to download from and what the data must look like.

    ``origin`` names the source briefly in progress messages
    ("Downloaded 512 of 4096 MiB from RegionOne").
    """

    def __init__(self, source, expected, origin):
        self.source = source
        self.expected = expected
        self.origin = origin


class StageImageData(tracing.RequestTask, task.Task,
                     metaclass=abc.ABCMeta):
    """Stream the image data into Glance's staging area.

    Provides ``file_uri`` (the staged data), as Glance's in-tree download
    tasks do, for flows that consume it.

    :param requeue_on_revert: set the image back to ``queued`` on revert.
        Only when no earlier task of Glance's flow does it: for
        glance-download, Glance's ``_ImportMetadata`` reverts after us and
        sets ``queued`` together with the old formats; had we already set
        ``queued``, its transition (queued -> queued is not allowed) would
        fail and the old formats would not come back.
    :param context: the import's request context, whose request id our
        log lines carry (:mod:`glance_download.tracing`)
    """

    default_provides = 'file_uri'

    def __init__(self, context, task_id, task_type, action_wrapper, stores,
                 task_repo, image_repo, requeue_on_revert, name):
        self.context = context
        self.task_id = task_id
        self.action_wrapper = action_wrapper
        self.image_id = action_wrapper.image_id
        self.stores = stores
        self.task_repo = task_repo
        self.image_repo = image_repo
        self.requeue_on_revert = requeue_on_revert
        self.staged = None
        self.origin = None
        super().__init__(name='%s-%s-%s' % (task_type, name, task_id))

    @abc.abstractmethod
    def plan(self):
        """Return a :class:`Plan`; raise ImportFailed if there is none."""

    def execute(self):
        settings = CONF[opts.TRANSFER_GROUP]
        plan = self.plan()
        self.origin = plan.origin
        expected = self._capped(plan.expected)
        self.staged = staging.StagingFile(self.image_id)
        progress = glance_task.Progress(
            self.task_repo, self.task_id, self.image_repo, self.image_id,
            plan.origin, settings.progress_interval)
        retry = transfer.RetryPolicy(settings.max_retries,
                                     settings.retry_delay,
                                     settings.max_retry_delay)
        LOG.info('Image %s: downloading %s into %s', self.image_id,
                 plan.source.label, self.staged.path)
        with self.staged as sink:
            copy = transfer.Transfer(plan.source, sink, expected,
                                     settings.chunk_size, retry, progress)
            size = copy.run()
        LOG.info('Image %s: staged %d bytes from %s%s', self.image_id, size,
                 plan.source.label,
                 ', %s verified' % expected.hash_algo
                 if expected.hash_value else '')
        return self.staged.uri

    @staticmethod
    def _capped(expected):
        """Apply Glance's ``image_size_cap`` before any byte is staged."""
        cap = CONF.image_size_cap
        if expected.size is not None and expected.size > cap:
            raise errors.ImportFailed(
                'The image is %d bytes, more than this Glance accepts '
                '(image_size_cap = %d).' % (expected.size, cap))
        if expected.limit is None or expected.limit > cap:
            expected.limit = cap
        return expected

    def revert(self, result, flow_failures=None, **kwargs):
        LOG.error('Image %s: import task %s failed, cleaning up the staged '
                  'data', self.image_id, self.task_id)
        if self.staged is not None:
            self.staged.delete()
        try:
            with self.action_wrapper as action:
                self.restore(action)
        except host.NotFound:
            LOG.info('Image %s is gone; nothing to restore', self.image_id)
            self._record(_own_reason(result))
            return
        except Exception:
            # A revert that raises stops taskflow's revert of the earlier
            # steps: Glance's own would not release the import lock.
            LOG.exception('Image %s: could not restore its import state',
                          self.image_id)
        if not isinstance(result, failure.Failure):
            self._record(self._later_reason(flow_failures or {}))

    def restore(self, action):
        """Put the image back as the import found it, but for its status
        where Glance's own metadata step (earlier in the flow, so reverted
        after us) restores it.
        """
        action.remove_importing_stores(self.stores)
        action.add_failed_stores(self.stores)
        status = action.image_status
        if self.requeue_on_revert:
            if status == 'importing':
                action.set_image_attribute(status='queued')
        elif status == 'queued':
            # A later step's revert (image_conversion's, on every release)
            # set queued already; Glance's metadata step would then fail
            # its own queued -> queued transition, restore neither formats
            # nor properties, and stop the revert before the import lock
            # is released.
            action.set_image_attribute(status='importing')

    def _later_reason(self, flow_failures):
        """Why a step after ours failed, when Glance would not say it.

        Glance's executor writes the text of an ``UploadException`` into
        the task; for anything else (the image conversion's RuntimeError,
        a store's error) it writes "Task failed due to Internal Error".
        Glance 33 keeps a reason written now; 28-32 write theirs over it
        (see :mod:`glance_download.host`).
        """
        for name, failed in flow_failures.items():
            if failed.check(host.UploadException):
                continue
            step = name.replace('-%s' % self.task_id, '').split('-', 1)[-1]
            return ('The data was downloaded from %s, then Glance\'s step '
                    '%s failed: %s. The image is queued again.'
                    % (self.origin, step, failed.exception_str or
                       type(failed.exception).__name__))
        return None

    def _record(self, reason):
        """Write ``reason`` into the task now, before Glance's executor
        writes its own (see :meth:`_later_reason` and :func:`_own_reason`).
        """
        if reason is None:
            return
        try:
            glance_task.fail_now(self.task_repo, self.task_id, reason)
        except Exception:
            LOG.exception('Could not record why task %s failed',
                          self.task_id)


def _own_reason(result):
    """Our failure's reason, when Glance would not show it.

    Normally Glance's executor writes it, once every step has been reverted
    (the image is back to ``queued`` by then). But when the image was
    deleted meanwhile, Glance's own metadata step fails to revert after us
    and the user would read "Internal Error" instead.
    """
    if isinstance(result, failure.Failure) and isinstance(
            result.exception, errors.ImportFailed):
        return str(result.exception)
    return None
