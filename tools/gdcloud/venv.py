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

"""The venvs: the one with Keystone, Glance, the clients and uWSGI, and
Horizon's (gdcloud.horizon)."""

import hashlib
import os
import subprocess
import sys
import time

from gdcloud import paths
from gdcloud import series
from gdcloud import util

# The newest series' venv also holds Keystone (every series' cloud runs
# it from there) and keeps the frozen set it was proven with.
NEWEST_CONSTRAINTS = os.path.join(paths.TOOLS, 'cloud-constraints.txt')
KEYSTONE = 'keystone==30.0.0'
# PyMySQL: the services' database driver when GD_DB=mariadb.
CLIENTS = ['uwsgi', 'python-glanceclient', 'python-openstackclient',
           'PyMySQL']


def for_series(path, shared, s):
    """The venv of Glance series S (a gdcloud.series.Series)."""
    if s is series.NEWEST:
        return Venv(path, shared, NEWEST_CONSTRAINTS,
                    ['glance==%s' % s.glance, KEYSTONE] + CLIENTS)
    return Venv(path, shared, series.derived_path(s),
                ['glance==%s' % s.glance] + CLIENTS)


class Venv(object):

    def __init__(self, path, shared, constraints, packages, probe='uwsgi'):
        self.path = path
        # GD_CLOUD_VENV: another cloud's venv, used, never installed into.
        self.shared = shared
        self.constraints = constraints
        self.packages = packages
        # A command of the last package installed: there once pip is done.
        self.probe = probe
        self.py = self.bin('python')

    def bin(self, name):
        return os.path.join(self.path, 'bin', name)

    def env(self, **extra):
        """Environment for child processes.

        No PYTHONPATH/PYTHONHOME (a plugin directory on PYTHONPATH comes
        before site-packages and loses the stevedore pick), no OS_* from
        the caller's shell, no warnings noise.
        """
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('OS_', 'PYTHON', 'VIRTUAL_ENV'))}
        env['PYTHONWARNINGS'] = 'ignore'
        env['PATH'] = os.path.join(self.path, 'bin') + os.pathsep + \
            env.get('PATH', '/usr/bin:/bin')
        env.update(extra)
        return env

    def stamp(self):
        h = hashlib.sha256()
        if self.constraints:
            with open(self.constraints, 'rb') as f:
                h.update(f.read())
        h.update(' '.join(self.packages).encode())
        return h.hexdigest()

    def ensure(self, setup):
        """Install the venv unless it is there with the same inputs."""
        stamp_file = os.path.join(self.path, '.gd-venv-stamp')
        stamp = self.stamp()
        if (os.path.exists(self.py) and
                os.path.exists(self.bin(self.probe)) and
                util.read(stamp_file) == stamp):
            return False
        if self.shared:
            raise util.CloudError(
                'the venv %s (GD_CLOUD_VENV) is missing or out of date; run '
                '`tools/cloud up` for the cloud that owns it first'
                % self.path)
        util.log('installing the venv %s (about a minute the first time)'
                 % self.path)
        t0 = time.time()
        if not os.path.exists(self.py):
            python = os.environ.get('GD_PYTHON') or sys.executable
            subprocess.check_call([python, '-m', 'venv', self.path])
        constraints = ['-c', self.constraints] if self.constraints else []
        setup.check_call('pip', [self.py, '-m', 'pip', 'install', '--quiet'] +
                         constraints + self.packages)
        util.write(stamp_file, stamp)
        util.log('venv ready in %.0f s' % (time.time() - t0))
        return True
