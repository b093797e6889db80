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

"""web-download into RegionTwo from an HTTP server run by the test.

Glance's import filter lets exactly one local port through (GD_WEB_PORT,
8090 by default). The tests of this suite never overlap (see
base.TestCase), so they take turns on it; another program serving there
is waited for, a while.
"""

import errno
import http.server
import os
import threading
import time

from glanceclient import client as glance_client

from tests.functional import base

WEB_PORT = int(os.environ.get('GD_WEB_PORT', 8090))
# How long to wait for somebody else to free the port.
PORT_WAIT = float(os.environ.get('GD_WEB_PORT_WAIT', 150))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class WebDownloadTest(base.TestCase):

    def setUp(self):
        super().setUp()
        # The other tests of the suite do not run meanwhile (base.TestCase
        # serializes them), but somebody else may serve on the port:
        # tools/tempest does, for its whole run.
        server = self._bind(time.monotonic() + PORT_WAIT)
        server.daemon_threads = True
        server.files = {}
        server.requests = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.server = server

    def _bind(self, deadline):
        while True:
            try:
                return http.server.ThreadingHTTPServer(
                    ('127.0.0.1', WEB_PORT), _Handler)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or \
                        time.monotonic() > deadline:
                    self.fail('Cannot serve on 127.0.0.1:%d (GD_WEB_PORT, '
                              'the one port Glance\'s import filter allows '
                              'here) for web-download: %s' % (WEB_PORT, exc))
                time.sleep(0.5)

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (WEB_PORT, path)

    def web_download(self, image_id, url):
        self.import_image(image_id, method='web-download', uri=url)

    def test_web_download(self):
        data, sha512 = base.generate(2 * base.MiB + 4321)
        self.server.files['/img.raw'] = data
        target = self.create_target(disk_format='raw',
                                    container_format='bare')
        self.web_download(target['id'], self.url('/img.raw'))
        image, task = self.wait_for_import(target['id'])

        self.assert_task_succeeded(task)
        self.assertEqual('active', image['status'])
        self.assertEqual(len(data), image['size'])
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(sha512, image['os_hash_value'])
        self.assertEqual('windows', image['os_distro'])
        self.assertNotIn('os_glance_import_task', image)
        self.assertFalse(image.get('os_glance_importing_to_stores'))
        self.assertIn('/img.raw', self.server.requests)
        self.assert_no_staged_data(image['id'])
        lines = self.wait_for_log(
            self.region_two, 'glance_download.tasks.download',
            'Image %s: downloading the image URL %s into %s'
            % (image['id'], self.url('/img.raw'),
               os.path.join(self.region_two.staging, image['id'])))
        self.assertEqual(1, len(lines), lines)

    def test_web_download_through_the_second_node(self):
        """RegionTwo's second node (GD_GLANCE2_NODES=2) runs the import it
        was asked for, into its own staging directory.
        """
        try:
            node_b = base.GlanceServer(base.REGION_TWO, self.cloud.dir,
                                       node='glance2b')
        except base.CloudUnavailable as exc:
            self.fail('RegionTwo has one node; start the cloud with '
                      'GD_GLANCE2_NODES=2 tools/cloud up (%s)' % exc)
        data, sha512 = base.generate(base.MiB + 99)
        self.server.files['/img-b.raw'] = data
        target = self.create_target(disk_format='raw',
                                    container_format='bare')
        self.imported = True
        glance_client.Client(
            '2', session=self.cloud.session('demo'),
            endpoint_override=node_b.url).images.image_import(
                target['id'], method='web-download',
                uri=self.url('/img-b.raw'))
        image, task = self.wait_for_import(target['id'])
        self.assert_task_succeeded(task)
        self.assertEqual(sha512, image['os_hash_value'])
        downloading = ('glance_download.tasks.download',
                       'Image %s: downloading the image URL' % image['id'])
        self.assertEqual(1, len(self.wait_for_log(node_b, *downloading)))
        self.assertEqual([], self.region_two.log_lines(*downloading))
        self.assert_no_staged_data(image['id'])
        self.assert_no_staged_data(image['id'], server=node_b)

    def test_web_download_not_found(self):
        target = self.create_target(disk_format='raw',
                                    container_format='bare')
        self.web_download(target['id'], self.url('/missing.raw'))
        image, task = self.wait_for_import(target['id'])
        self.assertIn('/missing.raw', self.server.requests)
        self.assert_import_failed(target, task, 'HTTP 404',
                                  self.url('/missing.raw'))
        # The failure happened in our task: its revert, not Glance's,
        # cleaned up the import bookkeeping.
        self.assertFalse(image.get('os_glance_importing_to_stores'))
