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

"""sessions: the two TLS scopes, source regions and web-download."""

import os
import socket
import ssl
import threading
import urllib.error
import urllib.request

import fixtures
from glance.common import exception as glance_exception
from glance.common.scripts import utils as script_utils
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import v3
import testtools

from glance_download import errors
from glance_download import opts
from glance_download import sessions
from glance_download import source
from tests.unit import base
from tests.unit import fakes
from tests.unit import tls

SOURCE_TLS = dict(cafile='/etc/region-ca.pem', insecure=True,
                  certfile='/etc/glance-client.pem',
                  keyfile='/etc/glance-client.key')


class SessionSettingsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        # The TLS files a section names must exist to be loaded.
        self.dir = self.useFixture(fixtures.TempDir()).path
        for name in ('ca.pem', 'web-ca.pem', 'c.pem', 'k.pem'):
            with open(self.path(name), 'w'):
                pass

    def path(self, name):
        return os.path.join(self.dir, name)

    def source_session(self, **tls_opts):
        self.config(group=opts.TRANSFER_GROUP, **tls_opts)
        return sessions.for_caller(fakes.context('tok-1'), base.CONF)

    def test_source_defaults_verify_with_the_default_cas(self):
        session = self.source_session()
        self.assertIs(True, session.verify)
        self.assertIsNone(session.cert)

    def test_source_cafile(self):
        ca = self.path('ca.pem')
        self.assertEqual(ca, self.source_session(cafile=ca).verify)

    def test_source_insecure_wins_over_cafile(self):
        self.assertIs(False, self.source_session(cafile=self.path('ca.pem'),
                                                 insecure=True).verify)

    def test_source_client_certificate_and_key(self):
        cert, key = self.path('c.pem'), self.path('k.pem')
        self.assertEqual((cert, key), self.source_session(
            certfile=cert, keyfile=key).cert)

    def test_source_client_certificate_alone(self):
        cert = self.path('c.pem')
        self.assertEqual(cert, self.source_session(certfile=cert).cert)

    def test_tls_file_that_cannot_be_read(self):
        # requests would find out only when connecting, with an OSError
        # that Glance reports as "Task failed due to Internal Error".
        missing = self.path('no-such-ca.pem')
        for group, load in (
                (opts.WEB_GROUP, lambda: sessions.anonymous(base.CONF)),
                (opts.TRANSFER_GROUP, self.source_session)):
            for name in ('cafile', 'certfile', 'keyfile'):
                self.config(group=group, **{name: missing})
                exc = self.assertRaises(errors.ImportFailed, load)
                self.assertEqual(
                    'This Glance cannot read the file that [%s] %s names '
                    '(No such file or directory); ask the operator to fix '
                    'glance-api.conf.' % (group, name), str(exc))
                self.config(group=group, **{name: None})

    def test_for_caller_uses_the_callers_token(self):
        session = self.source_session()
        self.assertEqual({'X-Auth-Token': 'tok-1'},
                         session.get_auth_headers())

    def test_session_timeout_is_read_timeout_unless_set(self):
        self.assertEqual(0.2, self.source_session().timeout)
        self.assertEqual(7.0, self.source_session(timeout=7).timeout)

    def test_service_token_request_is_bounded(self):
        # keystoneauth1 asks Keystone for the service user's token without
        # a timeout of ours: the session's 'timeout' (unset: read_timeout)
        # keeps a Keystone that never answers from holding the import.
        keystone = socket.create_server(('127.0.0.1', 0))  # never answers
        self.addCleanup(keystone.close)
        self.config(group=opts.TRANSFER_GROUP, read_timeout=0.3)
        self.config(group=opts.SERVICE_USER_GROUP,
                    send_service_user_token=True)
        sessions._service_auth = v3.Password(
            auth_url='http://127.0.0.1:%d/v3' % keystone.getsockname()[1],
            username='glance', password='secret', project_name='service',
            user_domain_name='Default', project_domain_name='Default')
        session = sessions.for_caller(fakes.context('tok'), base.CONF)
        outcome = []

        def ask():
            try:
                session.get_auth_headers()
            except ks_exceptions.ConnectionError as exc:
                outcome.append(exc)
        thread = threading.Thread(target=ask, daemon=True)
        thread.start()
        thread.join(5)
        self.assertFalse(thread.is_alive(), 'no timeout on Keystone')
        self.assertEqual(1, len(outcome))

    def test_web_download_ignores_the_source_regions_tls(self):
        self.config(group=opts.TRANSFER_GROUP, **SOURCE_TLS)
        session = sessions.anonymous(base.CONF)
        self.assertIs(True, session.verify)
        self.assertIsNone(session.cert)
        self.assertIsNone(session.auth)

    @testtools.skipUnless(base.KSA_TLS_OPTIONS, 'keystoneauth1 without '
                          'tls_min_version (2024.1-2026.1 constraints)')
    def test_web_download_has_its_own_tls_settings(self):
        self.config(group=opts.WEB_GROUP, cafile=self.path('web-ca.pem'),
                    tls_min_version='1.3')
        session = sessions.anonymous(base.CONF)
        self.assertEqual(self.path('web-ca.pem'), session.verify)
        self.assertEqual('1.3', session.tls_min_version)
        # and the source regions' sessions do not get them
        source_session = self.source_session()
        self.assertIs(True, source_session.verify)
        self.assertIsNone(source_session.tls_min_version)


class TlsServerTest(base.TestCase):
    """Against a real HTTPS server whose CA no trust store knows."""

    def setUp(self):
        super().setUp()
        self.certs = self.useFixture(tls.Certificates())
        self.server = self.useFixture(tls.HttpsServer(self.certs))

    def fetch(self, session, server=None):
        """GET the server's data the way imports do (pinned address)."""
        http_source = source.HttpSource(
            session, (server or self.server).url, 'the test server',
            (2.0, 2.0), fakes.loopback, authenticated=False)
        stream = http_source.open()
        try:
            return b''.join(stream.pieces(64 * 1024))
        finally:
            stream.close()

    def web(self):
        return sessions.anonymous(base.CONF)

    def caller(self):
        return sessions.for_caller(fakes.context('tok'), base.CONF)

    def assert_refused(self, session):
        # A certificate not accepted is final: no retry would change it.
        exc = self.assertRaises(errors.ImportFailed, self.fetch, session)
        self.assertNotIsInstance(exc, errors.TransferInterrupted)
        self.assertIn('the certificate of 127.0.0.1 was not accepted: '
                      'self-signed certificate', str(exc))

    def test_web_download_refuses_an_unknown_ca(self):
        self.assert_refused(self.web())
        self.assertEqual([], self.server.client_certs)

    def test_web_download_ignores_source_insecure_and_cafile(self):
        for source_tls in ({'insecure': True}, {'cafile': self.certs.ca}):
            self.config(group=opts.TRANSFER_GROUP, **source_tls)
            self.assertEqual(tls.DATA, self.fetch(self.caller()))
            self.assert_refused(self.web())
            base.CONF.clear_override(list(source_tls)[0],
                                     group=opts.TRANSFER_GROUP)

    def test_web_download_trusts_its_own_cafile(self):
        self.config(group=opts.WEB_GROUP, cafile=self.certs.ca)
        self.assertEqual(tls.DATA, self.fetch(self.web()))
        self.assert_refused(self.caller())

    def test_source_session_needs_cafile_or_insecure(self):
        self.assert_refused(self.caller())
        self.config(group=opts.TRANSFER_GROUP, insecure=True)
        self.assertEqual(tls.DATA, self.fetch(self.caller()))

    def test_client_certificate_is_offered_to_source_regions_only(self):
        self.config(group=opts.TRANSFER_GROUP, cafile=self.certs.ca,
                    certfile=self.certs.client_cert,
                    keyfile=self.certs.client_key)
        self.config(group=opts.WEB_GROUP, cafile=self.certs.ca)
        self.assertEqual(tls.DATA, self.fetch(self.caller()))
        self.assertEqual(tls.DATA, self.fetch(self.web()))
        self.assertEqual([True, False], self.server.client_certs)

    def test_glances_own_metadata_step_ignores_our_tls_settings(self):
        # Glance's _ImportMetadata reads the source image with urllib and
        # Python's default SSL context before any task of ours runs: the
        # source region's CA must also be trusted by the system. (33 opens
        # it with open_external_uri, 29.2.1-32 with an opener of their
        # own, 28 with urlopen: the same default context.)
        self.allow_ports(self.server)
        self.config(group=opts.TRANSFER_GROUP, cafile=self.certs.ca)
        self.assertEqual(tls.DATA, self.fetch(self.caller()))
        open_url = getattr(script_utils, 'open_external_uri',
                           urllib.request.urlopen)
        exc = self.assertRaises((glance_exception.ImportTaskError,
                                 urllib.error.URLError), open_url,
                                self.server.url)
        self.assertIn('CERTIFICATE_VERIFY_FAILED',
                      self.logs.output + str(exc))

    @testtools.skipUnless(base.KSA_TLS_OPTIONS, 'keystoneauth1 without '
                          'tls_min_version (2024.1-2026.1 constraints)')
    def test_tls_min_version_holds_on_pinned_connections(self):
        old = self.useFixture(tls.HttpsServer(
            self.certs, max_tls=ssl.TLSVersion.TLSv1_2))
        self.config(group=opts.TRANSFER_GROUP, cafile=self.certs.ca)
        self.assertEqual(tls.DATA, self.fetch(self.caller(), old))
        self.config(group=opts.TRANSFER_GROUP, tls_min_version='1.3')
        exc = self.assertRaises(errors.TransferInterrupted, self.fetch,
                                self.caller(), old)
        self.assertIn('SSL', str(exc))
        self.assertEqual(tls.DATA, self.fetch(self.caller()))
