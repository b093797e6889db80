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

"""Processes: set-up commands with their logs, and the long-running
services, found, started and stopped by PID only.

A PID counts only if that process's command line names the service's own
identity (its config file or pidfile), so a stale pidfile never makes us
signal a stranger.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from gdcloud import util

STOP_TIMEOUT = 15


def proc_state(pid):
    stat = util.read('/proc/%d/stat' % pid)
    if not stat:
        return None
    return stat.rsplit(')', 1)[1].split()[0]


def alive(pid):
    state = proc_state(pid)
    return state is not None and state != 'Z'


def children(pid):
    kids = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            stat = util.read('/proc/%s/stat' % entry)
            if stat and int(stat.rsplit(')', 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


def port_open(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(('127.0.0.1', port)) == 0


def http_up(port, path, timeout=3):
    url = 'http://127.0.0.1:%d%s' % (port, path)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500          # glance answers / with 300
    except (OSError, ValueError):
        return False


def port_taken(port, name):
    return util.CloudError(
        'port %d (for %s) is already in use by a process this tool did not '
        'start; stop it or choose another port (GD_KEYSTONE_PORT, '
        'GD_GLANCE1_PORT, GD_GLANCE2_PORT, GD_PROXY_PORT, GD_TRAP_PORT)'
        % (port, name))


class SetupCommands(object):
    """One-shot commands (pip, db syncs, ...) logged to logs/setup-NAME.log,
    so several can run in parallel and a failure shows its own log.
    """

    def __init__(self, state, env):
        self.state = state
        self.env = env

    def start(self, name, argv, cwd=None, env=None):
        """Start ``argv``; ``env``: variables to add to the venv's."""
        logfile = os.path.join(self.state.logs, 'setup-%s.log' % name)
        out = open(logfile, 'ab')
        out.write(('\n$ %s\n' % ' '.join(argv)).encode())
        out.flush()
        proc = subprocess.Popen(argv, cwd=cwd or self.state.run,
                                env=self.env(**(env or {})),
                                stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
        proc.gd_name, proc.gd_log, proc.gd_out = name, logfile, out
        return proc

    @staticmethod
    def wait(proc):
        rc = proc.wait()
        proc.gd_out.close()
        if rc != 0:
            raise util.CloudError('%s failed (exit %d); end of %s:\n%s' % (
                proc.gd_name, rc, proc.gd_log, util.tail(proc.gd_log, 40)))

    def check_call(self, name, argv, **kwargs):
        self.wait(self.start(name, argv, **kwargs))


class Supervisor(object):
    """Starts, finds and stops services (gdcloud.service.Service)."""

    def __init__(self, state, timeout):
        self.state = state
        self.timeout = timeout

    def pid(self, service):
        text = util.read(service.pidfile)
        if not text or not text.strip().isdigit():
            return None
        pid = int(text.strip())
        cmdline = util.read('/proc/%d/cmdline' % pid)
        if cmdline is None or not set(service.identities) & set(
                cmdline.split('\0')):
            return None
        if proc_state(pid) == 'Z':
            return None
        return pid

    def wait_pid(self, service, proc, timeout=15):
        """Wait until the pidfile of ``service``, just started as ``proc``,
        names it: written by the server once it listens (faultproxy), or
        read before the exec of a script has finished (its cmdline does
        not name the script yet), or written by a daemon after its
        launcher (``proc`` None) has exited (uWSGI).
        """
        deadline = time.time() + timeout
        while self.pid(service) is None:
            if proc is not None and proc.poll() is not None:
                raise util.CloudError('%s exited %d; end of %s:\n%s' % (
                    service.name, proc.returncode, service.log,
                    util.tail(service.log, 20)))
            if time.time() > deadline:
                raise util.CloudError('%s wrote no pidfile within %d s; end '
                                      'of %s:\n%s' % (
                                          service.name, timeout, service.log,
                                          util.tail(service.log, 20)))
            time.sleep(0.05)

    def running_port(self, service):
        """The port SERVICE was last started on (None if not recorded)."""
        text = util.read(self.state.run_file(service.name, 'port'))
        return int(text) if text and text.strip().isdigit() else None

    def running_fingerprint(self, service):
        return util.read(self.state.run_file(service.name, 'fingerprint'))

    def start(self, service, fingerprint):
        for port in service.ports:
            if port_open(port):
                raise port_taken(port, service.name)
        util.write(self.state.run_file(service.name, 'port'),
                   str(service.port))
        service.launch()
        util.write(self.state.run_file(service.name, 'fingerprint'),
                   fingerprint)

    def stop_many(self, services):
        """SIGTERM our masters, wait, then SIGKILL them and their workers;
        a wave at a time (Service.stop_wave). Returns {name: [PIDs]}.
        """
        targets = {}
        for wave in sorted({s.stop_wave for s in services}):
            targets.update(self._stop_wave(
                [s for s in services if s.stop_wave == wave]))
        return targets

    def _stop_wave(self, services):
        targets = {}
        for service in services:
            pid = self.pid(service)
            if pid is None:
                continue
            group = [pid] + children(pid)
            targets[service.name] = group
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.time() + STOP_TIMEOUT
        while time.time() < deadline and any(
                alive(p) for g in targets.values() for p in g):
            time.sleep(0.1)
        for name, group in targets.items():
            leftovers = [p for p in group if alive(p)]
            for p in leftovers:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if leftovers:
                util.log('%s: killed %s after %d s' % (name, leftovers,
                                                       STOP_TIMEOUT))
            for suffix in ('pid', 'fingerprint', 'port'):
                util.remove(self.state.run_file(name, suffix))
            util.log('stopped %s (pid %d)' % (name, group[0]))
        return targets

    def wait_up(self, services):
        deadline = time.time() + self.timeout
        pending = list(services)
        while pending:
            for service in list(pending):
                if service.answering():
                    pending.remove(service)
                    continue
                if self.pid(service) is None:
                    logfile = self.state.log_of(service.name)
                    raise util.CloudError(
                        '%s died while starting; end of %s:\n%s'
                        % (service.name, logfile, util.tail(logfile, 40)))
            if not pending:
                break
            if time.time() > deadline:
                service = pending[0]
                logfile = self.state.log_of(service.name)
                raise util.CloudError(
                    '%s did not answer on http://127.0.0.1:%d%s within %d s;'
                    ' end of %s:\n%s' % (service.name, service.port,
                                         service.probe, self.timeout,
                                         logfile, util.tail(logfile, 40)))
            time.sleep(0.2)
