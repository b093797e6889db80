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

"""Horizon on the local cloud, with this tree's "Copy to regions" plugin.

Horizon 27.0.0 runs from its own venv, <state dir>/horizon/venv (its
dependencies differ from Glance's), with this working tree installed into
it with the ``dashboard`` extra and the plugin's enabled file, under
Django's development server against the cloud's Keystone. It is a service
like the cloud's others (gdcloud.service): a pidfile under horizon/run/
that names its venv's django-admin, a log under horizon/logs/, restarted
when the installed tree or its settings changed.
"""

import os
import secrets
import subprocess

from gdcloud import paths
from gdcloud import plugin
from gdcloud import procs
from gdcloud import service
from gdcloud import settings as settings_mod
from gdcloud import state as state_mod
from gdcloud import util
from gdcloud import venv as venv_mod

# Horizon asks only Django>=4.2; Django 6 (Python 3.12+) is untested with it.
PACKAGES = ['horizon==27.0.0', 'Django>=4.2,<6']
# What tests/dashboard needs besides (gdcloud.horizon_tests).
TEST_PACKAGES = ['selenium>=4.10', 'stestr']
ENABLED = os.path.join(paths.REPO, 'glance_download', 'dashboard', 'enabled',
                       '_1710_glance_download.py')
SETTINGS = """\
# Written by tools/dashboard: Horizon against the local cloud.
DEBUG = True
SECRET_KEY = {secret!r}
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
OPENSTACK_HOST = '127.0.0.1'
OPENSTACK_KEYSTONE_URL = 'http://127.0.0.1:{keystone}/v3'
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = 'Default'
CACHES = {{'default': {{
    'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}}}
SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
COMPRESS_OFFLINE = False
COMPRESS_ENABLED = False
STATIC_ROOT = {static!r}
LOGGING = {{
    'version': 1, 'disable_existing_loggers': False,
    'handlers': {{'console': {{'class': 'logging.StreamHandler'}}}},
    'loggers': {{
        'glance_download': {{'handlers': ['console'], 'level': 'INFO'}},
        'django.request': {{'handlers': ['console'], 'level': 'WARNING'}},
    }},
}}
"""


class Server(service.Service):
    """Django's development server running openstack_dashboard."""

    name = 'horizon'
    probe = '/auth/login/'

    @property
    def identity(self):
        return self.ctx.venv.bin('django-admin')

    def env(self):
        return self.ctx.venv.env(
            DJANGO_SETTINGS_MODULE='openstack_dashboard.settings')

    def launch(self):
        with open(self.log, 'ab') as out:
            proc = subprocess.Popen(
                [self.identity, 'runserver', '--noreload',
                 '127.0.0.1:%d' % self.port],
                cwd=self.ctx.state.run, env=self.env(),
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        util.write(self.pidfile, str(proc.pid))
        self.ctx.supervisor.wait_pid(self, proc)

    def answering(self, port=None):
        # The first page compiles Horizon's SCSS: seconds on an idle
        # machine, a minute on a busy one; a short probe would only pile
        # up more compiles.
        return procs.http_up(port or self.port, self.probe,
                             timeout=self.ctx.settings.horizon_timeout)


class Dashboard(object):

    def __init__(self, settings=None):
        self.settings = settings or settings_mod.Settings(paths.REPO)
        self.state = state_mod.StateDir(os.path.join(self.settings.dir,
                                                     'horizon'))
        self.venv = venv_mod.Venv(
            self.state.path('venv'), False, None,
            [paths.REPO + '[dashboard]'] + PACKAGES + TEST_PACKAGES,
            probe='django-admin')
        self.setup = procs.SetupCommands(self.state, self.venv.env)
        self.supervisor = procs.Supervisor(self.state,
                                           self.settings.horizon_timeout)
        self.server = Server(self, self.settings.horizon_port)
        self.url = 'http://127.0.0.1:%d/' % self.server.port

    def site_packages(self):
        """Where openstack_dashboard is (its local/ takes our files)."""
        out = subprocess.check_output(
            [self.venv.py, '-c', 'import openstack_dashboard, os; print('
             'os.path.dirname(openstack_dashboard.__file__))'],
            env=self.venv.env())
        return out.decode().strip()

    def install(self):
        """The venv once, this tree whenever it changed, the settings and
        the enabled file; returns their fingerprint (a change restarts
        Horizon).
        """
        for d in (self.state.run, self.state.logs):
            os.makedirs(d, exist_ok=True)
        self.venv.ensure(self.setup)
        source = plugin.Plugin.source_fingerprint()
        stamp = self.state.path('installed-tree')
        if source is None or util.read(stamp) != source:
            util.log("installing this tree into Horizon's venv")
            self.setup.check_call('install-plugin', [
                self.venv.py, '-m', 'pip', 'install', '--quiet', '--no-deps',
                '--force-reinstall', paths.REPO], cwd=paths.REPO)
            if source:
                util.write(stamp, source)
        local = os.path.join(self.site_packages(), 'local')
        files = {
            os.path.join(local, 'local_settings.py'): SETTINGS.format(
                secret=self.secret(), keystone=self.settings.keystone_port,
                static=self.state.path('static')),
            os.path.join(local, 'enabled', os.path.basename(ENABLED)):
                util.read(ENABLED),
        }
        for path, text in files.items():
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if util.read(path) != text:
                util.write(path, text)
        return util.sha('%s\0%s' % (source, ''.join(sorted(files.values()))))

    def secret(self):
        path = self.state.path('secret_key')
        if not os.path.exists(path):
            util.write(path, secrets.token_hex(32), mode=0o600)
        return util.read(path)

    def up(self):
        fingerprint = self.install()
        pid = self.supervisor.pid(self.server)
        if pid and self.supervisor.running_fingerprint(self.server) == \
                fingerprint:
            util.log('Horizon running (pid %d) at %s' % (pid, self.url))
            return 0
        if pid:
            util.log('restarting Horizon (plugin or settings changed)')
            self.supervisor.stop_many([self.server])
        self.supervisor.start(self.server, fingerprint)
        self.supervisor.wait_up([self.server])
        util.log('Horizon at %s (log in as demo / demo; log %s)'
                 % (self.url, self.server.log))
        return 0

    def status(self):
        pid = self.supervisor.pid(self.server)
        if not pid:
            util.log('Horizon not running')
            return 1
        answering = self.server.answering()
        util.log('Horizon running (pid %d) at %s, %s' % (
            pid, self.url, 'answering' if answering else 'NOT answering'))
        return 0 if answering else 1

    def down(self):
        if not self.supervisor.stop_many([self.server]):
            util.log('Horizon not running')
        return 0
