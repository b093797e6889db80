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

"""The databases on MariaDB (GD_DB=mariadb), as production regions run them.

Debian's mariadb-server package (``apt-get install mariadb-server``), but
not its system service: a mariadbd of our own, with its data, socket,
pidfile and log under the state directory, listening on 127.0.0.1 only
(GD_DB_PORT), started and stopped by PID like every server of the cloud.
Keystone and each Glance region have a database of their own, reached the
way OpenStack services reach theirs: ``mysql+pymysql://`` (PyMySQL in the
cloud's venv) over TCP, as one user with rights on those databases only.
"""

import os
import pwd
import shutil
import subprocess
import time

from gdcloud import debian
from gdcloud import procs
from gdcloud import service
from gdcloud import util

USER = 'openstack'
PASSWORD = 'openstack-db'
START_TIMEOUT = 60


def _program(name):
    found = debian.program(name)
    if found is None:
        raise util.CloudError(
            'GD_DB=mariadb needs MariaDB: %s not found (Debian/Ubuntu: '
            'apt-get install mariadb-server; its system service need not '
            'run)' % name)
    return found


class MariaDB(service.Service):
    """mariadbd for the whole cloud; ``url(name)`` for each service."""

    name = 'mariadb'

    def __init__(self, ctx, port, databases):
        super().__init__(ctx, port)
        self.databases = list(databases)

    @property
    def cnf(self):
        return os.path.join(self.ctx.state.etc, 'mariadb.cnf')

    @property
    def identity(self):
        # mariadbd's command line; its pid-file names that process.
        return '--defaults-file=%s' % self.cnf

    @property
    def datadir(self):
        return self.ctx.state.path('mariadb', 'data')

    @property
    def socket(self):
        return self.ctx.state.run_file(self.name, 'sock')

    def url(self, database):
        return 'mysql+pymysql://%s:%s@127.0.0.1:%d/%s?charset=utf8mb4' % (
            USER, PASSWORD, self.port, database)

    def exists(self, database):
        """Whether ``database`` holds tables (a directory per database,
        with a file per table beside its db.opt), as a db sync leaves it:
        an empty one, just created, is not enough.
        """
        try:
            names = os.listdir(os.path.join(self.datadir, database))
        except FileNotFoundError:
            return False
        return any(n != 'db.opt' for n in names)

    def conf(self):
        return util.ini({
            'mysqld': {
                'user': pwd.getpwuid(os.getuid()).pw_name,
                'datadir': self.datadir,
                'socket': self.socket,
                'pid-file': self.pidfile,
                'log-error': self.log,
                'bind-address': '127.0.0.1',
                'port': str(self.port),
                'skip-name-resolve': '1',
                'character-set-server': 'utf8mb4',
                'collation-server': 'utf8mb4_general_ci',
                # Two regions of two uWSGI workers, each with a SQLAlchemy
                # pool of up to 15 connections, plus Keystone and the
                # tests: more than the default 151 under load.
                'max_connections': '500',
                # A test cloud on a shared machine: commits are written
                # at once but flushed to disk once a second.
                'innodb_flush_log_at_trx_commit': '2',
            },
            'client': {'socket': self.socket, 'port': str(self.port)},
        })

    def files(self):
        return {os.path.relpath(self.cnf, self.ctx.state.dir): self.conf()}

    def dirs(self):
        return ['mariadb']

    def install(self):
        """Install the server's package when it is missing (as root), and
        create the data directory once (mariadb-install-db).
        """
        if debian.program('mariadbd') is None:
            debian.ensure('mariadb', 'GD_DB=mariadb', self.ctx.setup)
        if os.path.isdir(os.path.join(self.datadir, 'mysql')):
            return
        shutil.rmtree(self.datadir, ignore_errors=True)
        self.ctx.setup.check_call('mariadb-install-db', [
            _program('mariadb-install-db'), '--defaults-file=%s' % self.cnf,
            '--skip-test-db', '--auth-root-authentication-method=socket',
            '--auth-root-socket-user=%s' % pwd.getpwuid(os.getuid()).pw_name])

    def launch(self):
        """Start mariadbd in the background; it writes its pid-file and
        then listens.
        """
        util.remove(self.pidfile)
        with open(self.log, 'ab') as out:
            proc = subprocess.Popen(
                [_program('mariadbd'), self.identity],
                cwd=self.ctx.state.run, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.time() + START_TIMEOUT
        while self.ctx.supervisor.pid(self) is None or not self.answering():
            if proc.poll() is not None:
                raise util.CloudError('mariadbd exited %d; end of %s:\n%s'
                                      % (proc.returncode, self.log,
                                         util.tail(self.log, 20)))
            if time.time() > deadline:
                raise util.CloudError(
                    'mariadbd did not listen on 127.0.0.1:%d within %d s; '
                    'end of %s:\n%s' % (self.port, START_TIMEOUT, self.log,
                                        util.tail(self.log, 20)))
            time.sleep(0.2)

    def answering(self, port=None):
        return procs.port_open(port or self.port)

    def servers(self):
        return [self]

    def uwsgi_options(self):
        return []

    def prepare(self):
        """After the services' db syncs: nothing (see create_databases)."""

    def create_databases(self):
        """The services' databases and their user (idempotent), as root
        through the socket (the only way root may log in).
        """
        sql = ["CREATE USER IF NOT EXISTS '%s'@'127.0.0.1' IDENTIFIED BY "
               "'%s'" % (USER, PASSWORD)]
        for database in self.databases:
            sql += ['CREATE DATABASE IF NOT EXISTS `%s`' % database,
                    "GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'127.0.0.1'"
                    % (database, USER)]
        self.ctx.setup.check_call('mariadb-databases', [
            _program('mariadb'), '--defaults-file=%s' % self.cnf, '-uroot',
            '-e', '; '.join(sql)])

    def describe(self):
        return ' (databases %s)' % ', '.join(self.databases)
