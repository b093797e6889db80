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

"""Reading a run: stestr's results, and what the cloud's logs say about
which implementation served tempest's imports."""

import json
import os
import re
import subprocess

from tempest_runner.common import clean_env
from tempest_runner.common import Error
from tempest_runner.common import read
from tempest_runner.common import REPO
from tempest_runner.common import say

# Our plugin's log line when a glance-download import starts.
PLUGIN_LINE = 'glance_download.tasks.download'
PLUGIN_WORDS = 'downloading image'


def last_results(venv, workspace):
    env = clean_env(venv)
    last = subprocess.run(
        [os.path.join(venv, 'bin', 'stestr'), 'last', '--subunit'],
        cwd=workspace, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if last.returncode != 0 and not last.stdout:
        raise Error('stestr last failed: %s'
                    % last.stderr.decode(errors='replace'))
    parsed = subprocess.run(
        [os.path.join(venv, 'bin', 'python'),
         os.path.join(REPO, 'tools', 'stage_results.py'), 'subunit'],
        input=last.stdout, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, check=True)
    return [json.loads(line) for line in parsed.stdout.decode().splitlines()
            if line.strip()]


def glance_log_since(path, offset):
    """What RegionTwo's glance log got since OFFSET (all if it shrank)."""
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            if f.tell() < offset:
                offset = 0
            f.seek(offset)
            return f.read().decode(errors='replace')
    except FileNotFoundError:
        return ''


def log_size(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


UUID_RE = re.compile(
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')


def check_plugin_served(glance_log, new_glance_log, new_tempest_log):
    """Which glance_download served tempest's imports; return problems.

    Only lines about images tempest used in this run count (their ids are
    in tempest.log): other people's imports may share the cloud.
    """
    ids = set(UUID_RE.findall(new_tempest_log))

    def ours(line):
        return any(i in ids for i in UUID_RE.findall(line))

    lines = [line for line in new_glance_log.splitlines() if ours(line)]
    plugin = [line for line in lines if ' glance_download.' in line]
    downloads = [line for line in plugin
                 if PLUGIN_LINE in line and PLUGIN_WORDS in line]
    in_tree = [line for line in lines
               if 'glance.async_.flows._internal_plugins.' in line]
    say('%s, lines of our plugin (logger glance_download.*) about '
        'tempest\'s images: %d, of them "%s": %d' % (
            os.path.relpath(glance_log, REPO), len(plugin), PLUGIN_WORDS,
            len(downloads)))
    for line in plugin[:20]:
        print('  ' + line)
    problems = []
    if not downloads:
        problems.append('no "%s" line of %s about tempest\'s images in %s: '
                        'our plugin did not serve glance-download'
                        % (PLUGIN_WORDS, PLUGIN_LINE, glance_log))
    if in_tree:
        say("lines of Glance's in-tree import plugins about tempest's "
            "images: %d" % len(in_tree))
        for line in in_tree[:10]:
            print('  ' + line)
        problems.append("Glance's in-tree plugin, not ours, served %d of "
                        "tempest's imports (a glance-api started while the "
                        "plugin was being reinstalled? tools/cloud up "
                        "restarts it)" % len(in_tree))
    return problems


def stale_glance_workers(cloud_dir, service):
    """PIDs of SERVICE's uwsgi processes older than the installed plugin.

    uWSGI (lazy-apps) workers import Glance, and find the plugin, when
    they start; one started before tools/install-into-glance last wrote
    the plugin directory may run Glance's in-tree glance_download instead
    while `tools/cloud status` (a fresh process) still says OK.
    """
    plugins = os.path.join(cloud_dir, 'venv', 'glance-download-plugins')
    try:
        installed = max(os.path.getmtime(os.path.join(plugins, name))
                        for name in os.listdir(plugins)
                        if name.endswith('.dist-info'))
        master = int(read(os.path.join(cloud_dir, 'run',
                                       '%s.pid' % service)).strip())
        with open('/proc/stat') as f:
            btime = next(int(line.split()[1]) for line in f
                         if line.startswith('btime '))
        ticks = os.sysconf('SC_CLK_TCK')
        stale = []
        for pid in [master] + [int(p) for p in os.listdir('/proc')
                               if p.isdigit()]:
            stat = read('/proc/%d/stat' % pid)
            if not stat:
                continue
            fields = stat.rsplit(')', 1)[1].split()
            ppid, start = int(fields[1]), int(fields[19])
            if pid != master and ppid != master:
                continue
            if btime + start / ticks < installed - 1:
                stale.append(pid)
        return sorted(set(stale))
    except (OSError, ValueError, AttributeError, StopIteration):
        return []
