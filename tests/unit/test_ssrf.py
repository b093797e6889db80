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

"""The import filter against host names that lead to loopback services.

Glance 33 resolves the name once, checks the addresses and then connects
to the address it checked ("pinning"). A plugin that checks with Glance's
filter but lets requests resolve the name again can be sent to an address
the filter never approved (a loopback service, the cloud metadata service)
by a URL whose DNS record changes between the two lookups, or by a
spelling of the URL that the filter and the HTTP client read differently.

Only loopback addresses are used: in DnsRebindingTest 127.0.0.1 is the
address the filter approves, 127.0.0.2 the one a second lookup would lead
to; PinBypassTest fakes the network (see FakeNetwork).
"""

import errno
import os
import socket

import fixtures
from urllib3.util import connection as urllib3_connection

from glance.common import exception as glance_exception

from glance_download.plugins import glance_download as gd_plugin
from glance_download.plugins import web_download
from glance_download import selection
from tests import faults
from tests.unit import base
from tests.unit import fakes

_real_getaddrinfo = socket.getaddrinfo


class DnsRebindingTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.good = self.useFixture(fakes.FakeGlanceServer())
        self.evil = self.useFixture(
            fakes.FakeGlanceServer('127.0.0.2', self.good.port))
        self.config(group='import_filtering_opts',
                    allowed_hosts=['rebind.example'],
                    allowed_ports=[self.good.port])
        self.data = os.urandom(1000)
        self.good.route('/image', self.data)
        self.evil.route('/image', os.urandom(1000))
        self.host = fakes.GlanceHost(stores=[None])
        self.lookups = []

        def getaddrinfo(host, port, *args, **kwargs):
            name = host.rstrip('.')
            if name == 'loop.example':
                ip = '127.0.0.1'
            elif name == 'rebind.example':
                self.lookups.append(host)
                # Glance's filter looks up 'name.' (a trailing dot), an
                # HTTP client 'name': the record changed in between.
                ip = '127.0.0.1' if host.endswith('.') else '127.0.0.2'
            else:
                return _real_getaddrinfo(host, port, *args, **kwargs)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', (ip, port))]

        self.resolve_with(getaddrinfo)

    def task(self, url):
        return web_download.WebDownload(
            url, context=fakes.context(), task_id=self.host.task_id,
            task_type='api_image_import',
            action_wrapper=self.host.action_wrapper, stores=[None],
            task_repo=self.host.task_repo, image_repo=self.host.image_repo)

    def test_loopback_name_refused(self):
        self.config(group='import_filtering_opts', allowed_hosts=[])
        task = self.task('http://loop.example:%d/image' % self.good.port)
        exc = self.assertRaises(glance_exception.UploadException,
                                task.execute)
        self.assertIn("[import_filtering_opts]: no allowed addresses for "
                      "external host: loop.example", str(exc))
        self.assertEqual([], self.good.requests)

    def test_connects_to_the_checked_address(self):
        task = self.task('http://rebind.example:%d/image' % self.good.port)
        uri = task.execute()
        with open(uri[len('file://'):], 'rb') as staged:
            self.assertEqual(self.data, staged.read())
        # Only the filter looked the name up; the client did not.
        self.assertTrue(self.lookups)
        self.assertEqual([], [h for h in self.lookups if not h.endswith('.')])
        self.assertEqual([], self.evil.requests)
        self.assertEqual(1, len(self.good.requests))
        # The server was spoken to by the URL's host name.
        self.assertEqual('rebind.example:%d' % self.good.port,
                         self.good.requests[0][1].get('host'))


# An attacker's name: its first address is loopback, which the filter
# drops (the name is not in allowed_hosts), its second a public one, which
# the filter approves. A client that resolves the name again connects to
# the first.
TWOFACED = 'twofaced.example'
TWOFACED_IDN = 'twofac\u00e9d.example'
PUBLIC = '198.51.100.7'
# A host of the internet the imports may use (a redirect's origin, a
# source region's Glance), and the address it resolves to.
ORIGIN = 'origin.example'
ORIGIN_ADDRESS = '198.51.100.8'


class FakeNetwork(fixtures.Fixture):
    """Name lookups and connections of a small internet, on loopback.

    Names resolve as ``names`` says (IP addresses to themselves). A
    connection to a loopback address reaches ``loopback_port`` on
    127.0.0.1, whatever the port asked for: the loopback service an
    attacker wants to read. A connection to an address in ``routes``
    reaches the real local server standing in for that host; any other
    address is refused, so nothing leaves the machine. Connections are
    made by urllib3 as it always does, trying the addresses of a name in
    order; ``connected`` lists each address tried.
    """

    def __init__(self, test, names, routes, loopback_port):
        super().__init__()
        self.test = test
        self.names = names
        self.routes = routes
        self.loopback_port = loopback_port
        self.connected = []

    def _setUp(self):
        self.test.resolve_with(self.getaddrinfo)
        self.useFixture(fixtures.MockPatchObject(
            urllib3_connection, 'create_connection', self.create_connection))

    def getaddrinfo(self, host, port, *args, **kwargs):
        name = host.rstrip('.').lower()
        addresses = self.names.get(name) or [name.strip('[]')]
        return [(socket.AF_INET6 if ':' in ip else socket.AF_INET,
                 socket.SOCK_STREAM, 6, '', (ip, port)) for ip in addresses]

    def create_connection(self, address, timeout=None, source_address=None,
                          socket_options=None):
        host, port = address
        for *_, sockaddr in self.getaddrinfo(host, port):
            ip = sockaddr[0]
            self.connected.append(ip)
            port = self.loopback_port if ip.startswith('127.') or ip == '::1' \
                else self.routes.get(ip)
            if port is not None:
                return _real_create_connection(('127.0.0.1', port), timeout)
        raise ConnectionRefusedError(errno.ECONNREFUSED, 'Connection refused')

    def loopback_tried(self):
        return [ip for ip in self.connected
                if ip.startswith('127.') or ip == '::1']


_real_create_connection = socket.create_connection


class PinBypassTest(base.TestCase):
    """No spelling of a URL reaches an address the filter did not approve.

    The loopback service (a FakeGlanceServer on 127.0.0.1) serves a secret
    at /secret and, as a Glance would, an image record and its data. Each
    URL form names it through ``twofaced.example``, directly or in a
    redirect's ``Location``, and each import must fail without a single
    connection to a loopback address; on every release shape of Glance's
    URL checks (33's pinned address, 28-32's rules with ours on top).
    """

    # {port}: the loopback service's port.
    FORMS = [
        ('plain', 'http://twofaced.example:{port}'),
        ('upper case', 'http://TWOFACED.EXAMPLE:{port}'),
        ('trailing dot', 'http://twofaced.example.:{port}'),
        ('user info', 'http://u:p@twofaced.example:{port}'),
        ('empty port', 'http://twofaced.example:'),
        ('port with a leading zero', 'http://twofaced.example:0{port}'),
        ('IDN host', 'http://%s:{port}' % TWOFACED_IDN),
    ]

    def setUp(self):
        super().setUp()
        self.secret = self.useFixture(fakes.FakeGlanceServer())
        self.secret.route('/secret', b'loopback secret')
        self.record = self.secret.add_image(b'loopback secret')
        self.origin = self.useFixture(fakes.FakeGlanceServer())
        self.origin.add_image(self.secret.images[self.record['id']]['data'],
                              image_id=self.record['id'])
        self.origin.route('/start', b'')
        twofaced = ['127.0.0.1', PUBLIC]
        self.network = self.useFixture(FakeNetwork(self, {
            TWOFACED: twofaced, TWOFACED_IDN: twofaced,
            TWOFACED_IDN.encode('idna').decode(): twofaced,
            ORIGIN: [ORIGIN_ADDRESS]},
            {ORIGIN_ADDRESS: self.origin.port}, self.secret.port))
        # Glance's default filter, with the test servers' ports allowed.
        self.config(group='import_filtering_opts', allowed_hosts=[],
                    allowed_ports=[80, 443, self.secret.port,
                                   self.origin.port])
        self.useFixture(fixtures.MockPatchObject(
            selection, 'selected_elsewhere', return_value=None))

    def forms(self):
        return [(what, form.format(port=self.secret.port))
                for what, form in self.FORMS]

    def redirect_to(self, url):
        """The origin's data answers redirect to ``url``, the retries'
        too.
        """
        self.origin.clear_script()
        # As a server sends a Unicode Location: UTF-8 bytes (http.server
        # writes header text as Latin-1).
        location = url.encode('utf-8').decode('latin-1')
        self.origin.script(*[faults.Redirect(location)] * 3)

    def web_download(self, url):
        host = fakes.GlanceHost(stores=[None])
        fakes.run_like_glance(host.glances_flow(web_download.get_flow(
            **host.flow_kwargs(fakes.context(), {'name': 'web-download',
                                                 'uri': url}))))

    def glance_download(self, endpoint):
        host = fakes.GlanceHost(stores=[None])
        ctx = fakes.context(catalog=fakes.catalog_v2(('RegionOne',
                                                      endpoint)))
        fakes.run_like_glance(host.glances_flow(gd_plugin.get_flow(
            **host.flow_kwargs(ctx, {
                'name': 'glance-download',
                'glance_image_id': self.record['id'],
                'glance_region': 'RegionOne',
                'glance_service_interface': 'public'}))))

    def assert_never_reached(self, run, urls):
        for shape in fakes.GlanceRelease.SHAPES:
            release = fakes.GlanceRelease(shape)
            release.setUp()
            try:
                for what, url in urls:
                    case = '%s: %s (%s)' % (what, url, shape)
                    # UploadException, or TaskAbortedError for an import
                    # that failed while its flow was built.
                    self.assertRaises(glance_exception.GlanceException,
                                      run, url)
                    self.assertEqual([], self.network.loopback_tried(), case)
                    self.assertEqual([], self.secret.requests, case)
            finally:
                release.cleanUp()

    def test_web_download(self):
        self.assert_never_reached(self.web_download, [
            (what, url + '/secret') for what, url in self.forms()])

    def test_web_download_redirected(self):
        def redirected(url):
            self.redirect_to(url)
            self.web_download('http://%s:%d/start' % (ORIGIN,
                                                      self.origin.port))
        self.assert_never_reached(redirected, [
            (what, url + '/secret') for what, url in self.forms()])

    def test_glance_download_endpoint(self):
        self.assert_never_reached(self.glance_download, self.forms())

    def test_glance_download_redirected(self):
        def redirected(url):
            self.redirect_to(url)
            self.glance_download('http://%s:%d' % (ORIGIN, self.origin.port))
        path = '/v2/images/%s/file' % self.record['id']
        self.assert_never_reached(redirected, [
            (what, url + path) for what, url in self.forms()])

    def test_approved_address_is_used(self):
        # The same network serves an allowed host: the import works, at
        # the address the filter approved, for every release shape.
        for shape in fakes.GlanceRelease.SHAPES:
            with fakes.GlanceRelease(shape):
                self.network.connected[:] = []
                self.web_download('http://%s:%d/start' % (
                    ORIGIN, self.origin.port))
                self.assertEqual([ORIGIN_ADDRESS], self.network.connected)
        self.assertEqual([], self.secret.requests)
