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

"""gdcloud.procs.Supervisor: services stop in waves, so that one others rely
on while they stop (epmd, for the RabbitMQ broker) outlives them."""

import os
import signal
import subprocess
import sys
import time
import types

import fixtures
import testtools

from gdcloud import procs
from gdcloud import service
from gdcloud import state
from gdcloud import util

# A server that, on SIGTERM, notes the time, takes a moment to exit (as
# the broker does), and notes the time again.
SLOW_EXIT = '''
import signal, sys, time
def term(*_):
    with open(sys.argv[2], 'a') as f:
        f.write('%s term %f\\n' % (sys.argv[1], time.time()))
    time.sleep(0.3)
    with open(sys.argv[2], 'a') as f:
        f.write('%s exit %f\\n' % (sys.argv[1], time.time()))
    sys.exit(0)
signal.signal(signal.SIGTERM, term)
open(sys.argv[3], 'w').write('ready')
time.sleep(60)
'''


class SlowExit(service.Service):
    """A process of SLOW_EXIT, found by its name on its command line."""

    def __init__(self, st, name, stop_wave):
        super().__init__(types.SimpleNamespace(state=st), None)
        self.name, self.stop_wave = name, stop_wave

    @property
    def identity(self):
        return self.name


class StopWavesTest(testtools.TestCase):

    def test_epmd_wave_stops_after_the_broker_exited(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        st = state.StateDir(tmp)
        st.create([])
        events = os.path.join(tmp, 'events')
        services = []
        for name, wave in (('late', 1), ('early', 0)):
            server = SlowExit(st, name, wave)
            ready = os.path.join(tmp, name + '.ready')
            proc = subprocess.Popen([sys.executable, '-c', SLOW_EXIT, name,
                                     events, ready])
            self.addCleanup(proc.wait)
            self.addCleanup(lambda p=proc: p.poll() is None and
                            p.send_signal(signal.SIGKILL))
            util.write(server.pidfile, str(proc.pid))
            while not os.path.exists(ready):
                time.sleep(0.01)
            services.append(server)
        supervisor = procs.Supervisor(st, 10)
        self.assertEqual({'early', 'late'},
                         set(supervisor.stop_many(services)))
        with open(events) as f:
            order = [line.split()[:2] for line in f]
        self.assertEqual([['early', 'term'], ['early', 'exit'],
                          ['late', 'term'], ['late', 'exit']], order)
