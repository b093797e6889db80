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

"""Common set-up: configuration as a Glance API worker would have it."""

import logging
import os

import fixtures
# Registers [import_filtering_opts] (Glance's own import filter options).
import glance.async_.flows._internal_plugins  # noqa: F401
from glance.common import utils as glance_utils
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from oslo_log import log as oslo_log
import testtools

from glance_download import opts
from glance_download import selection
from glance_download import sessions
from tests.unit import fakes

CONF = cfg.CONF

opts.register_opts(CONF)

# keystoneauth1 of the 2024.1-2026.1 constraints (5.13.1 and older) has no
# tls_ciphers and tls_min_version session options (nor have we there).
KSA_TLS_OPTIONS = 'tls_min_version' in [
    o.dest for o in ks_loading.get_session_conf_options()]


def rule_refused(part):
    """What this Glance says when its ``part`` rule ('scheme', 'host',
    'port') refuses a URL: 33 names the rule, 28-32 only answer yes or no
    (glance_download.host.validated_address).
    """
    if hasattr(glance_utils, 'get_validated_address'):
        return '%s not allowed' % part
    return 'scheme, host or port not allowed'


class TestCase(testtools.TestCase):
    """Our options registered, fast timeouts, staging in a temp dir."""

    def setUp(self):
        super().setUp()
        self.addCleanup(CONF.reset)
        self.addCleanup(setattr, sessions, '_service_auth', None)
        self.addCleanup(selection.selected_elsewhere.cache_clear)
        self.logs = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG,
            format='%(levelname)s %(name)s %(message)s'))
        self.staging_dir = self.useFixture(fixtures.TempDir()).path
        self.config(enabled_backends=None,
                    node_staging_uri='file://%s' % self.staging_dir)
        self.config(group=opts.TRANSFER_GROUP, read_timeout=0.2,
                    connect_timeout=2.0, retry_delay=0.0, max_retries=2,
                    chunk_size=64 * 1024)
        self.config(group='import_filtering_opts',
                    allowed_hosts=['127.0.0.1'])

    def config(self, group=None, **overrides):
        for name, value in overrides.items():
            CONF.set_override(name, value, group=group)

    def resolve_with(self, getaddrinfo):
        """Let ``getaddrinfo`` answer every name lookup: ours (the
        standard library's) and Glance's (28-32 resolve through
        ``eventlet.green.socket``, which keeps its own reference).
        """
        self.useFixture(fixtures.MonkeyPatch('socket.getaddrinfo',
                                             getaddrinfo))
        self.useFixture(fixtures.MockPatchObject(
            glance_utils.socket, 'getaddrinfo', getaddrinfo))

    def allow_ports(self, *servers):
        self.config(group='import_filtering_opts',
                    allowed_ports=[s.port for s in servers])

    def two_servers(self, size):
        """``self.server`` and ``self.other``: two fake Glances (or web
        servers) the import filter lets through, a redirect's source and
        target; ``self.data``: ``size`` random bytes for them to serve.
        """
        self.server = self.useFixture(fakes.FakeGlanceServer())
        self.other = self.useFixture(fakes.FakeGlanceServer())
        self.allow_ports(self.server, self.other)
        self.data = os.urandom(size)

    def staged_path(self, image_id):
        return os.path.join(self.staging_dir, image_id)

    def debug_logging(self):
        """Every logger at DEBUG, keystoneauth1's included (oslo.log puts
        it at WARN unless the operator lowers it), but urllib3's, which
        stay at oslo.log's defaults: at DEBUG urllib3 logs each request
        line, query string and all, whoever sends the request.
        """
        levels = dict(level.split('=')
                      for level in oslo_log.get_default_log_levels())
        for name, level in [(name, level) for name, level in levels.items()
                            if name.startswith('urllib3.')] + [
                                ('keystoneauth', 'DEBUG')]:
            logger = logging.getLogger(name)
            self.addCleanup(logger.setLevel, logger.level)
            logger.setLevel(level)
