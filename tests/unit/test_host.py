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

"""host: what differs between Glance releases, decided by what Glance has."""

import socket
import sqlite3

import fixtures
from glance.common import utils as glance_utils
import testtools

from glance_download import host
from tests.unit import base
from tests.unit import fakes


class RetryOnDbLockTest(base.TestCase):

    def flaky_write(self, failures):
        """A write that meets SQLite's lock ``failures`` times."""
        calls = []

        def write():
            calls.append(1)
            if len(calls) <= failures:
                raise sqlite3.OperationalError('database is locked')
            return 'saved'
        return write, calls

    @testtools.skipUnless(hasattr(glance_utils, 'retry_on_db_lock'),
                          'this Glance has no retry_on_db_lock (28-32)')
    def test_glance_retries_where_it_can(self):
        # Glance 33: its own helper retries the write on lock errors.
        write, calls = self.flaky_write(2)
        self.assertEqual('saved', host.retry_on_db_lock(write))
        self.assertEqual(3, len(calls))

    def test_one_try_where_glance_has_no_helper(self):
        # Glance 28-32 have no retry_on_db_lock: the write is made once,
        # as Glance makes its own, instead of an AttributeError.
        self.useFixture(fixtures.MonkeyPatch(
            'glance.common.utils.retry_on_db_lock', fixtures.MonkeyPatch.
            delete))
        self.assertFalse(hasattr(glance_utils, 'retry_on_db_lock'))
        write, calls = self.flaky_write(0)
        self.assertEqual('saved', host.retry_on_db_lock(write))
        write, calls = self.flaky_write(1)
        self.assertRaises(sqlite3.OperationalError, host.retry_on_db_lock,
                          write)
        self.assertEqual(1, len(calls))


_real_getaddrinfo = socket.getaddrinfo
# Names this test resolves itself; anything else as the system does.
_NAMES = {'loop.example': '127.0.0.1', 'meta.example': '169.254.169.254',
          'mapped.example': '::ffff:127.0.0.1',
          'intranet.example': '10.0.0.5', 'public.example': '192.0.2.10'}


def _getaddrinfo(host, port, *args, **kwargs):
    name = host.rstrip('.')
    if name.endswith('.invalid'):
        raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
    ip = _NAMES.get(name)
    if ip is None:
        return _real_getaddrinfo(host, port, *args, **kwargs)
    family = socket.AF_INET6 if ':' in ip else socket.AF_INET
    return [(family, socket.SOCK_STREAM, 6, '', (ip, port))]


class ValidatedAddressTest(base.TestCase):
    """The same URLs refused and the same address pinned on every release.

    Each case runs against the host as the running Glance has it and
    against the two older shapes made from it: 29.2.1-32
    (``validate_import_uri`` and ``normalize_hostname``, no
    ``get_validated_address``) and 28 (only ``validate_import_uri``).
    """

    # (allowed_hosts, disallowed_hosts, url, address or None = refused)
    CASES = [
        ([], [], 'http://public.example:8080/x', '192.0.2.10'),
        ([], [], 'http://192.0.2.10/x', '192.0.2.10'),
        ([], [], 'http://10.0.0.5/x', '10.0.0.5'),  # private: allowed
        ([], [], 'http://127.0.0.1/x', None),
        ([], [], 'http://loop.example/x', None),
        ([], [], 'http://[::1]/x', None),
        ([], [], 'http://mapped.example/x', None),
        ([], [], 'http://169.254.169.254/latest/meta-data', None),
        ([], [], 'http://meta.example/x', None),
        ([], [], 'http://2130706433/x', None),  # 127.0.0.1, encoded
        ([], [], 'http://127.1/x', None),
        ([], [], 'http://no-such-host.invalid/x', None),
        ([], [], 'ftp://public.example/x', None),
        ([], [], '', None),
        (['127.0.0.1'], [], 'http://127.0.0.1:9292/v2', '127.0.0.1'),
        (['loop.example'], [], 'http://loop.example/x', '127.0.0.1'),
        (['127.0.0.1'], [], 'http://public.example/x', None),
        ([], ['10.0.0.5'], 'http://intranet.example/x', None),
        ([], ['intranet.example'], 'http://intranet.example/x', None),
        ([], ['192.0.2.99'], 'http://public.example/x', '192.0.2.10'),
    ]

    def setUp(self):
        super().setUp()
        self.resolve_with(_getaddrinfo)

    def check(self, shape):
        self.useFixture(fakes.GlanceRelease(shape))
        for allowed, denied, url, address in self.CASES:
            self.config(group='import_filtering_opts', allowed_hosts=allowed,
                        disallowed_hosts=denied, allowed_ports=[])
            case = '%s %s %s (%s)' % (url, allowed, denied, shape)
            if address is None:
                self.assertRaises(ValueError, host.validated_address, url)
            else:
                self.assertEqual(address, host.validated_address(url), case)

    def test_this_glance(self):
        self.check('this')

    def test_glance_29_to_32(self):
        self.check('29-32')

    def test_glance_28(self):
        self.check('28')

    def test_refusal_names_the_url_on_older_releases(self):
        self.useFixture(fakes.GlanceRelease('28'))
        self.config(group='import_filtering_opts', allowed_hosts=[],
                    allowed_ports=[8080])
        exc = self.assertRaises(ValueError, host.validated_address,
                                'http://public.example:9292/v2')
        self.assertEqual('scheme, host or port not allowed for external '
                         'URI: http://public.example:9292/v2', str(exc))
        exc = self.assertRaises(ValueError, host.validated_address,
                                'http://loop.example:8080/')
        self.assertEqual('no allowed addresses for external host: '
                         'loop.example', str(exc))
