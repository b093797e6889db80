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

"""source.HttpSource and sessions: redirects, credentials, HTTP errors."""

import functools
import gzip
import logging

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from urllib3 import exceptions as urllib3_exceptions

from glance_download import errors
from glance_download import opts
from glance_download import sessions
from glance_download import source
from glance_download import uri_filter
from tests import faults
from tests.unit import base
from tests.unit import fakes
from tests.unit import tls

TOKEN = 'user-token-0123'
SERVICE_TOKEN = 'service-token-4567'


class SourceTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.two_servers(1000)
        self.image = self.server.add_image(self.data)
        self.other.add_image(self.data, image_id=self.image['id'])

    def source(self, session=None, authenticated=True):
        session = session or sessions.for_caller(fakes.context(TOKEN),
                                                 base.CONF)
        return source.HttpSource(
            session, self.server.file_url(self.image['id']), 'the image',
            (2.0, 0.2),
            functools.partial(uri_filter.check, what='A redirect'),
            authenticated=authenticated)

    def read(self, src, offset=0):
        stream = src.open(offset)
        try:
            return stream, b''.join(stream.pieces(4096))
        finally:
            stream.close()

    def use_service_user(self):
        self.config(group=opts.SERVICE_USER_GROUP,
                    send_service_user_token=True)
        sessions._service_auth = token_endpoint.Token(None, SERVICE_TOKEN)

    def test_caller_token_only(self):
        stream, body = self.read(self.source())
        self.assertEqual(self.data, body)
        self.assertEqual((0, 1000), (stream.start, stream.total))
        headers = self.server.data_requests()[0]
        self.assertEqual(TOKEN, headers['x-auth-token'])
        self.assertNotIn('x-service-token', headers)

    def test_service_token_sent_with_caller_token(self):
        self.use_service_user()
        _stream, body = self.read(self.source())
        self.assertEqual(self.data, body)
        headers = self.server.data_requests()[0]
        self.assertEqual(TOKEN, headers['x-auth-token'])
        self.assertEqual(SERVICE_TOKEN, headers['x-service-token'])

    def test_service_user_loaded_from_config_once(self):
        # admin_token needs no Keystone: it is a static token plugin.
        self.config(group=opts.SERVICE_USER_GROUP,
                    send_service_user_token=True, auth_type='admin_token')
        base.CONF.register_opts(
            [o._to_oslo_opt() for o in
             ks_loading.get_plugin_loader('admin_token').get_options()],
            group=opts.SERVICE_USER_GROUP)
        self.config(group=opts.SERVICE_USER_GROUP, token=SERVICE_TOKEN,
                    endpoint='http://unused.example')
        self.read(self.source())
        first = sessions._service_auth
        self.assertIsNotNone(first)
        self.read(self.source())
        self.assertIs(first, sessions._service_auth)
        for headers in self.server.data_requests():
            self.assertEqual(SERVICE_TOKEN, headers['x-service-token'])
            self.assertEqual(TOKEN, headers['x-auth-token'])

    def test_unauthenticated_source_sends_no_token(self):
        self.use_service_user()
        self.read(self.source(authenticated=False))
        headers = self.server.data_requests()[0]
        self.assertNotIn('x-auth-token', headers)
        self.assertNotIn('x-service-token', headers)

    def test_redirect_same_origin_keeps_credentials(self):
        self.use_service_user()
        self.server.script(faults.Redirect(
            '/v2/images/%s/file' % self.image['id']))
        _stream, body = self.read(self.source())
        self.assertEqual(self.data, body)
        first, second = self.server.data_requests()
        self.assertEqual(TOKEN, second['x-auth-token'])
        self.assertEqual(SERVICE_TOKEN, second['x-service-token'])
        self.assertIn('Following redirect for the image', self.logs.output)

    def test_redirect_elsewhere_drops_credentials(self):
        self.use_service_user()
        self.server.script(faults.Redirect(self.other.file_url(
            self.image['id']), code=307))
        stream, body = self.read(self.source())
        self.assertEqual(self.data, body)
        self.assertEqual(TOKEN, self.server.data_requests()[0][
            'x-auth-token'])
        (received,) = self.other.data_requests()
        self.assertNotIn('x-auth-token', received)
        self.assertNotIn('x-service-token', received)
        self.assertIn('another host: credentials are not sent there',
                      self.logs.output)

    def test_redirect_back_to_origin_gets_credentials_again(self):
        self.server.script(faults.Redirect(self.other.url + '/hop'))
        self.other.route('/hop', b'')
        self.other.script(faults.Redirect(self.server.file_url(
            self.image['id'])))
        _stream, body = self.read(self.source())
        self.assertEqual(self.data, body)
        self.assertNotIn('x-auth-token', self.other.requests_to('/hop')[0])
        self.assertEqual(TOKEN,
                         self.server.data_requests()[1]['x-auth-token'])

    def test_redirect_with_range_keeps_range(self):
        self.server.script(faults.Redirect(self.other.file_url(
            self.image['id'])))
        stream, body = self.read(self.source(), offset=600)
        self.assertEqual(self.data[600:], body)
        self.assertEqual((600, 1000), (stream.start, stream.total))
        self.assertEqual('bytes=600-',
                         self.other.data_requests()[0]['range'])

    def test_redirect_refused_by_import_filter(self):
        self.allow_ports(self.server)
        self.server.script(faults.Redirect(self.other.file_url(
            self.image['id'])))
        exc = self.assertRaises(errors.ImportFailed, self.source().open)
        self.assertIn("A redirect (http://127.0.0.1:%d/v2/images/%s/file) "
                      "is not allowed by this Glance's "
                      "[import_filtering_opts]: %s"
                      % (self.other.port, self.image['id'],
                         base.rule_refused('port')), str(exc))
        self.assertEqual([], self.other.requests)

    def test_redirect_without_location(self):
        self.server.script(faults.Redirect(None))
        exc = self.assertRaises(errors.ImportFailed, self.source().open)
        self.assertEqual('the image answered a redirect without a Location.',
                         str(exc))

    def test_redirect_loop(self):
        self.server.script(*[faults.Redirect(
            '/v2/images/%s/file' % self.image['id'])] * 10)
        exc = self.assertRaises(errors.ImportFailed, self.source().open)
        self.assertEqual('the image redirected more than 5 times.', str(exc))
        self.assertEqual(source.MAX_REDIRECTS + 1,
                         len(self.server.data_requests()))

    def test_client_errors_name_the_cause(self):
        for code, text in ((401, 'the credentials were not accepted'),
                           (403, 'access is forbidden'),
                           (404, 'it was not found'),
                           (400, 'HTTP 400 Bad Request.')):
            self.server.script(faults.Status(code))
            exc = self.assertRaises(errors.ImportFailed, self.source().open)
            self.assertNotIsInstance(exc, errors.TransferInterrupted)
            self.assertIn('the image answered HTTP %d' % code, str(exc))
            self.assertIn(text, str(exc))

    def test_server_errors_may_be_retried(self):
        for code in (500, 503, 429):
            self.server.script(faults.Status(code))
            exc = self.assertRaises(errors.TransferInterrupted,
                                    self.source().open)
            self.assertIn('answered HTTP %d' % code, str(exc))

    def test_redirect_location_not_utf8(self):
        # requests decodes the Location of every redirect answer, followed
        # or not: a Latin-1 one raised UnicodeDecodeError, "Internal Error".
        self.server.script(faults.Redirect('http://h\u00e9.example/x'))
        exc = self.assertRaises(errors.ImportFailed, self.source().open)
        self.assertEqual('the image answered a redirect whose Location is '
                         'not UTF-8.', str(exc))

    def test_connection_refused(self):
        src = source.HttpSource(
            sessions.anonymous(base.CONF),
            'http://127.0.0.1:%d/x' % fakes.closed_port(),
            'the image', (2.0, 0.2), fakes.loopback, authenticated=False)
        exc = self.assertRaises(errors.TransferInterrupted, src.open)
        self.assertEqual('Could not connect to the image: Connection '
                         'refused.', str(exc))

    def test_connection_failure_names_no_secret_of_the_url(self):
        self.debug_logging()
        # keystoneauth1's exception text holds the whole URL.
        src = source.HttpSource(
            sessions.anonymous(base.CONF),
            fakes.secret_url(fakes.closed_port()), 'the image URL',
            (2.0, 0.2), fakes.loopback, authenticated=False)
        exc = self.assertRaises(errors.TransferInterrupted, src.open)
        self.assertIn('Connection refused', str(exc))
        for secret in fakes.SECRETS:
            self.assertNotIn(secret, str(exc))
            self.assertNotIn(secret, self.logs.output)

    def test_secret_url_not_logged_even_at_debug(self):
        self.debug_logging()
        # keystoneauth1's request logging (on at DEBUG) would show the
        # whole URL; data requests do not use it.
        self.server.route('/img', self.data)
        src = source.HttpSource(
            sessions.anonymous(base.CONF), fakes.secret_url(self.server.port),
            'the image URL', (2.0, 0.2), fakes.loopback,
            authenticated=False)
        _stream, body = self.read(src)
        self.assertEqual(self.data, body)
        self.assertEqual('/img?temp_url_sig=SECRET&temp_url_expires=1',
                         self.server.requests[0][0])
        self.assertTrue(logging.getLogger(
            'keystoneauth.session').isEnabledFor(logging.DEBUG))
        for secret in fakes.SECRETS:
            self.assertNotIn(secret, self.logs.output)

    def test_redirect_logged_without_secrets(self):
        self.debug_logging()
        self.server.route('/img', self.data)
        self.other.script(faults.Redirect(fakes.secret_url(self.server.port)))
        self.other.route('/start', b'')
        src = source.HttpSource(
            sessions.anonymous(base.CONF), self.other.url + '/start',
            'the image URL', (2.0, 0.2), fakes.loopback,
            authenticated=False)
        _stream, body = self.read(src)
        self.assertEqual(self.data, body)
        self.assertIn('Following redirect for the image URL to '
                      'http://127.0.0.1:%d/img' % self.server.port,
                      self.logs.output)
        for secret in fakes.SECRETS:
            self.assertNotIn(secret, self.logs.output)

    def test_certificate_not_accepted_is_not_retried(self):
        certificates = self.useFixture(tls.Certificates())
        attempts = fakes.serve_tls(self.server, certificates)
        src = self.source(session=ks_session.Session(verify=True),
                          authenticated=False)
        exc = self.assertRaises(errors.ImportFailed, src.open)
        self.assertNotIsInstance(exc, errors.TransferInterrupted)
        self.assertEqual('Could not connect to the image: the certificate '
                         'of 127.0.0.1 was not accepted: unable to get '
                         'local issuer certificate.', str(exc))
        self.assertEqual(1, len(attempts))
        self.assertEqual([], self.server.data_requests())
        # The same server, its CA trusted: the certificate was the cause.
        src = self.source(session=ks_session.Session(
            verify=certificates.ca), authenticated=False)
        self.assertEqual(self.data, self.read(src)[1])

    def test_compressed_answer_refused(self):
        # Asked for identity, sent gzip: the bytes are not the image.
        self.server.script(faults.Gzip())
        exc = self.assertRaises(errors.ImportFailed, self.source().open)
        self.assertNotIsInstance(exc, errors.TransferInterrupted)
        self.assertEqual(
            'the image sent its data compressed (Content-Encoding: gzip) '
            'although asked for it as it is; the staged data would not '
            'be the image.', str(exc))
        self.assertEqual('identity',
                         self.server.data_requests()[0]['accept-encoding'])

    def test_pieces_are_the_bytes_on_the_wire(self):
        # Counts, limits and Range offsets are in the bytes that
        # Content-Length and Content-Range count: the encoded ones.
        self.server.script(faults.Gzip())
        response = sessions.anonymous(base.CONF).get(
            self.server.file_url(self.image['id']), stream=True, log=False)
        stream = source.Stream(response, 0, None, 'the image', 0.2)
        try:
            body = b''.join(stream.pieces(4096))
        finally:
            stream.close()
        self.assertEqual(int(response.headers['Content-Length']), len(body))
        self.assertEqual(self.data, gzip.decompress(body))

    def test_stall_before_headers(self):
        self.server.script(faults.StallHeaders(hold=0.5))
        exc = self.assertRaises(errors.TransferInterrupted,
                                self.source().open)
        self.assertEqual('Could not connect to the image: no answer within '
                         'connect_timeout (2.0 s) or read_timeout (0.2 s).',
                         str(exc))

    def test_range_ignored(self):
        self.server.script(faults.IgnoreRange())
        stream, body = self.read(self.source(), offset=500)
        self.assertEqual((0, 1000), (stream.start, stream.total))
        self.assertEqual(self.data, body)
        self.assertEqual('bytes=500-',
                         self.server.data_requests()[0]['range'])

    def test_wrong_content_range(self):
        self.server.script(faults.WrongRange())
        exc = self.assertRaises(errors.TransferInterrupted,
                                self.source().open, 500)
        self.assertIn('wrong range (bytes 0-999/1000)', str(exc))

    def test_unknown_total_in_content_range(self):
        response = type('R', (), {
            'status_code': 206, 'reason': 'Partial Content',
            'headers': {'Content-Range': 'bytes 10-99/*'},
            'close': lambda self: None})()
        stream = self.source()._stream(response, 10)
        self.assertEqual((10, None), (stream.start, stream.total))


class CauseTest(base.TestCase):
    """How a broken read is named in the task message."""

    def test_the_systems_words_when_there_are_some(self):
        exc = urllib3_exceptions.ProtocolError(
            'Connection broken', ConnectionResetError(104, 'Connection '
                                                      'reset by peer'))
        self.assertEqual('Connection reset by peer', source._cause(exc))

    def test_else_the_kind_of_error(self):
        exc = urllib3_exceptions.DecodeError('bad gzip')
        self.assertEqual('DecodeError', source._cause(exc))
