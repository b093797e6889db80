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

"""This working tree as Glance's plugin: installed into the venv with
tools/install-into-glance when it changed, and checked with
glance_download.cmd.check."""

import glob
import hashlib
import os
import subprocess

from gdcloud import paths
from gdcloud import util

# Packages of the plugin directory that glance-api never imports.
FRONT_ENDS = {os.path.join('glance_download', name)
              for name in ('copying', 'dashboard', 'osc')}


class Plugin(object):

    def __init__(self, venv, setup):
        self.venv = venv
        self.setup = setup
        self.stamp_file = os.path.join(venv.path, '.gd-plugin-stamp')

    @staticmethod
    def source_fingerprint():
        """Hash of what tools/install-into-glance would install, or None.

        The same file list the installer copies (tracked plus untracked,
        not ignored, files of the working tree) and HEAD, which pbr turns
        into the version.
        """
        def git(*args):
            return subprocess.run(['git', '-C', paths.REPO] + list(args),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL).stdout
        head = git('rev-parse', 'HEAD').strip()
        if not head:
            return None
        h = hashlib.sha256(head + b'\0')
        listing = git('ls-files', '-z', '--cached', '--others',
                      '--exclude-standard')
        for rel in sorted(set(listing.split(b'\0')) - {b''}):
            full = os.path.join(paths.REPO, os.fsdecode(rel))
            if os.path.isfile(full):
                h.update(rel + b'\0')
                with open(full, 'rb') as f:
                    h.update(hashlib.sha256(f.read()).digest())
        return h.hexdigest()

    def fingerprint(self):
        """Hash of what glance-api loads of the installed plugin: a change
        restarts the glance-apis.

        Not the front-ends' code (the OSC command, the dashboard, their
        shared copying package: Glance never imports them), and of the
        metadata only the entry points: pbr's version and git sha change
        with every commit, and Glance does not read them.
        """
        plugin_dir = os.path.join(self.venv.path, 'glance-download-plugins')
        h = hashlib.sha256()
        for root, dirs, files in os.walk(plugin_dir):
            rel_root = os.path.relpath(root, plugin_dir)
            dirs[:] = sorted(
                d for d in dirs if d != '__pycache__' and
                os.path.join(rel_root, d) not in FRONT_ENDS)
            metadata = rel_root.endswith('.dist-info')
            for fn in sorted(files):
                if metadata and fn != 'entry_points.txt':
                    continue
                # The metadata's directory is named after the version.
                rel = os.path.join('dist-info' if metadata else rel_root, fn)
                h.update(rel.encode() + b'\0')
                with open(os.path.join(root, fn), 'rb') as f:
                    h.update(f.read())
        return h.hexdigest()

    def install(self, force=False):
        """Start tools/install-into-glance unless nothing changed.

        Skipped when the source tree and the installed plugin directory
        are exactly as after the last install (saves ~7 s per up).
        """
        if self.venv.shared:
            # Not ours to change: reinstalling would swap the plugin under
            # the owning cloud's running imports.
            return None
        source = self.source_fingerprint()
        pth = glob.glob(os.path.join(self.venv.path, 'lib', 'python*',
                                     'site-packages',
                                     'zz-glance-download-plugins.pth'))
        if (not force and source is not None and pth and
                util.read(self.stamp_file) == '%s %s' % (
                    source, self.fingerprint())):
            return None
        util.remove(self.stamp_file)
        proc = self.setup.start('install-plugin',
                                [paths.INSTALLER, self.venv.path], cwd='/')
        proc.gd_done = lambda: source and util.write(
            self.stamp_file, '%s %s' % (source, self.fingerprint()))
        return proc

    @staticmethod
    def install_failed(proc):
        """Whether the installer's failure was the install itself.

        The installer ends with the plugin check: only a failed install is
        fatal at once; the check is judged when the services run.
        """
        last_run = (util.read(proc.gd_log) or '').rsplit('\n$ ', 1)[-1]
        return 'installed glance_download into' not in last_run

    def check(self):
        """(ok, output) of glance_download.cmd.check, run from /."""
        if not os.path.exists(self.venv.py):
            return False, 'no venv'
        proc = subprocess.run(
            [self.venv.py, '-m', 'glance_download.cmd.check'], cwd='/',
            env=self.venv.env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return proc.returncode == 0, proc.stdout.decode(errors='replace')
