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

"""One import, one request id: sent to the source region, in our log lines.

Whole imports (get_flow, then the flow run by a taskflow engine) against a
real local HTTP server standing in for region A, run in a thread of their
own as Glance runs them (a pool thread, whose oslo.context store holds
nothing of the import call), with log lines formatted by oslo.log's own
ContextFormatter as glance-api formats them.
"""

import logging
import threading

import fixtures
from glance.common import exception as glance_exception
from oslo_context import context as oslo_context
from oslo_log import formatters
from oslo_log import log as oslo_log
from taskflow import engines

from glance_download.plugins import glance_download as gd_plugin
from glance_download.plugins import web_download as wd_plugin
from glance_download import selection
from glance_download import tracing
from tests import faults
from tests.unit import base
from tests.unit import fakes

GLOBAL_ID = 'req-5d1f6a0e-0c1b-4f27-9a53-2b8f4c7e9d10'


class _Lines(logging.Handler):
    """glance_download's log lines, as glance-api's oslo.log writes them,
    with the context oslo.context's store held when each was written.
    """

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(formatters.ContextFormatter(
            config=base.CONF, project='glance', version='test'))
        self.lines = []

    def emit(self, record):
        if record.name.startswith('glance_download'):
            self.lines.append(self.format(record))


def _in_pool_thread(func):
    """Run ``func`` in a new thread (an empty store); return what it
    returned or raise what it raised, and the store it left behind.
    """
    outcome = {}

    def run():
        try:
            outcome['result'] = func()
        except Exception as exc:
            outcome['error'] = exc
        outcome['left'] = oslo_context.get_current()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if 'error' in outcome:
        raise outcome['error']
    return outcome.get('result'), outcome['left']


class TracingTestBase(base.TestCase):

    def setUp(self):
        super().setUp()
        oslo_log.register_options(base.CONF)
        self.two_servers(200000)
        self.record = self.server.add_image(self.data)
        self.other.add_image(self.data, image_id=self.record['id'])
        self.host = fakes.GlanceHost()
        self.useFixture(fixtures.MockPatchObject(
            selection, 'selected_elsewhere', return_value=None))
        self.lines = _Lines()
        root = logging.getLogger()
        root.addHandler(self.lines)
        self.addCleanup(root.removeHandler, self.lines)

    def context(self, **ids):
        return fakes.context('tok', fakes.catalog_v2(
            ('RegionOne', self.server.url)), **ids)

    def flow(self, ctx):
        return gd_plugin.get_flow(**self.host.flow_kwargs(ctx, {
            'name': 'glance-download', 'glance_image_id': self.record['id'],
            'glance_region': 'RegionOne',
            'glance_service_interface': 'public'}))

    def run_import(self, ctx):
        return _in_pool_thread(lambda: engines.run(self.flow(ctx)))

    def assert_staged(self):
        with open(self.staged_path(self.host.image_id), 'rb') as staged:
            self.assertEqual(self.data, staged.read())


class RequestIdSentTest(TracingTestBase):

    def test_global_request_id_on_the_record_and_every_data_request(self):
        self.server.script(faults.Close(70000))
        self.run_import(self.context(global_request_id=GLOBAL_ID))
        self.assert_staged()
        data = self.server.data_requests()
        self.assertEqual(2, len(data))   # the resume is a request too
        self.assertEqual(3, len(self.server.requests))
        for _path, headers in self.server.requests:
            self.assertEqual(GLOBAL_ID, headers['x-openstack-request-id'])

    def test_own_request_id_without_a_global_one(self):
        ctx = self.context()
        self.assertIsNone(ctx.global_request_id)
        self.run_import(ctx)
        self.assert_staged()
        self.assertEqual(2, len(self.server.requests))
        for _path, headers in self.server.requests:
            self.assertEqual(ctx.request_id,
                             headers['x-openstack-request-id'])

    def test_not_sent_to_another_host_a_redirect_names(self):
        self.server.script(faults.Redirect(
            self.other.file_url(self.record['id'])))
        self.run_import(self.context(global_request_id=GLOBAL_ID))
        (received,) = self.other.data_requests()
        self.assertNotIn('x-openstack-request-id', received)
        self.assertNotIn('x-auth-token', received)

    def test_web_download_sends_no_request_id(self):
        self.server.route('/img', self.data)
        host = fakes.GlanceHost(stores=[None])
        ctx = fakes.context('tok', [], global_request_id=GLOBAL_ID)
        _in_pool_thread(lambda: engines.run(wd_plugin.get_flow(
            **host.flow_kwargs(ctx, {'name': 'web-download',
                                     'uri': self.server.url + '/img'}))))
        (received,) = self.server.requests_to('/img')
        self.assertNotIn('x-openstack-request-id', received)


class RequestIdLoggedTest(TracingTestBase):

    def assert_every_line_carries(self, request_id, *fragments):
        text = '\n'.join(self.lines.lines)
        for fragment in fragments:
            self.assertIn(fragment, text)
        self.assertGreaterEqual(len(self.lines.lines), len(fragments))
        for line in self.lines.lines:
            self.assertIn(request_id, line)

    def test_successful_import(self):
        ctx = self.context(global_request_id=GLOBAL_ID)
        self.server.script(faults.Close(70000))
        _result, left = self.run_import(ctx)
        self.assert_every_line_carries(
            GLOBAL_ID, 'downloading image', 'Retrying', 'sha512 verified',
            'copied properties')
        # Both ids, as oslo.log's default format shows them.
        self.assertIn('[%s %s ' % (GLOBAL_ID, ctx.request_id),
                      self.lines.lines[0])
        self.assertIsNone(left)

    def test_failed_import(self):
        ctx = self.context()
        self.server.script(faults.Flip(100000))
        self.assertRaises(glance_exception.UploadException,
                          self.run_import, ctx)
        self.assert_every_line_carries(
            ctx.request_id, 'downloading image',
            'failed, cleaning up the staged data')

    def test_import_failing_while_the_flow_is_built(self):
        ctx = self.context()
        self.server.script_record(faults.Status(404))
        # Glance's flow then stops at its lock: only the build runs.
        _in_pool_thread(lambda: self.flow(ctx))
        self.assertEqual('failure', self.host.task.status)
        self.assert_every_line_carries(ctx.request_id, 'cannot succeed')


class StoreRestoredTest(base.TestCase):
    """Glance's own later lines in the thread keep their own context."""

    def test_previous_context_put_back(self):
        ours, theirs = fakes.context(), fakes.context()
        theirs.update_store()
        with tracing.logged_for(ours):
            self.assertIs(ours, oslo_context.get_current())
        self.assertIs(theirs, oslo_context.get_current())

    def test_empty_store_emptied_again(self):
        ours = fakes.context()

        def run():
            with tracing.logged_for(ours):
                self.assertIs(ours, oslo_context.get_current())

        _result, left = _in_pool_thread(run)
        self.assertIsNone(left)

    def test_task_hooks_put_back(self):
        ours, theirs = fakes.context(), fakes.context()
        theirs.update_store()
        task = tracing.RequestTask()
        task.context = ours
        task.pre_revert()
        self.assertIs(ours, oslo_context.get_current())
        task.post_revert()
        self.assertIs(theirs, oslo_context.get_current())

    def test_no_context_changes_nothing(self):
        theirs = fakes.context()
        theirs.update_store()
        with tracing.logged_for(None):
            self.assertIs(theirs, oslo_context.get_current())
        self.assertIs(theirs, oslo_context.get_current())
