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

"""No token, nor a secret part of a URL, in any log line or task message.

Whole glance-download imports (get_flow, then the flow run by a taskflow
engine with the logging listener Glance attaches, which logs a failed task
with its traceback, chained exceptions included) with every logger at
DEBUG, including keystoneauth's request logging and taskflow's own, once
succeeding and once failing after a cross-host redirect, retries and a
corrupt body. Then web-download imports of a signed URL, the same way, and
of a URL with user info, which is refused without repeating it.
"""

import os

import fixtures
from glance.common import exception as glance_exception
from keystoneauth1 import token_endpoint

from glance_download import opts
from glance_download.plugins import glance_download as gd_plugin
from glance_download.plugins import web_download as wd_plugin
from glance_download import selection
from glance_download import sessions
from tests import faults
from tests.unit import base
from tests.unit import fakes

USER_TOKEN = 'gAAAAAB-USER-T0KEN-d1st1nct1ve-7f3a9c'
SERVICE_TOKEN = 'gAAAAAB-SERVICE-T0KEN-d1st1nct1ve-2b8e'


class NoTokenInLogsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.two_servers(200000)
        self.record = self.server.add_image(self.data, hw_disk_bus='scsi')
        self.other.add_image(self.data, image_id=self.record['id'])
        self.host = fakes.GlanceHost()
        self.useFixture(fixtures.MockPatchObject(
            selection, 'selected_elsewhere', return_value=None))
        self.config(group=opts.SERVICE_USER_GROUP,
                    send_service_user_token=True)
        sessions._service_auth = token_endpoint.Token(None, SERVICE_TOKEN)

    def flow(self):
        ctx = fakes.context(USER_TOKEN, fakes.catalog_v2(
            ('RegionOne', self.server.url)))
        return gd_plugin.get_flow(**self.host.flow_kwargs(ctx, {
            'name': 'glance-download', 'glance_image_id': self.record['id'],
            'glance_region': 'RegionOne',
            'glance_service_interface': 'public'}))

    def run_import(self):
        fakes.run_like_glance(self.flow())

    def assert_no_token(self):
        # The tokens were really used (the image record is read with the
        # user's token alone, as Glance's own metadata step does; the data
        # with the service token as well)...
        first = self.server.requests[0][1]
        self.assertEqual(USER_TOKEN, first['x-auth-token'])
        self.assertNotIn('x-service-token', first)
        for headers in self.server.data_requests():
            self.assertEqual(USER_TOKEN, headers['x-auth-token'])
            self.assertEqual(SERVICE_TOKEN, headers['x-service-token'])
        # ...and keystoneauth's request logging was really on...
        self.assertIn('X-Auth-Token: {SHA256}', self.logs.output)
        # ...yet no token appears anywhere.
        for token in (USER_TOKEN, SERVICE_TOKEN):
            for fragment in (token, token[8:]):
                self.assertNotIn(fragment, self.logs.output)
                self.assertNotIn(fragment, self.host.task.message)

    def test_successful_import(self):
        self.server.script(faults.Close(70000))
        self.run_import()
        self.assertIn('sha512 verified', self.logs.output)
        self.assertIn('Retrying', self.logs.output)
        self.assert_no_token()

    def test_failed_import(self):
        # Redirected elsewhere, stalls there; the resume starts again at
        # the source, which then sends a corrupt byte.
        self.server.script(faults.Redirect(
            self.other.file_url(self.record['id'])), faults.Flip(100000))
        self.other.script(faults.Stall(70000, hold=0.5))
        exc = self.assertRaises(glance_exception.UploadException,
                                self.run_import)
        self.assertIn('does not match the source image', str(exc))
        self.assertIn('Following redirect', self.logs.output)
        self.assertIn('failed, cleaning up the staged data',
                      self.logs.output)
        (received,) = self.other.data_requests()
        self.assertNotIn('x-auth-token', received)
        self.assertEqual('bytes=70000-',
                         self.server.data_requests()[1]['range'])
        self.assert_no_token()

    def test_import_failing_before_the_flow_runs(self):
        self.server.script_record(faults.Status(401))
        self.flow()   # ends the import (Glance's flow stops at its lock)
        self.assertEqual('failure', self.host.task.status)
        self.assertIn('did not accept your token', self.host.task.message)
        self.assert_no_token()


class NoUrlSecretInLogsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.debug_logging()
        self.server = self.useFixture(fakes.FakeGlanceServer())
        self.allow_ports(self.server)
        self.data = os.urandom(200000)
        self.server.route('/img', self.data)
        self.host = fakes.GlanceHost(stores=[None])
        self.useFixture(fixtures.MockPatchObject(
            selection, 'selected_elsewhere', return_value=None))

    def run_import(self, port, user_info=False):
        fakes.run_like_glance(wd_plugin.get_flow(**self.host.flow_kwargs(
            fakes.context('tok', []), {
                'name': 'web-download',
                'uri': fakes.secret_url(port, user_info=user_info)})))

    def assert_no_secret(self, *texts, retried=True):
        self.assertEqual(retried, 'Retrying' in self.logs.output)
        for secret in fakes.SECRETS:
            for text in texts + (self.logs.output, self.host.task.message):
                self.assertNotIn(secret, text)

    def test_successful_import(self):
        self.server.script(faults.Close(70000))
        self.run_import(self.server.port)
        with open(self.staged_path(self.host.image_id), 'rb') as f:
            self.assertEqual(self.data, f.read())
        self.assertEqual('/img?temp_url_sig=SECRET&temp_url_expires=1',
                         self.server.requests[1][0])
        self.assert_no_secret()

    def test_failed_import(self):
        port = fakes.closed_port()
        self.config(group='import_filtering_opts', allowed_ports=[port])
        exc = self.assertRaises(glance_exception.UploadException,
                                self.run_import, port)
        self.assertIn('Could not connect to the image URL '
                      'http://127.0.0.1:%d/img: Connection refused' % port,
                      str(exc))
        self.assertEqual('queued', self.host.image.status)
        self.assert_no_secret(str(exc))

    def test_failure_traceback_holds_no_url(self):
        # keystoneauth1's ConnectFailure, and requests' and urllib3's
        # exceptions under it, print the whole URL; the traceback the
        # listener logs must not chain to them.
        port = fakes.closed_port()
        self.config(group='import_filtering_opts', allowed_ports=[port])
        self.assertRaises(glance_exception.UploadException,
                          self.run_import, port)
        self.assertIn('Traceback (most recent call last)', self.logs.output)
        self.assertIn("transitioned into state 'FAILURE'", self.logs.output)
        self.assertNotIn('During handling of the above exception',
                         self.logs.output)
        self.assert_no_secret()

    def test_user_info_refused_unrepeated(self):
        exc = self.assertRaises(glance_exception.UploadException,
                                self.run_import, self.server.port,
                                user_info=True)
        self.assertIn('holds a user name or password', str(exc))
        self.assertEqual([], self.server.requests)
        self.assert_no_secret(str(exc), retried=False)
