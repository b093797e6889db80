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

"""What the environment (GD_*) asks of the cloud, read and checked once."""

import os

from gdcloud import ceph_conf
from gdcloud import rabbitmq
from gdcloud import series
from gdcloud import state
from gdcloud import util

MODES = ('uwsgi', 'standalone')
DATABASES = ('sqlite', 'mariadb')
STORES = ('file', 'rbd')
# Glance's [image_conversion] output_format choices.
CONVERSIONS = ('raw', 'qcow2', 'vmdk')


class Settings(object):

    def __init__(self, repo):
        self.series = series.get(os.environ.get('GD_GLANCE_SERIES') or
                                 series.NEWEST.name)
        self.mode = os.environ.get('GD_GLANCE_MODE') or 'uwsgi'
        if self.mode not in MODES:
            raise util.CloudError('GD_GLANCE_MODE=%s: one of %s'
                                  % (self.mode, ', '.join(MODES)))
        if self.mode == 'standalone' and not self.series.eventlet:
            raise util.CloudError(
                'GD_GLANCE_MODE=standalone: Glance %s (%s) has no eventlet '
                'server (the glance-api command is gone); run it under uWSGI'
                % (self.series.glance, self.series.name))
        self.dir = state.default_dir(repo)
        self.shared_venv = bool(os.environ.get('GD_CLOUD_VENV'))
        self.venv = os.path.abspath(os.environ.get('GD_CLOUD_VENV') or
                                    os.path.join(self.dir, 'venv'))
        # Keystone runs at the newest release for every series: from this
        # venv when it is the newest series' own, else from the newest
        # series' venv in the default state dir (installed once, shared).
        if self.series is series.NEWEST:
            self.keystone_venv = self.venv
        else:
            self.keystone_venv = os.path.join(
                state.default_dir(repo, {}), 'venv')
        self.keystone_port = util.env_int('GD_KEYSTONE_PORT', 5000)
        self.glance_ports = [util.env_int('GD_GLANCE1_PORT', 9292),
                             util.env_int('GD_GLANCE2_PORT', 9293)]
        self.web_port = util.env_int('GD_WEB_PORT', 8090)
        self.proxy_port = util.env_int('GD_PROXY_PORT', 9295)
        self.trap_port = util.env_int('GD_TRAP_PORT', 9296)
        self.horizon_port = util.env_int('GD_HORIZON_PORT', 8000)
        self.token_expiration = util.env_int('GD_TOKEN_EXPIRATION', 14400)
        self.service_token = os.environ.get('GD_SERVICE_TOKEN', '0') == '1'
        self.task_pool_threads = os.environ.get('GD_TASK_POOL_THREADS')
        if self.task_pool_threads is not None:
            util.env_int('GD_TASK_POOL_THREADS', 0)
        self.glance2_processes = util.env_int('GD_GLANCE2_PROCESSES', 2)
        self.glance2_nodes = util.env_int('GD_GLANCE2_NODES', 1)
        if self.glance2_nodes not in (1, 2):
            raise util.CloudError('GD_GLANCE2_NODES must be 1 or 2, not %d'
                                  % self.glance2_nodes)
        self.glance2b_port = util.env_int('GD_GLANCE2B_PORT', 9297)
        self.db = os.environ.get('GD_DB') or 'sqlite'
        if self.db not in DATABASES:
            raise util.CloudError('GD_DB must be one of %s, not %r'
                                  % (', '.join(DATABASES), self.db))
        self.db_port = util.env_int('GD_DB_PORT', 3306)
        self.store = os.environ.get('GD_STORE') or 'file'
        if self.store not in STORES:
            raise util.CloudError('GD_STORE must be one of %s, not %r'
                                  % (', '.join(STORES), self.store))
        self.ceph_mon_port = util.env_int('GD_CEPH_MON_PORT', 3300)
        self.ceph_port_min = util.env_int('GD_CEPH_PORT_MIN', 6800)
        self.glance2_stores = util.env_int('GD_GLANCE2_STORES', 1)
        if self.glance2_stores not in (1, 2):
            raise util.CloudError('GD_GLANCE2_STORES must be 1 or 2, not %d'
                                  % self.glance2_stores)
        self.convert = os.environ.get('GD_CONVERT') or None
        if self.convert not in (None,) + CONVERSIONS:
            raise util.CloudError('GD_CONVERT must be one of %s (or unset), '
                                  'not %r' % (', '.join(CONVERSIONS),
                                              self.convert))
        self.rabbitmq = os.environ.get('GD_RABBITMQ') or '0'
        if self.rabbitmq not in ('0', '1'):
            raise util.CloudError('GD_RABBITMQ must be 0 or 1, not %r'
                                  % self.rabbitmq)
        self.rabbitmq = self.rabbitmq == '1'
        if self.rabbitmq and len(self.dir.split()) > 1:
            # RabbitMQ's start script splits its Erlang arguments, which
            # name a file in it, at blanks.
            raise util.CloudError('GD_RABBITMQ=1 needs a state directory '
                                  'without blanks, not %r' % self.dir)
        self.rabbitmq_port = util.env_int('GD_RABBITMQ_PORT', 5672)
        self.rabbitmq_dist_port = util.env_int('GD_RABBITMQ_DIST_PORT', 25672)
        self.epmd_port = util.env_int('GD_EPMD_PORT', 4369)
        self.admin_password = os.environ.get('GD_ADMIN_PASSWORD', 'admin')
        self.timeout = float(os.environ.get('GD_CLOUD_TIMEOUT', '90'))
        # Horizon's first page compiles its SCSS: minutes on a busy machine.
        self.horizon_timeout = float(os.environ.get('GD_CLOUD_TIMEOUT',
                                                    '300'))
        self.skip_plugin_check = \
            os.environ.get('GD_SKIP_PLUGIN_CHECK') == '1'
        self.auth_url = 'http://127.0.0.1:%d/v3' % self.keystone_port
        ports = [self.keystone_port] + self.all_glance_ports + \
            [self.proxy_port, self.trap_port, self.horizon_port] + \
            ([self.db_port] if self.db == 'mariadb' else []) + \
            (self.ceph_ports if self.store == 'rbd' else []) + \
            (self.rabbitmq_ports if self.rabbitmq else [])
        if len(set(ports)) != len(ports):
            raise util.CloudError('the Keystone, Glance, proxy, trap, '
                                  'Horizon, database, RabbitMQ and Ceph '
                                  'ports must differ: %s' % ports)

    @property
    def ceph_ports(self):
        """The monitor's port and the block the OSD and manager bind in."""
        return [self.ceph_mon_port] + list(range(
            self.ceph_port_min, self.ceph_port_min + ceph_conf.PORT_SPAN))

    @property
    def rabbitmq_ports(self):
        """AMQP, Erlang distribution and epmd, and the block above the
        distribution port that rabbitmqctl's own node binds in.
        """
        return [self.rabbitmq_port, self.epmd_port] + list(range(
            self.rabbitmq_dist_port,
            self.rabbitmq_dist_port + rabbitmq.CTL_PORTS + 1))

    @property
    def all_glance_ports(self):
        """Every glance-api's port: RegionOne's, RegionTwo's node(s)."""
        return self.glance_ports + (
            [self.glance2b_port] if self.glance2_nodes == 2 else [])
