"""The import filter against a host name that resolves differently on
each lookup (DNS rebinding).

Glance 33 resolves the name once, checks the addresses and then connects
to the address it checked ("pinning"). A plugin that checks with Glance's
filter but lets requests resolve the name again can be sent to a loopback
or link-local address (the cloud metadata service) by a web-download URL
whose DNS record changes between the two lookups.
"""

import os
import socket
import unittest

import fixtures
from glance.common import exception as glance_exception

from glance_download.plugins import web_download
from tests.unit import base
from tests.unit import fakes

_real_getaddrinfo = socket.getaddrinfo


class DnsRebindingTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(fakes.FakeGlanceServer())
        # Loopback is refused by Glance's filter unless allowed by name.
        self.config(group='import_filtering_opts', allowed_hosts=[],
                    allowed_ports=[self.server.port])
        self.server.route('/secret', os.urandom(1000))
        self.host = fakes.GlanceHost(stores=[None])
        self.lookups = []

        def getaddrinfo(host, port, *args, **kwargs):
            name = host.rstrip('.')
            if name == 'loop.example':
                ip = '127.0.0.1'
            elif name == 'rebind.example':
                self.lookups.append(host)
                # Glance's filter looks up 'name.' (a trailing dot), the
                # HTTP client 'name': the record changed in between.
                ip = '93.184.216.34' if host.endswith('.') else '127.0.0.1'
            else:
                return _real_getaddrinfo(host, port, *args, **kwargs)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', (ip, port))]

        self.useFixture(fixtures.MonkeyPatch('socket.getaddrinfo',
                                             getaddrinfo))

    def test_loopback_name_refused(self):
        task = web_download.WebDownload(
            'http://loop.example:%d/secret' % self.server.port,
            task_id=self.host.task_id, task_type='api_image_import',
            action_wrapper=self.host.action_wrapper, stores=[None],
            task_repo=self.host.task_repo, image_repo=self.host.image_repo)
        exc = self.assertRaises(glance_exception.UploadException,
                                task.execute)
        self.assertIn("[import_filtering_opts]: no allowed addresses for "
                      "external host: loop.example", str(exc))
        self.assertEqual([], self.server.requests)

    @unittest.expectedFailure
    def test_rebinding_does_not_reach_loopback(self):
        # KNOWN BUG (reported): source.HttpSource checks the URL with
        # uri_filter.check (one lookup) and then requests resolves the
        # name again for the connection; the address checked is not the
        # address used.
        task = web_download.WebDownload(
            'http://rebind.example:%d/secret' % self.server.port,
            task_id=self.host.task_id, task_type='api_image_import',
            action_wrapper=self.host.action_wrapper, stores=[None],
            task_repo=self.host.task_repo, image_repo=self.host.image_repo)
        try:
            task.execute()
        except glance_exception.UploadException:
            pass
        self.assertIn('rebind.example', self.lookups)  # it was connected
        self.assertEqual([], self.server.requests,
                         'the loopback server was reached')
