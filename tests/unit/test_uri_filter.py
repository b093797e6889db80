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

"""uri_filter: Glance's [import_filtering_opts] applied to our URLs."""

from unittest import mock

from glance.common import exception as glance_exception
from keystoneauth1 import session as ks_session
import requests
from requests import adapters

from glance_download import errors
from glance_download import uri_filter
from tests.unit import base


class UriFilterTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(group='import_filtering_opts', allowed_ports=[8080])

    def test_allowed(self):
        self.assertEqual(
            ('http://127.0.0.1:8080/x', '127.0.0.1'),
            uri_filter.check('http://127.0.0.1:8080/x', 'it'))

    def test_judged_as_sent(self):
        # requests sends an empty port as none, a port with a leading zero
        # as the number, the host in lower case: the filter judges that.
        for url, sent in (('http://127.0.0.1:/x', 'http://127.0.0.1/x'),
                          ('http://127.0.0.1:08080/x',
                           'http://127.0.0.1:8080/x'),
                          ('HTTP://127.0.0.1:8080/x',
                           'http://127.0.0.1:8080/x')):
            self.config(group='import_filtering_opts',
                        allowed_ports=[80, 8080])
            self.assertEqual(sent, uri_filter.check(url, 'it').url, url)
        self.config(group='import_filtering_opts', allowed_ports=[80])
        exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                'http://127.0.0.1:08080/x', 'it')
        self.assertIn(base.rule_refused('port'), str(exc))

    def test_user_info_refused(self):
        for url in ('http://u:s3cret@127.0.0.1:8080/x',
                    'http://u@127.0.0.1:8080/x',
                    'http://127.0.0.1:8080@127.0.0.2:8080/x'):
            exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                    url, 'The image URL')
            self.assertEqual(
                'The image URL (http://%s/x) is not allowed: it holds a '
                'user name or password (user:password@); give a URL '
                'without them (a signed URL, for example).'
                % url.split('@')[-1].split('/')[0], str(exc))

    def test_unicode_host_refused(self):
        exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                'http://h\u00e9.example:8080/x', 'It')
        self.assertEqual(
            'It (http://h\u00e9.example:8080/x) is not allowed: its host name '
            'is not plain ASCII; give it in its IDNA form '
            '(xn--h-bga.example).', str(exc))

    def test_refused_port(self):
        exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                'http://127.0.0.1:9292/v2', 'The endpoint')
        self.assertIsInstance(exc, glance_exception.UploadException)
        self.assertEqual(
            "The endpoint (http://127.0.0.1:9292/v2) is not allowed by this "
            "Glance's [import_filtering_opts]: %s for external URI: "
            "http://127.0.0.1:9292/v2." % base.rule_refused('port'), str(exc))

    def test_refused_host_and_scheme(self):
        for url, part in (('http://10.1.2.3:8080/', 'host'),
                          ('ftp://127.0.0.1:8080/', 'scheme')):
            why = base.rule_refused(part)
            exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                    url, 'it')
            self.assertIn('[import_filtering_opts]: %s' % why, str(exc))

    def test_loopback_refused_unless_allowed_by_name(self):
        self.config(group='import_filtering_opts', allowed_hosts=[])
        exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                'http://127.0.0.1:8080/', 'it')
        self.assertIn('[import_filtering_opts]', str(exc))

    def test_redact(self):
        self.assertEqual(
            'https://host.example:8443/path/x',
            uri_filter.redact('https://u:secret@host.example:8443/path/x'
                              '?sig=abc#frag'))
        self.assertEqual('http://h/', uri_filter.redact('http://h/'))
        self.assertEqual('', uri_filter.redact(None))

    def test_refusal_does_not_repeat_secrets_of_the_url(self):
        # web-download URLs can carry credentials (user info, signed query
        # strings); the message the user and the logs see must not.
        for url in ('http://127.0.0.1:9292/img?X-Signature=s3cr3t',
                    'http://user:pa55@127.0.0.1:9292/img'):
            exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                    url, 'The image URL')
            self.assertIn('The image URL (http://127.0.0.1:9292/img) is '
                          'not allowed', str(exc))
            self.assertNotIn('s3cr3t', str(exc))
            self.assertNotIn('pa55', str(exc))

    def test_invalid_url_is_refused_without_its_secrets(self):
        for url, why in (
                ('http://u:s3cret@127.0.0.1:8o80/x?sig=SECRET',
                 'http://127.0.0.1:8o80/x'),
                ('http://u:s3cret@127.0.0.1:99999/x?sig=SECRET',
                 'http://127.0.0.1:99999/x'),
                ('http://u:s3cret@[::1/x?sig=SECRET', 'an invalid URL')):
            exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                    url, 'The image URL')
            self.assertIn('The image URL (%s) is not allowed' % why,
                          str(exc))
            self.assertNotIn('s3cret', str(exc))
            self.assertNotIn('SECRET', str(exc))

    def test_redact_keeps_an_ipv6_address(self):
        self.assertEqual('http://[::1]:8080/x',
                         uri_filter.redact('http://u:p@[::1]:8080/x?s=1'))

    def test_no_url(self):
        for url in (None, ''):
            exc = self.assertRaises(errors.ImportFailed, uri_filter.check,
                                    url, 'The image URL')
            self.assertEqual("The image URL () is not allowed by this "
                             "Glance's [import_filtering_opts]: empty "
                             "external URI.", str(exc))


class PinTest(base.TestCase):

    def test_keystoneauth_without_tls_options(self):
        # keystoneauth1 releases before tls_ciphers/tls_min_version (5.8.0,
        # which older Glance releases' constraints install) have an adapter
        # with requests' __init__, which takes no such arguments, and a
        # pool manager without TLS settings: nothing unset is passed on.
        old_keystoneauth = {
            name: getattr(adapters.HTTPAdapter, name)
            for name in ('__init__', 'init_poolmanager')}
        with mock.patch.multiple(ks_session.TCPKeepAliveAdapter,
                                 **old_keystoneauth):
            session = requests.Session()
            uri_filter.pin(session, uri_filter.Approved(
                'https://example.test:8443/x', '127.0.0.1'))
        pinned = session.adapters['https://']
        self.assertIs(pinned, session.adapters['http://'])
        self.assertEqual('127.0.0.1',
                         pinned.address('https://EXAMPLE.test:8443/y'))

    def test_only_approved_destinations(self):
        session = requests.Session()
        uri_filter.pin(session, uri_filter.Approved(
            'http://example.test:8080/x', '127.0.0.1'))
        uri_filter.pin(session, uri_filter.Approved(
            'https://other.test/', '127.0.0.2'))
        adapter = session.adapters['http://']
        self.assertEqual('127.0.0.2',
                         adapter.address('https://other.test:443'))
        for url in ('http://example.test/x', 'https://example.test:8080/x',
                    'http://other.test/', 'http://example.test.:8080/x'):
            exc = self.assertRaises(errors.ImportFailed, adapter.address,
                                    url)
            self.assertIn('Refused to connect to', str(exc))
