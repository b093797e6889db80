"""The import filter against a host name that resolves differently on
each lookup (DNS rebinding).

Glance 33 resolves the name once, checks the addresses and then connects
to the address it checked ("pinning"). A plugin that checks with Glance's
filter but lets requests resolve the name again can be sent to an address
the filter never approved (a loopback service, the cloud metadata service)
by a URL whose DNS record changes between the two lookups.

Only loopback addresses are used: 127.0.0.1 is the address the filter
approves, 127.0.0.2 the one a second lookup would lead to.
"""

import os
import socket

from glance.common import exception as glance_exception

from glance_download.plugins import web_download
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
