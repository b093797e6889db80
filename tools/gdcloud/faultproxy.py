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

"""tools/faultproxy as the image endpoint of RegionFaulty: a proxy in front
of RegionOne's Glance that misbehaves on request.
"""

import json
import subprocess

from gdcloud import paths
from gdcloud import service
from gdcloud import util

REGION = 'RegionFaulty'


class FaultProxy(service.Service):
    name = 'faultproxy'
    region = REGION
    probe = '/__fault__'

    def __init__(self, ctx, port, trap_port, upstream):
        super().__init__(ctx, port)
        self.trap_port = trap_port
        self.upstream = upstream
        self.url = 'http://127.0.0.1:%d' % port

    @property
    def ports(self):
        return [self.port, self.trap_port]

    @property
    def identity(self):
        """The proxy's pidfile path, which is on its command line."""
        return self.pidfile

    def argv(self):
        return [self.ctx.venv.py, paths.FAULTPROXY, '--port', str(self.port),
                '--trap-port', str(self.trap_port),
                '--upstream', self.upstream, '--pidfile', self.pidfile]

    def files(self):
        # Its "config" is its command line (the functional fault tests read
        # it back from etc/faultproxy.argv).
        return {'etc/faultproxy.argv': json.dumps(self.argv()) + '\n'}

    def watched(self):
        # A changed script, or fault library, restarts it too.
        return {'tools/faultproxy': util.read(paths.FAULTPROXY),
                'tests/faults.py': util.read(paths.FAULTS)}

    def launch(self):
        """Start it in the background; it writes its pidfile once both of
        its ports listen.
        """
        util.remove(self.pidfile)
        with open(self.log, 'ab') as out:
            proc = subprocess.Popen(
                self.argv(), cwd=self.ctx.state.run, env=self.ctx.venv.env(),
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.ctx.supervisor.wait_pid(self, proc)

    def describe(self):
        return ' (trap port %d)' % self.trap_port
