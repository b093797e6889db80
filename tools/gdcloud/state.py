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

"""The state directory: its layout, the marker that says it is ours, and
what --wipe may delete.
"""

import os
import shutil

from gdcloud import series
from gdcloud import util

MARKER = '.gd-cloud'          # marks a directory this tool created


def default_dir(repo, environ=os.environ):
    """GD_CLOUD_DIR, else <repo>/.cloud for the newest Glance series and
    <repo>/.cloud/<series> for another GD_GLANCE_SERIES.

    The one rule every tool and test uses to find the cloud (they put
    tools/ on sys.path for it): a state directory per series, so switching
    series does not reinstall anything.
    """
    if environ.get('GD_CLOUD_DIR'):
        return os.path.abspath(environ['GD_CLOUD_DIR'])
    root = os.path.join(repo, '.cloud')
    name = environ.get('GD_GLANCE_SERIES') or series.NEWEST.name
    return root if name == series.NEWEST.name else os.path.join(root, name)


class StateDir(object):

    def __init__(self, root):
        self.dir = root
        self.etc = os.path.join(root, 'etc')
        self.run = os.path.join(root, 'run')
        self.logs = os.path.join(root, 'logs')

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def log_of(self, name):
        return os.path.join(self.logs, '%s.log' % name)

    def run_file(self, name, suffix):
        return os.path.join(self.run, '%s.%s' % (name, suffix))

    def ours(self):
        return not (os.path.isdir(self.dir) and os.listdir(self.dir) and
                    not os.path.exists(self.path(MARKER)))

    def create(self, subdirs):
        if not self.ours():
            raise util.CloudError('%s exists and was not made by tools/cloud;'
                                  ' set GD_CLOUD_DIR elsewhere' % self.dir)
        for d in (self.dir, self.etc, self.run, self.logs):
            os.makedirs(d, exist_ok=True)
        util.write(self.path(MARKER), 'state of tools/cloud; safe to delete '
                   'with tools/cloud down --wipe\n')
        for sub in subdirs:
            os.makedirs(self.path(sub), exist_ok=True)

    def wipe(self, owned, with_venv):
        """Delete only what this tool makes: other tools may keep their own
        state next to it (e.g. a tempest venv), which stays.
        """
        if not os.path.isdir(self.dir):
            return
        if not self.ours():
            raise util.CloudError('%s was not made by tools/cloud; not '
                                  'deleting it' % self.dir)
        owned = ['etc', 'run', 'logs'] + list(owned)
        if with_venv:
            owned += ['venv', MARKER]
        for entry in owned:
            full = self.path(entry)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            elif os.path.lexists(full):
                os.unlink(full)
        if with_venv and not os.listdir(self.dir):
            os.rmdir(self.dir)
        util.log('wiped %s%s' % (self.dir, '' if with_venv else
                                 ' (kept venv/; --wipe-venv removes it)'))
