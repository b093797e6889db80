"""The base download task shared by glance-download and web-download.

Subclasses only say where the data comes from and what it must look like
(:meth:`StageImageData.plan`); staging, limits, hashing, resume, progress
and the revert that puts the image back as it was live here once.
"""

import abc
import logging

from oslo_config import cfg
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
        super().__init__(name='%s-%s-%s' % (task_type, name, task_id))

    @abc.abstractmethod
    def plan(self):
        """Return a :class:`Plan`; raise ImportFailed if there is none."""

    def execute(self):
        settings = CONF[opts.TRANSFER_GROUP]
        plan = self.plan()
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

    def revert(self, result, **kwargs):
        LOG.error('Image %s: import task %s failed, cleaning up the staged '
                  'data', self.image_id, self.task_id)
        if self.staged is not None:
            self.staged.delete()
        try:
            with self.action_wrapper as action:
                action.remove_importing_stores(self.stores)
                action.add_failed_stores(self.stores)
                if (self.requeue_on_revert and
                        action.image_status == 'importing'):
                    action.set_image_attribute(status='queued')
        except host.NotFound:
            LOG.info('Image %s is gone; nothing to restore', self.image_id)
            self._record_reason(result)
        except Exception:
            # A revert that raises stops taskflow's revert of the earlier
            # steps: Glance's own would not release the import lock.
            LOG.exception('Image %s: could not restore its import state',
                          self.image_id)

    def _record_reason(self, result):
        """Write our failure's reason into the task now.

        Normally Glance's executor writes it, once every step has been
        reverted (the image is back to ``queued`` by then). But when the
        image was deleted meanwhile, Glance's own metadata step fails to
        revert after us and the user would read "Internal Error" instead;
        Glance 33 leaves a task that is already failed as it is. (28-32
        write "Internal Error" over it all the same: see
        :mod:`glance_download.host`.)
        """
        if not isinstance(result, failure.Failure):
            return  # we succeeded; a later task failed and says why
        error = result.exception
        if not isinstance(error, errors.ImportFailed):
            return
        try:
            glance_task.fail_now(self.task_repo, self.task_id, str(error))
        except Exception:
            LOG.exception('Could not record why task %s failed',
                          self.task_id)
