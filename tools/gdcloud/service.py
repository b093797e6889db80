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

"""What every long-running server of the cloud has in common.

A service is a name, a port answering HTTP on a probe path, the config
files it is started with (their hash decides whether a running server is
restarted), and a way to launch it that leaves a pidfile naming a process
whose command line contains ``identity``.
"""

from gdcloud import procs


class Service(object):
    name = None
    region = '-'
    probe = '/'
    # Services stop in waves, lowest first: one that others rely on while
    # they stop (epmd, for the RabbitMQ broker) waits for them to exit.
    stop_wave = 0

    def __init__(self, ctx, port):
        self.ctx = ctx
        self.port = port

    @property
    def ports(self):
        """Every port the service listens on (checked free before start)."""
        return [self.port]

    @property
    def pidfile(self):
        return self.ctx.state.run_file(self.name, 'pid')

    @property
    def log(self):
        return self.ctx.state.log_of(self.name)

    @property
    def identity(self):
        raise NotImplementedError

    @property
    def identities(self):
        """Every identity a process of this service may have been started
        with (a service that can run in two ways is found in either).
        """
        return [self.identity]

    def files(self):
        """{path relative to the state dir: text} to write before start."""
        return {}

    def watched(self):
        """{label: text} not written, but a change restarts the service."""
        return {}

    def init(self):
        """Start one-time set-up (db sync...) and return its process, or
        None when nothing is to do. Runs beside the other services'.
        """
        return None

    def launch(self):
        raise NotImplementedError

    def describe(self):
        """Extra words for `status` after the state."""
        return ''

    def answering(self, port=None):
        """Whether it serves requests (HTTP on ``probe``) on ``port``
        (default: the one it is configured with).
        """
        return procs.http_up(port or self.port, self.probe)
