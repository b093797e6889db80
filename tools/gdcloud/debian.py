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

"""Debian packages that switches of the cloud need (GD_DB=mariadb,
GD_STORE=rbd, GD_CONVERT, tools/dashboard test): listed once, by profile,
in the repository's bindep.txt, and installed with apt-get the first time
a switch needs them, so that a fresh machine runs it from one command.

Only as root on a machine with apt-get; elsewhere the error names the
packages to install. Debian's packages start no service in a container
without systemd; the cloud starts its own servers, by PID.
"""

import os
import re
import shutil
import subprocess
import time

from gdcloud import paths
from gdcloud import util

BINDEP = os.path.join(paths.REPO, 'bindep.txt')
# Debian puts servers in /usr/sbin, which a non-root PATH may lack.
SEARCH_PATH = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin',
                               '/usr/bin'])
# Other clouds on the machine may be installing too: wait for dpkg's lock
# instead of failing at once.
LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600']
_LINE = re.compile(r'^(?P<name>[\w.+-]+)\s*(?:\[(?P<selectors>[^\]]*)\])?')


def packages(profile):
    """The packages bindep.txt lists for ``profile`` (lines such as
    ``ceph-mon [platform:dpkg rbd]``).
    """
    names = []
    for line in (util.read(BINDEP) or '').splitlines():
        match = _LINE.match(line.split('#', 1)[0].strip())
        if match and profile in (match.group('selectors') or '').split():
            names.append(match.group('name'))
    if not names:
        raise util.CloudError('%s lists no package for the profile %s'
                              % (BINDEP, profile))
    return names


def installed(name):
    try:
        proc = subprocess.run(
            ['dpkg-query', '-W', '-f', '${db:Status-Status}', name],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        return False
    return proc.stdout == b'installed'


def program(name):
    """The path of command ``name``, or None."""
    return shutil.which(name, path=SEARCH_PATH)


def ensure(profile, switch, setup):
    """Install the packages of ``profile`` that dpkg does not have, for
    ``switch`` (its name in messages); ``setup`` (a
    gdcloud.procs.SetupCommands) logs apt-get's output.
    """
    missing = [p for p in packages(profile) if not installed(p)]
    if not missing:
        return
    apt = program('apt-get')
    if os.geteuid() != 0 or apt is None:
        raise util.CloudError(
            '%s needs Debian\'s %s (bindep.txt, profile %s): apt-get '
            'install %s' % (switch, ', '.join(missing), profile,
                            ' '.join(missing)))
    util.log('installing %s with apt-get (%s)'
             % (' '.join(missing), switch))
    t0 = time.time()
    for argv in ([apt, '-q'] + LOCK_WAIT + ['update'],
                 [apt, '-q', '-y', '--no-install-recommends'] + LOCK_WAIT +
                 ['install'] + missing):
        setup.check_call('apt-get', argv,
                         env={'DEBIAN_FRONTEND': 'noninteractive'})
    util.log('installed in %.0f s' % (time.time() - t0))
