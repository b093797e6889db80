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

"""A region's glance-api run the other way operators run Glance 28-32:
the standalone ``glance-api`` command, an eventlet server that monkey-
patches the process (threads become green threads). Glance 33 has no such
server (gdcloud.settings refuses it there).

It binds from glance-api.conf ([DEFAULT] bind_host, bind_port, workers)
and finds its paste config by [paste_deploy] config_file; it logs to its
own log_file. This tool records its PID.
"""

import configparser
import io
import os
import subprocess
import time

from gdcloud import glance
from gdcloud import sqlite
from gdcloud import util

# glance-api's main() after the SQLite transaction module every uWSGI
# worker of the cloud imports too (gdcloud.sqlite): glance.cmd.api
# monkey-patches when imported, before anything else is.
MAIN = ('import sys; from glance.cmd import api; '
        'import gd_sqlite_immediate; sys.exit(api.main())')


class StandaloneGlanceApi(glance.GlanceApi):

    @property
    def identity(self):
        return self.conf_dir

    def conf(self):
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        parser.read_string(super().conf())
        processes = self.ctx.settings.glance2_processes \
            if self.region == 'RegionTwo' else 2
        parser['DEFAULT'].update({
            'bind_host': '127.0.0.1',
            'bind_port': str(self.port),
            'workers': str(processes),
            'log_file': self.log,
        })
        parser['paste_deploy']['config_file'] = os.path.join(
            self.conf_dir, 'glance-api-paste.ini')
        del parser['wsgi']['python_interpreter']   # uWSGI's need only
        out = io.StringIO()
        parser.write(out)
        return out.getvalue()

    def files(self):
        files = super().files()
        del files[os.path.relpath(self.ini_path, self.ctx.state.dir)]
        return files

    def launch(self):
        with open(self.log, 'ab') as out:
            out.write(('\n===== tools/cloud starting %s (standalone '
                       'glance-api) at %s\n' % (
                           self.name,
                           time.strftime('%Y-%m-%d %H:%M:%S'))).encode())
            out.flush()
            proc = subprocess.Popen(
                [self.venv.py, '-c', MAIN, '--config-dir', self.conf_dir],
                cwd=self.ctx.state.run,
                env=self.venv.env(PYTHONPATH=sqlite.UWSGI_IMPORTS),
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        util.write(self.pidfile, '%d\n' % proc.pid)
