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

"""A RabbitMQ broker for Glance's notifications (GD_RABBITMQ=1), the
message bus production regions send them to: Debian's rabbitmq-server
(bindep.txt, profile rabbitmq), not its system service.

Everything lives in <state dir>/rabbitmq/ and listens on 127.0.0.1 only:
Debian's /usr/sbin wrappers switch to the rabbitmq user and
/var/lib/rabbitmq, so the scripts of the package's own sbin directory run
instead, with an environment (``Broker.env``) that names every directory,
file and port. Erlang's name daemon would otherwise start itself with
-daemon (a process whose PID nobody knows, on 0.0.0.0): this tool starts
epmd in the foreground, keeps its PID and stops it after the broker.

The vhost, user, permissions and a policy that caps every queue are a
definitions file the broker imports each time it boots: one vhost and
user, whatever state the data directory was left in, and no rabbitmqctl
call (about 0.4 s each) on the way up but ``wait``.
"""

import glob
import json
import os
import secrets
import string
import subprocess
import time

from gdcloud import debian
from gdcloud import procs
from gdcloud import service
from gdcloud import util

NODE = 'gdcloud@localhost'
# For the broker and rabbitmqctl alike: Erlang distribution on loopback
# only.
ERL_ARGS = '-kernel inet_dist_use_interface {127,0,0,1}'
VHOST = 'openstack'
USER = 'openstack'
READY_TIMEOUT = 120
# rabbitmqctl runs an Erlang node of its own, which binds one of these
# ports above GD_RABBITMQ_DIST_PORT (Debian's default: 10000 above it).
CTL_PORTS = 10
# Glance's notification queues (the notifier's own notifications.info,
# and one per listener pool) are neither durable nor auto-deleted: with
# nobody reading they grow for ever. The oldest messages make room, and
# none outlives an hour: a consumer that was away catches up with a full
# pass over the images anyway.
QUEUE_CAP = {'max-length': 10000, 'message-ttl': 3600 * 1000}
PACKAGE_SBIN = '/usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin'


def url_file(state):
    """Where clients find the transport URL (a file only a cloud with a
    broker has).
    """
    return os.path.join(state.etc, 'notifications.url')


def scripts_dir():
    """The newest installed rabbitmq_server-<version>/sbin, or None."""
    def version(path):
        name = os.path.basename(os.path.dirname(path))
        return [int(p) if p.isdigit() else 0
                for p in name.rpartition('-')[2].split('.')]
    found = sorted(glob.glob(PACKAGE_SBIN), key=version)
    return found[-1] if found else None


class Epmd(service.Service):
    """Erlang's port mapper, which the broker and rabbitmqctl find each
    other through; it writes no pidfile, so this tool writes its PID.
    """

    name = 'epmd'
    # The broker deregisters from it while stopping.
    stop_wave = 1

    @property
    def identity(self):
        return str(self.port)

    def args(self):
        return ['-address', '127.0.0.1', '-port', str(self.port)]

    def argv(self):
        program = debian.program('epmd')
        if program is None:
            raise util.CloudError('GD_RABBITMQ=1: no epmd (Debian: apt-get '
                                  'install rabbitmq-server)')
        return [program] + self.args()

    def watched(self):
        # Its command line is its config: another port restarts it.
        return {'arguments': ' '.join(self.args())}

    def launch(self):
        with open(self.log, 'ab') as out:
            proc = subprocess.Popen(
                self.argv(), cwd=self.ctx.state.run,
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        util.write(self.pidfile, '%d\n' % proc.pid)
        deadline = time.time() + 15
        while not self.answering():
            if proc.poll() is not None or time.time() > deadline:
                raise util.CloudError('epmd did not listen on 127.0.0.1:%d '
                                      '(exit %s); end of %s:\n%s' % (
                                          self.port, proc.poll(), self.log,
                                          util.tail(self.log, 20)))
            time.sleep(0.05)

    def answering(self, port=None):
        return procs.port_open(port or self.port)


class Server(service.Service):
    """The broker's Erlang VM (beam.smp), which writes its own pidfile."""

    name = 'rabbitmq'

    def __init__(self, broker, port):
        super().__init__(broker.ctx, port)
        self.broker = broker

    @property
    def ports(self):
        return [self.port, self.broker.dist_port]

    @property
    def identity(self):
        # An Erlang flag of our own on the VM's command line
        # (Broker.erl_args): the pidfile's process is this broker.
        return self.pidfile

    def files(self):
        return self.broker.files()

    def watched(self):
        return {'environment': json.dumps(self.broker.env(), sort_keys=True)}

    def launch(self):
        """Start rabbitmq-server in a session of its own; the VM writes
        the pidfile early in its boot, long before it takes connections
        (Broker.wait_ready).
        """
        self.broker.ensure_cookie()
        util.remove(self.pidfile)
        with open(self.log, 'ab') as out:
            out.write(('\n===== tools/cloud starting %s at %s\n' % (
                self.name, time.strftime('%Y-%m-%d %H:%M:%S'))).encode())
            out.flush()
            proc = subprocess.Popen(
                [self.broker.script('rabbitmq-server')], cwd=self.broker.dir,
                env=self.broker.env(), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.ctx.supervisor.wait_pid(self, proc, timeout=60)

    def answering(self, port=None):
        return procs.port_open(port or self.port)

    def describe(self):
        return self.broker.describe()


class Broker(object):
    """epmd and the broker; ``transport_url()`` for Glance and clients."""

    def __init__(self, ctx):
        self.ctx = ctx
        settings = ctx.settings
        self.dir = ctx.state.path('rabbitmq')
        self.home = os.path.join(self.dir, 'home')
        self.port = settings.rabbitmq_port
        self.dist_port = settings.rabbitmq_dist_port
        self.epmd = Epmd(ctx, settings.epmd_port)
        self.server = Server(self, self.port)
        self.password_file = os.path.join(self.dir, 'password')
        self.definitions = os.path.join(self.dir, 'definitions.json')
        self.url_file = url_file(ctx.state)
        # Whether this `up` (re)started a server (Broker.up).
        self.started = []

    def servers(self):
        """In the order they start."""
        return [self.epmd, self.server]

    def dirs(self):
        return [os.path.relpath(d, self.ctx.state.dir)
                for d in (self.dir, self.home)]

    def script(self, name):
        sbin = scripts_dir()
        if sbin is None:
            raise util.CloudError(
                'GD_RABBITMQ=1: no %s (Debian: apt-get install '
                'rabbitmq-server; its system service need not run)'
                % PACKAGE_SBIN)
        return os.path.join(sbin, name)

    # ------------------------------------------------------ configuration

    def password(self):
        """The user's password: made once, kept in the state directory
        (mode 600); Glance's config and etc/notifications.url carry it.
        """
        password = util.read(self.password_file)
        if not password:
            password = secrets.token_urlsafe(24)
            util.write(self.password_file, password, mode=0o600)
        return password.strip()

    def transport_url(self):
        return 'rabbit://%s:%s@127.0.0.1:%d/%s' % (
            USER, self.password(), self.port, VHOST)

    def env(self):
        """The whole environment of the broker and of rabbitmqctl: nothing
        of the caller's (a RABBITMQ_* or HOME of theirs would move files
        out of the state directory or the node off 127.0.0.1).
        """
        path = lambda name: os.path.join(self.dir, name)  # noqa: E731
        return {
            'PATH': '/usr/bin:/bin',
            'LC_ALL': 'C.UTF-8',
            # Erlang's cookie ($HOME/.erlang.cookie) and the CLI's files.
            'HOME': self.home,
            'RABBITMQ_NODENAME': NODE,
            'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
            'RABBITMQ_NODE_PORT': str(self.port),
            'RABBITMQ_DIST_PORT': str(self.dist_port),
            'RABBITMQ_CTL_DIST_PORT_MIN': str(self.dist_port + 1),
            'RABBITMQ_CTL_DIST_PORT_MAX': str(self.dist_port + CTL_PORTS),
            'RABBITMQ_MNESIA_BASE': path('mnesia'),
            'RABBITMQ_LOG_BASE': path('log'),
            # To standard output, which launch() sends to logs/rabbitmq.log.
            'RABBITMQ_LOGS': '-',
            'RABBITMQ_PID_FILE': self.server.pidfile,
            'RABBITMQ_CONFIG_FILE': path('rabbitmq.conf'),
            'RABBITMQ_ADVANCED_CONFIG_FILE': path('advanced.config'),
            # Not /etc/rabbitmq/rabbitmq-env.conf.
            'RABBITMQ_CONF_ENV_FILE': path('rabbitmq-env.conf'),
            'RABBITMQ_ENABLED_PLUGINS_FILE': path('enabled_plugins'),
            'ERL_EPMD_PORT': str(self.epmd.port),
            'ERL_EPMD_ADDRESS': '127.0.0.1',
            # No Erlang VM of theirs starts an epmd (-daemon: a PID nobody
            # knows) when ours is not running, not even the one the
            # broker and rabbitmqctl spawn to make sure there is one: they
            # fail instead, and `up` starts ours first.
            'ERL_AFLAGS': '-start_epmd false',
            'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS': '%s -gdcloud_pidfile %s' % (
                ERL_ARGS, self.server.pidfile),
            'RABBITMQ_CTL_ERL_ARGS': ERL_ARGS,
        }

    def definitions_json(self):
        """What the broker imports at boot (rabbitmq.conf
        load_definitions): Glance's and its consumers' vhost and user,
        and the policy that caps every queue of the vhost.
        """
        return json.dumps({
            'vhosts': [{'name': VHOST}],
            'users': [{'name': USER, 'password': self.password(),
                       'tags': ''}],
            'permissions': [{'user': USER, 'vhost': VHOST, 'configure': '.*',
                             'write': '.*', 'read': '.*'}],
            'policies': [{'vhost': VHOST, 'name': 'cap-queues',
                          'pattern': '.*', 'apply-to': 'queues',
                          'priority': 0, 'definition': QUEUE_CAP}],
        }, indent=2, sort_keys=True) + '\n'

    def files(self):
        rel = lambda name: os.path.join('rabbitmq', name)  # noqa: E731
        return {
            rel('rabbitmq.conf'): ''.join('%s = %s\n' % kv for kv in [
                ('load_definitions', self.definitions),
                # The console log is the only one (RABBITMQ_LOGS=-).
                ('log.console.level', 'info'),
            ]),
            rel('definitions.json'): self.definitions_json(),
            rel('advanced.config'): '[].\n',
            rel('enabled_plugins'): '[].\n',
            rel('rabbitmq-env.conf'): '',
        }

    def ctl_script(self):
        """<state dir>/rabbitmq/rabbitmqctl: the package's rabbitmqctl
        with the broker's environment. A bare rabbitmqctl finds neither
        the node nor its cookie, and starts a stray epmd on port 4369.
        """
        return '#!/bin/sh\n# tools/cloud\'s broker (gdcloud/rabbitmq.py)\n' \
            'exec env -i %s %s -n %s "$@"\n' % (
                ' '.join('%s=%s' % (k, util.shell_quote(v))
                         for k, v in sorted(self.env().items())),
                util.shell_quote(self.script('rabbitmqctl')), NODE)

    def ensure_cookie(self):
        """Erlang's cookie, before the broker or rabbitmqctl would race to
        make it.
        """
        cookie = os.path.join(self.home, '.erlang.cookie')
        if not os.path.exists(cookie):
            util.write(cookie, ''.join(
                secrets.choice(string.ascii_uppercase) for _ in range(20)),
                mode=0o400)

    # ------------------------------------------------------------ up

    def up(self, start):
        """Install the package if needed and start epmd and the broker;
        ``start`` is Cloud.start for a list of servers (restarts on a
        changed config). The broker boots meanwhile: wait_ready().
        """
        debian.ensure('rabbitmq', 'GD_RABBITMQ=1', self.ctx.setup)
        os.chmod(self.dir, 0o700)   # the password, cookie and definitions
        util.write(os.path.join(self.dir, 'rabbitmqctl'), self.ctl_script(),
                   mode=0o700)
        self.started = start([self.epmd])
        if self.started:
            # A broker still running registered with the epmd that is
            # gone: neither rabbitmqctl nor a restart would find it.
            self.ctx.supervisor.stop_many([self.server])
        self.started += start([self.server])

    def ctl(self, *args, timeout=60):
        """Run rabbitmqctl against the broker; return its output."""
        proc = subprocess.run(
            [self.script('rabbitmqctl'), '-n', NODE] + list(args),
            env=self.env(), cwd=self.dir, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=timeout)
        if proc.returncode != 0:
            raise util.CloudError('rabbitmqctl %s failed (exit %d): %s' % (
                ' '.join(args), proc.returncode,
                proc.stdout.decode(errors='replace').strip()))
        return proc.stdout.decode()

    def wait_ready(self):
        """Until a broker this `up` started has imported its definitions
        and takes connections; then write the URL for clients.
        """
        if self.started or util.read(self.url_file) is None:
            t0 = time.time()
            try:
                self.ctl('wait', '--timeout', str(READY_TIMEOUT),
                         self.server.pidfile, timeout=READY_TIMEOUT + 10)
            except util.CloudError as exc:
                raise util.CloudError('%s; end of %s:\n%s' % (
                    exc, self.server.log, util.tail(self.server.log, 20)))
            util.log('RabbitMQ ready after %.1f s more' % (time.time() - t0))
        if util.read(self.url_file) != self.transport_url() + '\n':
            util.write(self.url_file, self.transport_url() + '\n',
                       mode=0o600)

    def describe(self):
        """For `tools/cloud status`: the vhost's queues, in a few words."""
        if not self.server.answering():
            return ''
        if self.ctx.supervisor.pid(self.epmd) is None:
            return ' (its epmd is down: tools/cloud up restarts both)'
        try:
            out = self.ctl('list_queues', '-p', VHOST, '--quiet',
                           '--no-table-headers', 'name', 'messages',
                           timeout=15)
        except (util.CloudError, subprocess.TimeoutExpired) as exc:
            return ' (%s)' % str(exc).strip().splitlines()[-1][:100]
        rows = [line.split() for line in out.splitlines() if line.strip()]
        return ' (vhost %s: %d queues, %d messages)' % (
            VHOST, len(rows), sum(int(r[-1]) for r in rows
                                  if r[-1].isdigit()))

    def log_summary(self):
        return 'Broker    rabbit://%s:***@127.0.0.1:%d/%s  Glance\'s ' \
            'notifications (exchange glance, topic notifications; URL in ' \
            '%s)' % (USER, self.port, VHOST, self.url_file)
