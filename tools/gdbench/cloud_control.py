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

"""What the bench changes in RegionTwo, and puts back: which
glance_download its glance-api runs (our .pth in or out), its
configuration files, and restarting it through tools/cloud's own
supervisor."""

import configparser
import io
import os
import re
import subprocess
import time

from gdbench import context
from gdcloud import cloud as cloud_mod
from gdcloud import procs
from gdcloud import util

PTH = 'zz-glance-download-plugins.pth'
CHECK_INTREE = r'''
import importlib.util, sys
spec = importlib.util.spec_from_file_location(
    "gd_bench_selection", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
ep = mod.lookup("glance_download")
print("glance_download  %s -> %s" % ("OK  " if mod.is_ours(ep) else
                                     "NOT OURS", ep.value if ep else None))
sys.exit(0 if mod.is_ours(ep) else 1)
'''


class RegionTwo:
    """RegionTwo's first glance-api as tools/cloud knows it."""

    def __init__(self):
        self.cloud = cloud_mod.Cloud()
        self.service = self.cloud.glances[1]
        self.supervisor = self.cloud.supervisor
        self.venv = self.cloud.venv

    def purelib(self):
        return subprocess.check_output(
            [self.venv.py, '-c', 'import sysconfig; '
             'print(sysconfig.get_paths()["purelib"])'], text=True).strip()

    def restart(self):
        """Stop and start it the way tools/cloud does.

        Returns once every worker has loaded the application (lazy-apps:
        each worker loads it on its own, and one still loading would add
        its CPU time to the first measurement).
        """
        service = self.service
        if self.supervisor.pid(service) is None:
            raise SystemExit('bench: glance2 is not running')
        fingerprint = self.supervisor.running_fingerprint(service)
        self.supervisor.stop_many([service])
        deadline = time.time() + 20
        while procs.port_open(service.port) and time.time() < deadline:
            time.sleep(0.1)
        offset = os.path.getsize(service.log)
        self.supervisor.start(service, fingerprint or '')
        deadline = time.time() + 120
        while True:
            text = util.read(service.log)[offset:]
            spawned = text.count('spawned uWSGI worker')
            if spawned and text.count("mountpoint='') ready") >= spawned:
                break
            if time.time() > deadline:
                raise SystemExit('bench: glance2 did not come back; see %s'
                                 % service.log)
            time.sleep(0.2)
        self.supervisor.wait_up([service])


class Switch:
    """Which glance_download RegionTwo's glance-api runs."""

    def __init__(self, region_two, extra=None):
        self.region_two = region_two
        self.venv = region_two.venv
        self.extra = dict(extra or {})   # mode name -> plugin directory
        self.pth = os.path.join(region_two.purelib(), PTH)
        self.pth_text = util.read(self.pth)
        plugin_dir = os.path.join(context.VENV, 'glance-download-plugins')
        if self.pth_text is None and os.path.isdir(
                os.path.join(plugin_dir, 'glance_download')):
            # an interrupted earlier run left it out
            self.pth_text = plugin_dir + '\n'
        if self.pth_text is None:
            raise SystemExit('bench: %s is missing: install the plugin first '
                             '(tools/cloud up)' % self.pth)
        self.mode = None

    def check(self):
        """Run the plugin check as Glance would see it; return (ours, text).

        With the .pth removed, our package is not importable in the venv,
        so the same stevedore lookup is made by loading selection.py from
        the source tree by path (its distribution metadata stays invisible).
        """
        if os.path.exists(self.pth):
            argv = [self.venv.py, '-m', 'glance_download.cmd.check',
                    '--method', 'glance_download']
        else:
            argv = [self.venv.py, '-c', CHECK_INTREE,
                    os.path.join(context.REPO, 'glance_download',
                                 'selection.py')]
        proc = subprocess.run(argv, cwd='/', env=self.venv.env(),
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        lines = [ln for ln in proc.stdout.splitlines()
                 if ln.startswith('glance_download')]
        return proc.returncode == 0, (lines or [proc.stdout.strip()])[-1]

    def set(self, mode):
        """Make RegionTwo's venv load MODE at its next start."""
        if mode == 'ours':
            util.write(self.pth, self.pth_text)
        elif mode in self.extra:
            util.write(self.pth, self.extra[mode] + '\n')
        else:
            util.remove(self.pth)
        ours, text = self.check()
        if ours != (mode != 'in-tree'):
            raise SystemExit('bench: plugin check disagrees with mode %s: %s'
                             % (mode, text))
        self.mode = mode
        return text.strip()

    def restore(self):
        """Put our plugin back; True if that changed anything."""
        if util.read(self.pth) != self.pth_text:
            context.say('restoring our plugin in RegionTwo')
            self.set('ours')
            return True
        return False


def parse_conf(text):
    parser = configparser.RawConfigParser(delimiters=('=',),
                                          interpolation=None,
                                          strict=False)
    parser.optionxform = str
    parser.read_file(io.StringIO(text))
    conf = {'DEFAULT': dict(parser.defaults())}
    for section in parser.sections():
        conf[section] = {k: v for k, v in parser.items(section, raw=True)
                         if k not in parser.defaults()}
    return conf


class ConfigFiles:
    """RegionTwo's glance-api.conf and uWSGI ini during the benchmark.

    tools/cloud tunes [glance_download] for the fault tests (read_timeout
    = 3, progress every second, ...); a benchmark measures the plugin as
    shipped, so by default those lines are taken out (the plugin's defaults
    apply). A tuning profile (gdbench.profiles) then sets its options on
    top. The originals are put back at the end; the glance-api restarts
    that follow a change pick it up.
    """

    SECTION = 'glance_download'
    REPEATABLE = ('env',)      # uWSGI options that add, not replace

    def __init__(self, keep_plugin_options, conf_path=None, ini_path=None):
        self.keep = keep_plugin_options
        self.conf_path = conf_path or context.STATE.path(
            'etc', 'glance2', 'glance-api.conf')
        self.ini_path = ini_path or os.path.join(context.STATE.etc,
                                                 'glance2.ini')
        self.originals = {p: util.read(p)
                          for p in (self.conf_path, self.ini_path)}
        for path, text in self.originals.items():
            if text is None:
                raise SystemExit('bench: no %s' % path)
        self.base = parse_conf(self.originals[self.conf_path])
        self.kept = ['%s = %s' % kv
                     for kv in self.base.get(self.SECTION, {}).items()]
        if not self.keep:
            self.base.pop(self.SECTION, None)

    def describe(self):
        """The plugin options in force, as text."""
        if self.keep:
            return ', '.join(self.kept) or 'plugin defaults'
        return 'plugin defaults (the cloud\'s %s taken out)' % (
            ', '.join(self.kept) or 'nothing')

    def apply(self, profile):
        """Write the files for PROFILE; True if they changed."""
        conf = {s: dict(opts) for s, opts in self.base.items()}
        for section, opts in profile.conf.items():
            conf.setdefault(section, {}).update(opts)
        ini = self.originals[self.ini_path]
        for key, value in profile.uwsgi.items():
            line = '%s = %s' % (key, value)
            n = 0
            if key not in self.REPEATABLE:
                ini, n = re.subn(r'(?m)^%s = .*$' % re.escape(key), line,
                                 ini)
            if not n:
                ini += line + '\n'
        changed = False
        for path, text in ((self.conf_path, util.ini(conf)),
                           (self.ini_path, ini)):
            if util.read(path) != text:
                util.write(path, text)
                changed = True
        return changed

    def restore(self):
        """Put the cloud's files back; True if they had been changed."""
        changed = False
        for path, text in self.originals.items():
            if util.read(path) != text:
                util.write(path, text)
                changed = True
        return changed
