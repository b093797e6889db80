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

"""The glance-download import method: copy an image from another region.

Glance's flow for this method is ``ImageLock -> ImportMetadata (Glance's,
not replaceable) -> our flow -> VerifyStaging -> ImportToStore ...``. Our
flow is ``GlanceDownload`` (stage the verified data) then
``SetImageMetadata`` (formats and properties, under our rules).
"""

from oslo_config import cfg
from oslo_log import log as logging
from taskflow.patterns import linear_flow as lf

from glance_download import catalog
from glance_download import errors
from glance_download import glance_task
from glance_download import host
from glance_download import opts
from glance_download import plugins
from glance_download import records
from glance_download import remote_glance
from glance_download.tasks import download
from glance_download.tasks import metadata
from glance_download import tracing

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


class GlanceDownload(download.StageImageData):
    """Stage the data of an image of another region, verified."""

    def __init__(self, remote, expected, error, **kwargs):
        self.remote = remote
        self.expected = expected
        self.error = error
        super().__init__(requeue_on_revert=False, name='GlanceDownload',
                         **kwargs)

    def plan(self):
        if self.error is not None:
            raise self.error
        return download.Plan(self.remote.data(), self.expected,
                             origin=self.remote.region)

    def execute(self):
        uri = super().execute()
        expected = self.expected
        if expected.hash_value:
            with self.action_wrapper as action:
                host.set_reserved_property(
                    action, records.VERIFIED_HASH,
                    '%s:%s' % (expected.hash_algo, expected.hash_value))
        return uri

    def restore(self, action):
        super().restore(action)
        action.pop_extra_property(records.VERIFIED_HASH)


def _prepare_remote(context, method, image_repo, image_id):
    """Find and read the source image while the flow is being built.

    Glance's own metadata step runs before any task of ours and reports
    every failure as "Internal Error"; finding the problem here (a catalog
    entry that step cannot use, or a source whose data this host cannot
    verify, included) lets the task say what it is before that step runs
    (see :func:`glance_task.fail_before_start`). The target's formats and
    properties are read now too: no task has run yet, so this is what a
    failed import must restore.
    """
    region = method.get('glance_region')
    interface = method.get('glance_service_interface') or 'public'
    remote = remote_glance.RemoteImage(
        context, CONF, region, interface, method.get('glance_image_id'))
    catalog.check_glance_step(context, region, interface)
    remote_image = remote.describe()
    expected = remote.expected(
        remote_image, CONF[opts.TRANSFER_GROUP].verify_checksum)
    baseline = metadata.Snapshot.of(image_repo.get(image_id))
    return remote, remote_image, expected, baseline


def get_flow(**kwargs):
    """Glance's entry point for the glance-download internal plugin."""
    with tracing.logged_for(kwargs.get('context')):
        return _build_flow(**kwargs)


def _build_flow(**kwargs):
    task_id = kwargs.get('task_id')
    task_type = kwargs.get('task_type')
    task_repo = kwargs.get('task_repo')
    image_repo = kwargs.get('image_repo')
    selected = plugins.prepare('glance_download')

    remote = remote_image = expected = baseline = error = None
    try:
        remote, remote_image, expected, baseline = _prepare_remote(
            kwargs.get('context'), kwargs['import_req']['method'],
            image_repo, kwargs.get('image_id'))
    except errors.ImportFailed as exc:
        error = exc
    except Exception as exc:
        LOG.exception('Preparing glance-download task %s failed', task_id)
        error = errors.ImportFailed(
            'The glance-download import could not be prepared (%s); the '
            'Glance API log has the details.' % type(exc).__name__)
    stores = kwargs.get('backend') or [None]
    if error is not None:
        LOG.warning('glance-download task %s cannot succeed: %s', task_id,
                    error)
        if selected:
            try:
                glance_task.fail_before_start(
                    kwargs.get('action_wrapper'), stores, task_repo,
                    task_id, str(error))
            except Exception:
                # Our task then fails with the reason when it runs.
                LOG.exception('Could not end task %s before it started',
                              task_id)

    flow = lf.Flow('%s-glance_download' % task_type)
    flow.add(GlanceDownload(
        remote, expected, error, context=kwargs.get('context'),
        task_id=task_id, task_type=task_type,
        action_wrapper=kwargs.get('action_wrapper'),
        stores=stores, task_repo=task_repo, image_repo=image_repo))
    if error is None:
        flow.add(metadata.SetImageMetadata(
            task_id, task_type, kwargs.get('action_wrapper'),
            CONF[opts.PROPERTIES_GROUP].extra_properties_prefixes,
            baseline=baseline, inject={'source_image': remote_image},
            context=kwargs.get('context')))
    return flow
