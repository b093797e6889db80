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

"""The machine a run measured: CPU, memory, versions, the plugin's commit,
and the CPU's single-thread sha512 and md5 speeds (the two hashes
glance_store computes over every byte), so figures from other machines
can be compared by ratio.
"""

import hashlib
import os
import platform
import ssl
import subprocess
import time

from gdbench import context
from gdcloud import debian
from gdcloud import util

PACKAGES = ('glance', 'glance_store', 'keystone', 'python-glanceclient',
            'keystoneauth1', 'oslo.utils', 'requests', 'urllib3', 'uWSGI')


def hash_speeds(size=256 * context.MiB, chunk=64 * 1024):
    """CPU seconds per GiB of sha512 and md5 over CHUNK-sized updates (as
    glance_store feeds them), best of three.
    """
    buf = os.urandom(chunk)
    out = {}
    for name in ('sha512', 'md5'):
        best = None
        for _ in range(3):
            h = hashlib.new(name)
            t0 = time.process_time()
            for _ in range(size // chunk):
                h.update(buf)
            spent = time.process_time() - t0
            best = spent if best is None else min(best, spent)
        out[name] = best * context.GiB / size
    return out


def sleep0_us(n=20000):
    """Wall microseconds of one time.sleep(0): Glance's cooperative
    readers call it twice per chunk of the staging-to-store copy.
    """
    t0 = time.perf_counter()
    for _ in range(n):
        time.sleep(0)
    return (time.perf_counter() - t0) / n * 1e6


def ceph_version():
    """The version of the cloud's Ceph (GD_STORE=rbd): its daemons and
    Glance's librados come from the same Debian packages.
    """
    path = debian.program('ceph')
    if path is None:
        return '?'
    try:
        out = subprocess.check_output([path, '--version'], text=True)
    except (OSError, subprocess.CalledProcessError):
        return '?'
    words = out.split()
    return words[2] if len(words) > 2 else out.strip()


def describe():
    cpu = 'unknown CPU'
    for line in (util.read('/proc/cpuinfo') or '').splitlines():
        if line.startswith('model name'):
            cpu = line.split(':', 1)[1].strip()
            break
    mem = (util.read('/proc/meminfo') or 'MemTotal: 0 kB').split()[1]
    versions = {}
    from importlib import metadata
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = '?'
    if context.SETTINGS.store == 'rbd':
        versions['ceph'] = ceph_version()
    try:
        commit = subprocess.check_output(
            ['git', '-C', context.REPO, 'rev-parse', '--short', 'HEAD'],
            text=True).strip()
        dirty = subprocess.run(
            ['git', '-C', context.REPO, 'diff', '--quiet', 'HEAD', '--',
             'glance_download'], check=False).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = '?', False
    return {'cpu': '%d x %s' % (os.cpu_count(), cpu),
            'cpu_model': cpu,
            'memory_gib': round(int(mem) / 1024 / 1024, 1),
            'kernel': platform.release(),
            'python': platform.python_version(),
            'openssl': ssl.OPENSSL_VERSION,
            'versions': versions,
            'hash_cpu_s_per_gib': hash_speeds(),
            'sleep0_us': sleep0_us(),
            'timer_slack_ns': int((util.read('/proc/self/timerslack_ns') or
                                   '0').strip() or 0),
            'commit': commit + (' + uncommitted plugin changes' if dirty
                                else '')}
