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

"""tools/cloud's GD_RABBITMQ switch: what the environment may say, what
each region's glance-api.conf gets (and does not get without the switch),
the broker's environment, files and definitions, and the Debian package."""

import configparser
import json
import os
import stat
import types

import fixtures
import testtools

from gdcloud import debian
from gdcloud import glance
from gdcloud import rabbitmq
from gdcloud import settings
from gdcloud import state
from gdcloud import util
import tests

REPO = tests.REPO
SWITCHES = ('GD_RABBITMQ', 'GD_RABBITMQ_PORT', 'GD_RABBITMQ_DIST_PORT',
            'GD_EPMD_PORT', 'GD_KEYSTONE_PORT', 'GD_CLOUD_DIR', 'GD_DB',
            'GD_STORE', 'GD_CONVERT', 'GD_GLANCE2_STORES',
            'GD_GLANCE2_NODES', 'GD_SERVICE_TOKEN', 'GD_TASK_POOL_THREADS')


class Switches(fixtures.Fixture):
    """The GD_* of ``env`` set, every other switch of the cloud unset."""

    def __init__(self, **env):
        super().__init__()
        self.env = env

    def _setUp(self):
        for name in SWITCHES:
            self.useFixture(fixtures.EnvironmentVariable(
                name, self.env.get(name)))


class CloudFixture(fixtures.Fixture):
    """Settings from ``env`` and the parts of a Cloud that the broker and
    a glance-api's config read, over a state directory in a temporary
    directory.
    """

    def __init__(self, **env):
        super().__init__()
        self.env = env

    def _setUp(self):
        self.dir = self.useFixture(fixtures.TempDir()).join('state')
        self.useFixture(Switches(GD_CLOUD_DIR=self.dir, **self.env))
        self.settings = settings.Settings(REPO)
        self.ctx = types.SimpleNamespace(
            settings=self.settings, state=state.StateDir(self.dir),
            venv=types.SimpleNamespace(py='/venv/bin/python'),
            database=types.SimpleNamespace(url=lambda name: 'sqlite://'),
            ceph=None, broker=None)
        if self.settings.rabbitmq:
            self.ctx.broker = rabbitmq.Broker(self.ctx)
            self.ctx.state.create(self.ctx.broker.dirs())


class SettingsTest(testtools.TestCase):

    def settings(self, **env):
        self.useFixture(Switches(**env))
        return settings.Settings(REPO)

    def test_off_by_default(self):
        s = self.settings()
        self.assertEqual((False, 5672, 25672, 4369),
                         (s.rabbitmq, s.rabbitmq_port, s.rabbitmq_dist_port,
                          s.epmd_port))

    def test_only_0_or_1(self):
        error = self.assertRaises(util.CloudError, self.settings,
                                  GD_RABBITMQ='yes')
        self.assertIn("GD_RABBITMQ must be 0 or 1, not 'yes'", str(error))
        self.assertTrue(self.settings(GD_RABBITMQ='1').rabbitmq)
        self.assertFalse(self.settings(GD_RABBITMQ='0').rabbitmq)

    def test_ports_must_not_clash(self):
        error = self.assertRaises(util.CloudError, self.settings,
                                  GD_RABBITMQ='1', GD_EPMD_PORT='5000')
        self.assertIn('RabbitMQ and Ceph ports must differ', str(error))
        # rabbitmqctl's node binds in the ten ports above the dist port.
        error = self.assertRaises(util.CloudError, self.settings,
                                  GD_RABBITMQ='1',
                                  GD_RABBITMQ_DIST_PORT='4990')
        self.assertIn('RabbitMQ and Ceph ports must differ', str(error))
        # Without the switch its ports are not used.
        self.settings(GD_EPMD_PORT='5000')

    def test_state_dir_without_blanks(self):
        error = self.assertRaises(util.CloudError, self.settings,
                                  GD_RABBITMQ='1', GD_CLOUD_DIR='/a b/c')
        self.assertIn('needs a state directory without blanks', str(error))


class GlanceConfTest(testtools.TestCase):

    def conf(self, **env):
        ctx = self.useFixture(CloudFixture(**env)).ctx
        confs = {}
        for port, name, region in ((9292, 'glance1', 'RegionOne'),
                                   (9293, 'glance2', 'RegionTwo')):
            # [DEFAULT] as a section of its own, not in every section.
            parser = configparser.ConfigParser(interpolation=None,
                                               default_section='-')
            parser.read_string(glance.GlanceApi(
                ctx, port, name, region).conf().replace(ctx.state.dir,
                                                        '<state>'))
            confs[region] = parser
        return ctx, confs

    def test_both_regions_notify_the_broker_without_retrying(self):
        ctx, confs = self.conf(GD_RABBITMQ='1', GD_RABBITMQ_PORT='15672')
        password = util.read(ctx.broker.password_file)
        for region, conf in confs.items():
            self.assertEqual(
                {'driver': 'messagingv2',
                 'transport_url': 'rabbit://openstack:%s@127.0.0.1:15672/'
                                  'openstack' % password,
                 'retry': '0'},
                dict(conf['oslo_messaging_notifications']))
            self.assertEqual('image.%s' % region,
                             conf['DEFAULT']['default_publisher_id'])

    def test_nothing_without_the_switch(self):
        _, without = self.conf()
        _, with_broker = self.conf(GD_RABBITMQ='1')
        for region, conf in without.items():
            self.assertNotIn('oslo_messaging_notifications', conf)
            self.assertNotIn('default_publisher_id', conf['DEFAULT'])
            other = with_broker[region]
            other.remove_section('oslo_messaging_notifications')
            other.remove_option('DEFAULT', 'default_publisher_id')
            self.assertEqual({s: dict(conf[s]) for s in conf},
                             {s: dict(other[s]) for s in other})


class BrokerTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(CloudFixture(
            GD_RABBITMQ='1', GD_RABBITMQ_PORT='15672',
            GD_RABBITMQ_DIST_PORT='25772', GD_EPMD_PORT='14369'))
        self.broker = self.cloud.ctx.broker

    def test_environment_keeps_it_in_its_directory_and_on_loopback(self):
        env = self.broker.env()
        self.assertEqual(
            {'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
             'RABBITMQ_NODE_PORT': '15672', 'RABBITMQ_DIST_PORT': '25772',
             'RABBITMQ_CTL_DIST_PORT_MIN': '25773',
             'RABBITMQ_CTL_DIST_PORT_MAX': '25782',
             'ERL_EPMD_PORT': '14369', 'ERL_EPMD_ADDRESS': '127.0.0.1',
             'RABBITMQ_LOGS': '-'},
            {k: env[k] for k in ('RABBITMQ_NODE_IP_ADDRESS',
                                 'RABBITMQ_NODE_PORT', 'RABBITMQ_DIST_PORT',
                                 'RABBITMQ_CTL_DIST_PORT_MIN',
                                 'RABBITMQ_CTL_DIST_PORT_MAX',
                                 'ERL_EPMD_PORT', 'ERL_EPMD_ADDRESS',
                                 'RABBITMQ_LOGS')})
        for name in ('HOME', 'RABBITMQ_MNESIA_BASE', 'RABBITMQ_LOG_BASE',
                     'RABBITMQ_CONFIG_FILE', 'RABBITMQ_ADVANCED_CONFIG_FILE',
                     'RABBITMQ_CONF_ENV_FILE',
                     'RABBITMQ_ENABLED_PLUGINS_FILE'):
            self.assertTrue(env[name].startswith(self.broker.dir + '/'),
                            '%s=%s' % (name, env[name]))
        self.assertEqual(os.path.join(self.cloud.dir, 'run', 'rabbitmq.pid'),
                         env['RABBITMQ_PID_FILE'])
        # No Erlang VM of theirs may start an epmd of its own (-daemon, a
        # PID nobody knows), nor listen beyond loopback.
        self.assertEqual('-start_epmd false', env['ERL_AFLAGS'])
        for name in ('RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS',
                     'RABBITMQ_CTL_ERL_ARGS'):
            self.assertIn('-kernel inet_dist_use_interface {127,0,0,1}',
                          env[name])
        # The VM's command line names its pidfile: found by it.
        self.assertIn(self.broker.server.identity,
                      env['RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS'].split())
        # Nothing of the caller's environment.
        self.useFixture(fixtures.EnvironmentVariable('RABBITMQ_NODENAME',
                                                     'theirs@elsewhere'))
        self.assertEqual('gdcloud@localhost',
                         self.broker.env()['RABBITMQ_NODENAME'])

    def test_password_made_once_readable_by_owner_only(self):
        password = self.broker.password()
        self.assertGreaterEqual(len(password), 32)
        self.assertEqual(password, self.broker.password())
        self.assertEqual(0o600, stat.S_IMODE(
            os.stat(self.broker.password_file).st_mode))
        self.assertEqual('rabbit://openstack:%s@127.0.0.1:15672/openstack'
                         % password, self.broker.transport_url())

    def test_definitions_and_config(self):
        files = self.broker.files()
        definitions = json.loads(files['rabbitmq/definitions.json'])
        self.assertEqual([{'name': 'openstack'}], definitions['vhosts'])
        self.assertEqual([{'name': 'openstack', 'tags': '',
                           'password': self.broker.password()}],
                         definitions['users'])
        self.assertEqual([{'user': 'openstack', 'vhost': 'openstack',
                           'configure': '.*', 'write': '.*', 'read': '.*'}],
                         definitions['permissions'])
        (policy,) = definitions['policies']
        self.assertEqual(('openstack', '.*', 'queues', 10000),
                         (policy['vhost'], policy['pattern'],
                          policy['apply-to'],
                          policy['definition']['max-length']))
        self.assertIn('load_definitions = %s/definitions.json\n'
                      % self.broker.dir, files['rabbitmq/rabbitmq.conf'])
        self.assertEqual('[].\n', files['rabbitmq/enabled_plugins'])
        self.assertEqual('', files['rabbitmq/rabbitmq-env.conf'])

    def test_epmd_in_the_foreground_on_loopback(self):
        self.useFixture(fixtures.MonkeyPatch(
            'gdcloud.debian.program', lambda name: '/usr/bin/%s' % name))
        self.assertEqual(['/usr/bin/epmd', '-address', '127.0.0.1',
                          '-port', '14369'], self.broker.epmd.argv())
        self.assertEqual(['epmd', 'rabbitmq'],
                         [s.name for s in self.broker.servers()])
        self.assertGreater(self.broker.epmd.stop_wave,
                           self.broker.server.stop_wave)


class BindepTest(testtools.TestCase):

    def test_profile(self):
        self.assertEqual(['rabbitmq-server'], debian.packages('rabbitmq'))
