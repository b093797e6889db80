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

"""Ceph RBD image stores (GD_STORE=rbd), as production regions keep their
images: a single-node Ceph cluster from Debian's packages (bindep.txt,
profile rbd), not their system services.

One monitor, one manager and one OSD (BlueStore on a sparse file) of our
own, on 127.0.0.1 only, data in <state dir>/ceph/, sockets, pidfiles and
logs beside the other servers', each started and stopped by PID. One
cluster with a pool and a cephx user per region (glance1, glance2): a
region's Glance reaches only its own pool, as with a cluster per region,
for one set of daemons (about 240 MiB fresh, made and ready in 11-15 s
on a 2-core machine) instead of two.
Glance's venv reaches Debian's rados and rbd modules through a .pth file
naming a directory of two symlinks (gdcloud.ceph_bindings).
"""

import json
import os
import shutil
import socket
import subprocess
import time
import uuid

from gdcloud import ceph_bindings
from gdcloud import ceph_conf
from gdcloud import debian
from gdcloud import service
from gdcloud import util

READY_TIMEOUT = 120
# Each ceph CLI call costs about 0.3 s: poll no faster.
POLL = 0.5
PG_NUM = '8'


class Daemon(service.Service):
    """ceph-mon, ceph-mgr or ceph-osd; it daemonises and writes its
    pidfile, and its command line names ceph.conf.
    """

    def __init__(self, cluster, kind, daemon_id, port=None):
        super().__init__(cluster.ctx, port)
        self.cluster = cluster
        self.kind = kind
        self.id = daemon_id
        self.name = 'ceph-%s' % kind

    @property
    def ports(self):
        return [self.port] if self.port else []

    @property
    def identity(self):
        return self.cluster.conf

    @property
    def socket(self):
        return self.ctx.state.run_file(self.name, 'asok')

    def files(self):
        # The three share it (written once): a change restarts them all.
        return {os.path.relpath(self.cluster.conf, self.ctx.state.dir):
                ceph_conf.text(self.cluster)}

    def launch(self):
        with open(self.log, 'ab') as out:
            rc = subprocess.call(
                [debian.program(self.name), '-i', self.id, '-c',
                 self.cluster.conf], cwd=self.ctx.state.run,
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while rc != 0 or self.ctx.supervisor.pid(self) is None:
            if rc != 0 or time.time() > deadline:
                raise util.CloudError('%s did not start (exit %d); end of '
                                      '%s:\n%s' % (self.name, rc, self.log,
                                                   util.tail(self.log, 20)))
            time.sleep(0.1)

    def answering(self, port=None):
        """Whether its admin socket takes connections (the OSD and the
        manager pick their ports themselves).
        """
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            return s.connect_ex(self.socket) == 0

    def describe(self):
        return self.cluster.describe() if self.kind == 'mon' else ''


class Cluster(object):
    """The cluster; ``store_options(glance)`` for each region's store."""

    def __init__(self, ctx):
        self.ctx = ctx
        settings = ctx.settings
        self.dir = ctx.state.path('ceph')
        self.conf = os.path.join(self.dir, 'ceph.conf')
        self.mon_port = settings.ceph_mon_port
        self.port_min = settings.ceph_port_min
        self.daemons = {'mon': Daemon(self, 'mon', 'a', self.mon_port),
                        'mgr': Daemon(self, 'mgr', 'x'),
                        'osd': Daemon(self, 'osd', '0')}
        self.mon = self.daemons['mon']
        self.stamp = os.path.join(self.dir, '.bootstrapped')

    def servers(self):
        """In the order they start."""
        return [self.daemons[k] for k in ('mon', 'mgr', 'osd')]

    @staticmethod
    def pool(glance):
        """A region's pool and cephx user: its first node's name."""
        return glance.first.name

    def store_options(self, glance):
        return {'rbd_store_ceph_conf': self.conf,
                'rbd_store_pool': self.pool(glance),
                'rbd_store_user': self.pool(glance)}

    def ceph(self, *args, timeout=30):
        """Run the ceph CLI as client.admin; return its output."""
        argv = [debian.program('ceph'), '-c', self.conf,
                '--connect-timeout', str(timeout)] + list(args)
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            raise util.CloudError('ceph %s failed (exit %d): %s' % (
                ' '.join(args), proc.returncode,
                proc.stdout.decode(errors='replace').strip()))
        return proc.stdout.decode()

    # ------------------------------------------------------------ up

    def up(self, start):
        """Install the packages and the bindings if needed, make the
        cluster (first time) and start its daemons; ``start`` is
        Cloud.start for a list of servers (restarts on a changed
        ceph.conf).
        """
        debian.ensure('rbd', 'GD_STORE=rbd', self.ctx.setup)
        ceph_bindings.ensure(self.ctx.venv)
        made = util.read(self.stamp)
        if made is None:
            self._make(start)
            return
        if made.strip() != str(self.mon_port):
            self._move_mon(made.strip())
        start(self.servers())

    def _make(self, start):
        t0 = time.time()
        # A cluster whose making was interrupted starts over.
        self.ctx.supervisor.stop_many(self.servers())
        for entry in os.listdir(self.dir):
            if entry != 'ceph.conf':
                full = os.path.join(self.dir, entry)
                if os.path.isdir(full):
                    shutil.rmtree(full)
                else:
                    os.unlink(full)
        self._make_mon()
        start([self.mon])
        self._make_mgr()
        start([self.daemons['mgr']])
        self._make_osd()
        start([self.daemons['osd']])
        for glance in self.ctx.first_glances:
            self._make_pool(self.pool(glance))
        util.write(self.stamp, '%d\n' % self.mon_port)
        util.log('Ceph made in %.1f s' % (time.time() - t0))

    def _move_mon(self, old_port):
        """GD_CEPH_MON_PORT changed: the monitor's map still names the old
        address, which it would bind and clients would not find.
        """
        util.log('moving the Ceph monitor from port %s to %d'
                 % (old_port, self.mon_port))
        self.ctx.supervisor.stop_many([self.mon])
        monmap = os.path.join(self.dir, 'monmap')
        self._tool('ceph-mon', '-c', self.conf, '-i', 'a',
                   '--extract-monmap', monmap)
        # Two runs: monmaptool adds before it removes.
        self._tool('monmaptool', '--rm', 'a', monmap)
        self._tool('monmaptool', '--addv', 'a', self._mon_address(), monmap)
        self._tool('ceph-mon', '-c', self.conf, '-i', 'a',
                   '--inject-monmap', monmap)
        util.write(self.stamp, '%d\n' % self.mon_port)

    def _mon_address(self):
        return '[v2:127.0.0.1:%d]' % self.mon_port

    def _tool(self, name, *args):
        self.ctx.setup.check_call(name, [debian.program(name)] + list(args))

    def _make_mon(self):
        mon_keyring = os.path.join(self.dir, 'mon.keyring')
        admin_keyring = os.path.join(self.dir, 'client.admin.keyring')
        monmap = os.path.join(self.dir, 'monmap')
        self._tool('ceph-authtool', '--create-keyring', mon_keyring,
                   '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *')
        self._tool('ceph-authtool', '--create-keyring', admin_keyring,
                   '--gen-key', '-n', 'client.admin',
                   '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *',
                   '--cap', 'mgr', 'allow *')
        self._tool('ceph-authtool', mon_keyring, '--import-keyring',
                   admin_keyring)
        self._tool('monmaptool', '--create', '--fsid',
                   ceph_conf.fsid(self.dir), '--addv', 'a',
                   self._mon_address(), monmap)
        self._tool('ceph-mon', '-c', self.conf, '--mkfs', '-i', 'a',
                   '--monmap', monmap, '--keyring', mon_keyring)

    def _make_mgr(self):
        data = os.path.join(self.dir, 'mgr-x')
        os.makedirs(data, exist_ok=True)
        self.ceph('auth', 'get-or-create', 'mgr.x', 'mon', 'allow profile mgr',
                  'osd', 'allow *', '-o', os.path.join(data, 'keyring'))

    def _make_osd(self):
        osd_uuid = str(uuid.uuid4())
        osd_id = self.ceph('osd', 'new', osd_uuid).strip()
        if osd_id != '0':
            raise util.CloudError('a new cluster gave its OSD the id %r, '
                                  'not 0' % osd_id)
        data = os.path.join(self.dir, 'osd-0')
        os.makedirs(data, exist_ok=True)
        # Without --no-mon-config: "failed to fetch mon config".
        self._tool('ceph-osd', '-c', self.conf, '-i', '0', '--mkfs',
                   '--mkkey', '--no-mon-config', '--osd-uuid', osd_uuid)
        self.ceph('auth', 'add', 'osd.0', 'osd', 'allow *', 'mon',
                  'allow profile osd', 'mgr', 'allow profile osd',
                  '-i', os.path.join(data, 'keyring'))

    def _make_pool(self, name):
        self.ceph('osd', 'pool', 'create', name, PG_NUM, PG_NUM)
        self.ceph('osd', 'pool', 'application', 'enable', name, 'rbd')
        keyring = os.path.join(self.dir, 'client.%s.keyring' % name)
        self.ceph('auth', 'get-or-create', 'client.%s' % name,
                  'mon', 'profile rbd', 'osd', 'profile rbd pool=%s' % name,
                  'mgr', 'profile rbd pool=%s' % name, '-o', keyring)
        os.chmod(keyring, 0o600)

    def wait_ready(self):
        """Until the OSD is up and in and every placement group
        active+clean (HEALTH_OK comes before the groups have peered).
        """
        t0 = time.time()
        while True:
            why = self.not_ready(self.status())
            if why is None:
                break
            if time.time() - t0 > READY_TIMEOUT:
                raise util.CloudError('Ceph not ready within %d s: %s; end '
                                      'of %s:\n%s' % (
                                          READY_TIMEOUT, why, self.osd_log,
                                          util.tail(self.osd_log, 20)))
            time.sleep(POLL)
        util.log('Ceph ready after %.1f s more' % (time.time() - t0))

    @property
    def osd_log(self):
        return self.daemons['osd'].log

    def status(self, timeout=30):
        return json.loads(self.ceph('status', '--format', 'json',
                                    timeout=timeout))

    @staticmethod
    def not_ready(status):
        """Why a cluster in ``status`` (ceph status's JSON) cannot serve
        yet, or None.
        """
        osds = status['osdmap']
        osds = osds.get('osdmap', osds)       # Pacific nests it once more
        if (osds['num_up_osds'], osds['num_in_osds']) != (1, 1):
            return 'the OSD is not up and in'
        pgs = status['pgmap']
        clean = sum(s['count'] for s in pgs.get('pgs_by_state', [])
                    if s['state_name'] == 'active+clean')
        if not pgs['num_pgs'] or clean != pgs['num_pgs']:
            return '%d of %d placement groups active+clean' % (
                clean, pgs['num_pgs'])
        if status['health']['status'] != 'HEALTH_OK':
            return status['health']['status']
        return None

    def describe(self):
        """For `tools/cloud status`: health and pools, in a few words."""
        if not self.mon.answering():
            return ''
        try:
            status = self.status(timeout=5)
        except util.CloudError as exc:
            return ' (%s)' % str(exc).splitlines()[0][:80]
        pgs = status['pgmap']
        return ' (%s; %s; pools %s)' % (
            status['health']['status'],
            self.not_ready(status) or '%d placement groups active+clean'
            % pgs['num_pgs'], ', '.join(
                self.pool(g) for g in self.ctx.first_glances))
