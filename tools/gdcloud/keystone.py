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

"""Keystone: its config, its one-time bootstrap, and the users every cloud
has."""

import grp
import json
import os
import pwd

from gdcloud import util
from gdcloud import uwsgi

SERVICE_PASSWORD = 'glance-service'
USERS = [
    # name, project, password, roles
    ('glance', 'service', SERVICE_PASSWORD, ['admin', 'service']),
    ('demo', 'demo', 'demo', ['member', 'reader']),
    ('alt', 'alt', 'alt', ['member', 'reader']),
]
# A test cloud: bcrypt's cheapest cost, so a password login takes
# milliseconds, not half a second (it matters with short token lifetimes,
# where every client logs in again for each call).
HASH_ROUNDS = 4


class Keystone(uwsgi.UwsgiService):
    name = 'keystone'
    probe = '/v3'

    @property
    def venv(self):
        return self.ctx.keystone_venv

    @property
    def conf_dir(self):
        return os.path.join(self.ctx.state.etc, 'keystone')

    @property
    def db(self):
        return self.ctx.state.path('keystone', 'keystone.db')

    def conf(self):
        k = self.ctx.state.path('keystone')
        return util.ini({
            'DEFAULT': {'debug': 'False'},
            'database': {'connection': self.ctx.database.url(self.name)},
            'token': {'provider': 'fernet',
                      'expiration': str(self.ctx.settings.token_expiration)},
            'fernet_tokens': {'key_repository': '%s/fernet-keys' % k},
            'fernet_receipts': {'key_repository': '%s/fernet-keys' % k},
            'credential': {'key_repository': '%s/credential-keys' % k},
            'cache': {'enabled': 'true',
                      'backend': 'dogpile.cache.memory'},
            'identity': {'password_hash_rounds': str(HASH_ROUNDS)},
            'oslo_concurrency': {'lock_path': '%s/locks' % k},
        })

    def app_options(self):
        # One process so dogpile's in-memory cache stays coherent.
        return [('module', 'keystone.wsgi.api:application'),
                ('env', 'OS_KEYSTONE_CONFIG_DIR=%s' % self.conf_dir),
                ('processes', '1'), ('threads', '4')]

    def files(self):
        files = super().files()
        files['etc/keystone/keystone.conf'] = self.conf()
        return files

    def init(self):
        """keystone-manage steps; skipped once done with the same inputs."""
        state, settings = self.ctx.state, self.ctx.settings
        stamp_file = state.path('keystone', '.bootstrapped')

        def stamp(db_exists):
            return json.dumps([self.port, util.sha(settings.admin_password),
                               db_exists])
        if util.read(stamp_file) == stamp(
                self.ctx.database.exists(self.name)):
            return None
        # A new keystone database needs its catalog made again.
        util.remove(state.path('keystone', '.catalog'))
        manage = [self.venv.bin('keystone-manage'), '--config-file',
                  os.path.join(self.conf_dir, 'keystone.conf')]
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        auth_url = settings.auth_url
        steps = [
            ['db_sync'],
            ['fernet_setup', '--keystone-user', user,
             '--keystone-group', group],
            ['credential_setup', '--keystone-user', user,
             '--keystone-group', group],
            ['bootstrap', '--bootstrap-password', settings.admin_password,
             '--bootstrap-admin-url', auth_url,
             '--bootstrap-internal-url', auth_url,
             '--bootstrap-public-url', auth_url,
             '--bootstrap-region-id', 'RegionOne'],
        ]
        # One shell so the four run in sequence while glance's db syncs
        # and the plugin install run in parallel.
        script = ' && '.join(
            ' '.join(util.shell_quote(a) for a in manage + step)
            for step in steps)
        proc = self.ctx.setup.start('keystone-manage', ['sh', '-c', script])
        proc.gd_done = lambda: util.write(stamp_file, stamp(True))
        return proc
