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

"""Servers run under uWSGI, the way operators deploy Keystone and Glance's
WSGI application."""

import os
import subprocess
import time

from gdcloud import service
from gdcloud import util


REQUEST_LOG_FORMAT = (
    '[pid: %(pid)] %(addr) [%(ctime)] %(method) %(uri) => generated '
    '%(rsize) bytes in %(msecs) msecs (%(proto) %(status)) request id '
    '%(var.HTTP_X_OPENSTACK_REQUEST_ID)')


class UwsgiService(service.Service):

    @property
    def venv(self):
        return self.ctx.venv

    @property
    def ini_path(self):
        return os.path.join(self.ctx.state.etc, '%s.ini' % self.name)

    @property
    def identity(self):
        return self.ini_path

    def app_options(self):
        """[(option, value)] naming the application and its processes."""
        raise NotImplementedError

    def ini(self):
        state = self.ctx.state
        opts = [
            ('http-socket', '127.0.0.1:%d' % self.port),
            ('virtualenv', self.venv.path),
            # Never the repo root: project metadata in the cwd would shadow
            # the plugin directory for importlib.metadata.
            ('chdir', state.run),
            ('master', 'true'),
            ('die-on-term', 'true'),
            ('hook-master-start', 'unix_signal:15 gracefully_kill_them_all'),
            ('worker-reload-mercy', '5'),
            ('need-app', 'true'),
            ('enable-threads', 'true'),
            ('lazy-apps', 'true'),
            ('vacuum', 'true'),
            ('buffer-size', '65535'),
            ('add-header', 'Connection: close'),
        ] + self.ctx.database.uwsgi_options() + [
            ('chunked-input-limit', '67108864'),
            ('pidfile', self.pidfile),
            ('daemonize', self.log),
            ('log-date', 'true'),
            ('disable-logging', 'false'),
            # uWSGI's request line, ending with the X-OpenStack-Request-ID
            # the request came with ("-": none), so that a region's log
            # shows which of its requests another region's import made.
            ('log-format', REQUEST_LOG_FORMAT),
        ] + self.app_options()
        return '[uwsgi]\n' + ''.join('%s = %s\n' % kv for kv in opts)

    def files(self):
        return {os.path.relpath(self.ini_path, self.ctx.state.dir):
                self.ini()}

    def launch(self):
        """uWSGI daemonizes itself and writes the pidfile."""
        with open(self.log, 'ab') as out:
            out.write(('\n===== tools/cloud starting %s at %s\n' % (
                self.name, time.strftime('%Y-%m-%d %H:%M:%S'))).encode())
            out.flush()
            rc = subprocess.call(
                [self.venv.bin('uwsgi'), '--ini', self.ini_path],
                cwd=self.ctx.state.run, env=self.venv.env(),
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT)
        if rc != 0:
            raise util.CloudError('uwsgi for %s exited %d; end of %s:\n%s' % (
                self.name, rc, self.log, util.tail(self.log, 40)))
        # The daemon writes the pidfile a moment after its launcher has
        # exited: until then wait_up would take it for dead (seen when a
        # killed server, whose stale pidfile names a dead master, was
        # started again).
        self.ctx.supervisor.wait_pid(self, None)
