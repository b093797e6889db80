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

"""openstack image copy: the import call is retried on 5xx by keystoneauth
(glance_download.copying.regions.GlanceRegions.importer), against a real HTTP
server on 127.0.0.1 standing in for Glance's API."""

import http.server
import logging
import threading

import fixtures
from glanceclient import exc as glance_exc
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
import testtools

from glance_download.copying import regions

IMAGE = '00000000-0000-4000-8000-00000000abcd'
IMPORT = '/v2/images/%s/import' % IMAGE


class _Handler(http.server.BaseHTTPRequestHandler):

    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        server.posts.append(self.path)
        codes = server.script.get(self.path) or [500]
        code = codes.pop(0) if len(codes) > 1 else codes[0]
        # As webob words Glance's errors.
        body = b'' if code < 300 else (
            b'%d Error\n\nDeadlock found when trying to get lock\n' % code)
        self.send_response(code)
        self.send_header('Content-Type', 'text/plain; charset=UTF-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ImportRetryTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
        server.posts, server.script = [], {}
        thread = threading.Thread(target=server.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.server = server
        session = ks_session.Session(auth=token_endpoint.Token(
            'http://127.0.0.1:%d' % server.server_port, 'a-token'))
        self.regions = regions.GlanceRegions(session)
        self.regions.import_retry_delay = 0.01
        self.logs = self.useFixture(fixtures.FakeLogger(level=logging.INFO))

    def image_import(self, *codes):
        self.server.script[IMPORT] = list(codes)
        return self.regions.importer('RegionTwo').images.image_import(
            IMAGE, method='glance-download', remote_region='RegionOne',
            remote_image_id=IMAGE, remote_service_interface='public')

    def test_5xx_is_retried_until_accepted(self):
        self.image_import(500, 502, 503, 504, 202)
        self.assertEqual([IMPORT] * 5, self.server.posts)
        self.assertIn('Retriable status code 504', self.logs.output)
        self.assertNotIn('a-token', self.logs.output)

    def test_a_retry_meeting_409_raises_conflict(self):
        # The copier then follows the import the first call started.
        self.assertRaises(glance_exc.HTTPConflict, self.image_import,
                          500, 409)
        self.assertEqual([IMPORT] * 2, self.server.posts)

    def test_retries_are_bounded(self):
        self.assertRaises(glance_exc.HTTPInternalServerError,
                          self.image_import, 500)
        self.assertEqual(1 + self.regions.import_retries,
                         len(self.server.posts))

    def test_4xx_is_not_retried(self):
        self.assertRaises(glance_exc.HTTPBadRequest, self.image_import, 400)
        self.assertEqual([IMPORT], self.server.posts)

    def test_other_calls_are_not_retried(self):
        # A create answered 500 may have created the image: not again.
        self.server.script['/v2/images'] = [500]
        glance = self.regions.glance('RegionTwo')
        with testtools.ExpectedException(glance_exc.HTTPInternalServerError):
            glance.http_client.post('/v2/images', data={'name': 'x'})
        self.assertEqual(['/v2/images'], self.server.posts)
