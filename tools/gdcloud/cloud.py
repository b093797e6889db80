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

"""The cloud as a whole: which services it has, and up, status, down and
logs over them. Each service's details live in its own module.
"""

import os
import sys
import time

from gdcloud import catalog
from gdcloud import ceph
from gdcloud import clients
from gdcloud import debian
from gdcloud import faultproxy
from gdcloud import glance
from gdcloud import glance_standalone
from gdcloud import keystone
from gdcloud import mariadb
from gdcloud import paths
from gdcloud import plugin
from gdcloud import procs
from gdcloud import rabbitmq
from gdcloud import series
from gdcloud import settings as settings_mod
from gdcloud import sqlite
from gdcloud import state as state_mod
from gdcloud import util
from gdcloud import venv as venv_mod

REGIONS = ['RegionOne', 'RegionTwo']


class Cloud(object):

    def __init__(self):
        self.settings = settings_mod.Settings(paths.REPO)
        self.state = state_mod.StateDir(self.settings.dir)
        self.series = self.settings.series
        self.venv = venv_mod.for_series(self.settings.venv,
                                        self.settings.shared_venv,
                                        self.series)
        if self.settings.keystone_venv == self.settings.venv:
            self.keystone_venv = self.venv
        else:
            self.keystone_venv = venv_mod.for_series(
                self.settings.keystone_venv, False, series.NEWEST)
        self.setup = procs.SetupCommands(self.state, self.venv.env)
        self.supervisor = procs.Supervisor(self.state, self.settings.timeout)
        self.plugin = plugin.Plugin(self.venv, self.setup)
        self.keystone = keystone.Keystone(self, self.settings.keystone_port)
        glance_api = glance_standalone.StandaloneGlanceApi \
            if self.settings.mode == 'standalone' else glance.GlanceApi
        self.glances = [
            glance_api(self, port, 'glance%d' % (i + 1), region)
            for i, (port, region) in enumerate(
                zip(self.settings.glance_ports, REGIONS))]
        if self.settings.glance2_nodes == 2:
            self.glances.append(glance_api(
                self, self.settings.glance2b_port, 'glance2b', REGIONS[1],
                first=self.glances[1]))
        # One database (and catalog entry) per region: its first node's.
        self.first_glances = [g for g in self.glances if g.first is g]
        self.proxy = faultproxy.FaultProxy(
            self, self.settings.proxy_port, self.settings.trap_port,
            self.glances[0].url)
        self.database = self.make_database()
        # The image stores' Ceph (GD_STORE=rbd); None with file stores.
        self.ceph = ceph.Cluster(self) \
            if self.settings.store == 'rbd' else None
        # The notifications' broker (GD_RABBITMQ=1); None without.
        self.broker = rabbitmq.Broker(self) if self.settings.rabbitmq \
            else None
        self.services = self.database.servers() + self.ceph_servers() + \
            self.broker_servers() + [self.keystone] + self.glances + \
            [self.proxy]

    def ceph_servers(self):
        return self.ceph.servers() if self.ceph else []

    def broker_servers(self):
        return self.broker.servers() if self.broker else []

    def unused_servers(self):
        """Servers an earlier `up` started that this one does without
        (found by their pidfiles; stopped by PID): the MariaDB of
        GD_DB=mariadb, the Ceph of GD_STORE=rbd, the RabbitMQ of
        GD_RABBITMQ=1, RegionTwo's second node of GD_GLANCE2_NODES=2.
        """
        unused = []
        if not self.database.servers():
            unused.append(mariadb.MariaDB(self, self.settings.db_port, []))
        if not self.ceph:
            unused += ceph.Cluster(self).servers()
        if not self.broker:
            unused += rabbitmq.Broker(self).servers()
        if self.settings.glance2_nodes == 1:
            unused.append(glance.GlanceApi(
                self, self.settings.glance2b_port, 'glance2b', REGIONS[1],
                first=self.glances[1]))
        return unused

    def make_database(self):
        """SQLite files, or one MariaDB server (GD_DB=mariadb)."""
        names = [self.keystone.name] + [g.name for g in self.first_glances]
        if self.settings.db == 'mariadb':
            return mariadb.MariaDB(self, self.settings.db_port, names)
        return sqlite.SQLite(dict(
            [(self.keystone.name, self.keystone.db)] +
            [(g.name, g.db) for g in self.first_glances]))

    # ------------------------------------------------------------ up

    def write_configs(self):
        """Write every config; return {service name: fingerprint}."""
        fingerprints = {}
        for service in self.services:
            files = service.files()
            for rel, text in files.items():
                full = self.state.path(rel)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                if util.read(full) != text:
                    util.write(full, text)
            everything = dict(files)
            everything.update(('%s (not written)' % k, v)
                              for k, v in service.watched().items())
            fingerprints[service.name] = util.sha(''.join(
                '%s\0%s\0' % kv for kv in sorted(everything.items())))
        return fingerprints

    def initialise(self, reinstall):
        """In parallel: keystone-manage and the glance db syncs (first run
        only), and the plugin install (when the working tree changed).
        Returns whether the plugin was installed (and so checked).
        """
        procs_ = [p for p in [s.init() for s in self.services] +
                  [self.plugin.install(reinstall)] if p is not None]
        failures = []
        installed_ok = False
        for proc in procs_:
            try:
                self.setup.wait(proc)
            except util.CloudError as exc:
                failures.append((proc, exc))
                continue
            if hasattr(proc, 'gd_done'):
                proc.gd_done()
            if proc.gd_name == 'install-plugin':
                installed_ok = True
                sys.stdout.write(util.indent(util.tail(proc.gd_log, 4)))
        for proc, exc in failures:
            if proc.gd_name == 'install-plugin' and \
                    not self.plugin.install_failed(proc):
                continue
            raise exc
        return installed_ok

    def to_start(self, fingerprints, services):
        """([services to start], {name: why it restarts})."""
        started, restart = [], {}
        for service in services:
            pid = self.supervisor.pid(service)
            running_fp = self.supervisor.running_fingerprint(service)
            if pid is not None and running_fp == fingerprints[service.name]:
                if self.supervisor.running_port(service) is None:
                    # older state dirs
                    util.write(self.state.run_file(service.name, 'port'),
                               str(service.port))
                continue
            if pid is not None:
                old = (running_fp or '').split(' ')
                new = fingerprints[service.name].split(' ')
                restart[service.name] = 'config changed' \
                    if old[0] != new[0] else 'plugin changed'
            started.append(service)
        for service in started:
            ours = service.name in restart and \
                self.supervisor.running_port(service) in (service.port, None)
            for port in service.ports:
                if procs.port_open(port) and not ours:
                    raise procs.port_taken(port, service.name)
        return started, restart

    def up(self, reinstall=False):
        t0 = time.time()
        subdirs = ['keystone/locks'] + [g.name for g in self.glances] + \
            (['ceph'] if self.ceph else []) + \
            (self.broker.dirs() if self.broker else [])
        for s in self.glances + self.database.servers():
            subdirs += s.dirs()
        if self.keystone_venv is not self.venv:
            # It lives in the newest series' state dir, which may hold this
            # one: made (and marked as ours) first.
            state_mod.StateDir(os.path.dirname(
                self.keystone_venv.path)).create([])
        self.state.create(subdirs)
        if self.keystone_venv is not self.venv:
            self.keystone_venv.ensure(self.setup)
        self.venv.ensure(self.setup)
        fingerprints = self.write_configs()
        self.supervisor.stop_many(self.unused_servers())
        # A database server answers, with the services' databases, before
        # their db syncs.
        for server in self.database.servers():
            server.install()
            self.start(fingerprints, [server])
            server.create_databases()
        if self.ceph:
            self.ceph.up(lambda servers: self.start(fingerprints, servers))
        if self.broker:
            self.broker.up(lambda servers: self.start(fingerprints, servers))
        else:
            # Clients take the file for a broker to listen to.
            util.remove(rabbitmq.url_file(self.state))
        if self.settings.convert:
            # qemu-img, for RegionTwo's image_conversion.
            debian.ensure('convert', 'GD_CONVERT', self.setup)
        installed_ok = self.initialise(reinstall)
        self.database.prepare()
        if self.ceph:
            # Its placement groups peer meanwhile.
            self.ceph.wait_ready()
        if self.broker:
            # Booted meanwhile; ready before Glance has anything to send.
            self.broker.wait_ready()
        # Only the glance-apis load the plugin; they restart when their
        # config or the installed plugin changed.
        installed = self.plugin.fingerprint()
        for g in self.glances:
            fingerprints[g.name] += ' plugin:%s' % installed

        self.start(fingerprints, self.services)

        self.supervisor.wait_up([self.keystone])
        catalog.ensure(self, [(g.region, g.url) for g in self.first_glances] +
                       [(self.proxy.region, self.proxy.url)],
                       [(g.region, g.url) for g in self.glances
                        if g.first is not g])
        self.supervisor.wait_up(self.glances + [self.proxy])
        clients.write(self.state, self.settings,
                      [g.region for g in self.first_glances])

        if installed_ok:
            # tools/install-into-glance has just run the same check.
            ok, output = True, ''
        else:
            ok, output = self.plugin.check()
            sys.stdout.write(util.indent(output))
        self.print_summary()
        if not ok:
            if self.settings.skip_plugin_check:
                util.log('plugin check FAILED (ignored: '
                         'GD_SKIP_PLUGIN_CHECK=1)')
            else:
                raise util.CloudError(
                    'the services run, but Glance would not run the '
                    'glance_download plugin (output above); not up')
        util.log('up in %.1f s' % (time.time() - t0))
        return 0

    def describe_glance(self):
        return 'Glance %s (series %s) under %s' % (
            self.series.glance, self.series.name,
            'uWSGI' if self.settings.mode == 'uwsgi'
            else 'the standalone glance-api command (eventlet)')

    def start(self, fingerprints, services):
        """(Re)start those of ``services`` not running as configured;
        return those it started.
        """
        started, restart = self.to_start(fingerprints, services)
        for name, why in restart.items():
            util.log('restarting %s (%s)' % (name, why))
        self.supervisor.stop_many([s for s in services
                                   if s.name in restart])
        for service in started:
            self.supervisor.start(service, fingerprints[service.name])
        if started:
            util.log('started %s' % ', '.join(s.name for s in started))
        return started

    def print_summary(self):
        util.log('%s; state in %s' % (self.describe_glance(),
                                      self.state.dir))
        for server in self.database.servers():
            util.log('Database  %s' % server.url('<name>'))
        if self.ceph:
            util.log('Ceph      v2:127.0.0.1:%d  RBD pools %s (%s)' % (
                self.ceph.mon_port, ', '.join(
                    self.ceph.pool(g) for g in self.first_glances),
                self.ceph.conf))
        if self.broker:
            util.log(self.broker.log_summary())
        util.log('Keystone  %s' % self.settings.auth_url)
        for g in self.glances:
            util.log('Glance    %s  %s%s' % (
                g.url, g.region, '' if g.first is g else
                ' (second node; image_remote in the catalog)'))
        util.log('Proxy     %s  %s (faults on request; redirect trap on port '
                 '%d)' % (self.proxy.url, self.proxy.region,
                          self.proxy.trap_port))
        util.log('credentials: source %s  (also admin.rc, alt.rc; '
                 'clouds.yaml clouds admin/demo/alt)'
                 % self.state.path('demo.rc'))

    # ------------------------------------------------- other commands

    def status(self):
        all_up = True
        print('%s; state in %s' % (self.describe_glance(), self.state.dir))
        print('%-10s %-12s %-8s %-6s %s' % ('SERVICE', 'REGION', 'PID',
                                            'PORT', 'STATE'))
        for service in self.services:
            # The port it was started with, whatever GD_*_PORT says now.
            port = self.supervisor.running_port(service) or service.port
            pid = self.supervisor.pid(service)
            answering = service.answering(port)
            if pid and answering:
                state = 'up'
            elif pid:
                state = 'running, not answering'
            elif answering:
                state = 'down (port %d answered by another process)' % port
            else:
                state = 'down'
            all_up = all_up and state == 'up'
            print('%-10s %-12s %-8s %-6s %s' % (
                service.name, service.region, pid or '-', port or '-',
                state + service.describe()))
        ok, output = self.plugin.check()
        print('plugin check: %s' % ('OK' if ok else 'FAILED'))
        sys.stdout.write(util.indent(output))
        if not ok and self.settings.skip_plugin_check:
            ok = True
        return 0 if all_up and ok else 1

    def down(self, wipe=False, wipe_venv=False):
        t0 = time.time()
        if os.path.isdir(self.state.run):
            if not self.supervisor.stop_many(self.unused_servers() +
                                             self.services):
                util.log('nothing running')
        if wipe or wipe_venv:
            self.state.wipe(['keystone', 'mariadb', 'ceph', 'rabbitmq'] +
                            [g.name for g in self.glances] +
                            clients.RC_FILES, wipe_venv)
        util.log('down in %.1f s' % (time.time() - t0))
        return 0

    def show_logs(self, lines):
        if not os.path.isdir(self.state.logs):
            util.log('no logs in %s' % self.state.logs)
            return 0
        names = ['%s.log' % s.name for s in self.services]
        names += sorted(n for n in os.listdir(self.state.logs)
                        if n not in names)
        for n in names:
            full = os.path.join(self.state.logs, n)
            if os.path.exists(full):
                print('===== %s (last %d lines)' % (full, lines))
                print(util.tail(full, lines))
        return 0
