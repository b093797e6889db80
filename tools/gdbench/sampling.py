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

"""What a measurement observes from outside Glance: its workers' memory
and CPU time in /proc, the staging and store directories every 50 ms, and
Glance's log lines written meanwhile.
"""

import datetime
import os
import re
import resource
import threading
import time

from gdbench import context
from gdcloud import procs
from gdcloud import util

TICK = os.sysconf('SC_CLK_TCK')
SAMPLE_EVERY = 0.05
LOG_TS = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\d+) ')


def cpu_of(pid):
    """utime+stime ticks of PID, or None."""
    text = util.read('/proc/%d/stat' % pid)
    if not text:
        return None
    fields = text.rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def status_of(pid):
    """(VmRSS KiB, thread count) of PID, or (None, None)."""
    rss = threads = None
    for line in (util.read('/proc/%d/status' % pid) or '').splitlines():
        if line.startswith('VmRSS:'):
            rss = int(line.split()[1])
        elif line.startswith('Threads:'):
            threads = int(line.split()[1])
    return rss, threads


HEAP_MAX = 64 * 1024 * 1024    # glibc's HEAP_MAX_SIZE on 64-bit


def malloc_heaps(pid):
    """(count, RSS KiB) of glibc's per-thread malloc arenas in PID.

    Each arena but the main one lives in anonymous mappings inside a
    64 MiB-aligned 64 MiB reservation; a mapping without a path whose
    start is so aligned counts as one, with the RSS of every mapping in
    its 64 MiB. (A heuristic: another aligned anonymous mapping would
    count too.)
    """
    count, rss, region = 0, 0, None
    for line in (util.read('/proc/%d/smaps' % pid) or '').splitlines():
        head = line.split()
        if head and '-' in head[0] and len(head) >= 5 and \
                not head[0].endswith(':'):
            start = int(head[0].split('-')[0], 16)
            if len(head) == 5 and start % HEAP_MAX == 0:
                region = start
                count += 1
            elif region is None or start >= region + HEAP_MAX or \
                    len(head) > 5:
                region = None
        elif head[:1] == ['Rss:'] and region is not None:
            rss += int(head[1])
    return count, rss


def _pid_of(name, arg):
    """The pid in the cloud's run/NAME.pid if that process's command line
    has ARG (so it is the cloud's own, not another process that got the
    pid since), else None.
    """
    text = util.read(context.STATE.run_file(name, 'pid'))
    if not text or not text.strip().isdigit():
        return None
    pid = int(text.strip())
    cmdline = util.read('/proc/%d/cmdline' % pid) or ''
    return pid if arg in cmdline.split('\0') else None


def master_pid(service):
    """Our uwsgi master of SERVICE."""
    return _pid_of(service, os.path.join(context.STATE.etc,
                                         '%s.ini' % service))


def osd_pid():
    """The cloud's own Ceph OSD (GD_STORE=rbd), or None: on RBD it does
    the store's writes, on the same cores.
    """
    return _pid_of('ceph-osd', context.STATE.path('ceph', 'ceph.conf'))


def workers(region):
    pid = master_pid(context.SERVICE[region])
    if pid is None:
        raise SystemExit('bench: %s is not running in %s (tools/cloud up)'
                         % (region, context.CLOUD_DIR))
    return sorted(procs.children(pid))


def cpu_ticks(pids):
    return sum(cpu_of(pid) or 0 for pid in pids)


def load1():
    return os.getloadavg()[0]


def cpu_pressure():
    """The kernel's CPU pressure (PSI): the share of the last 60 s in
    which some runnable task waited for a CPU, or None.
    """
    for line in (util.read('/proc/pressure/cpu') or '').splitlines():
        if line.startswith('some '):
            return float(dict(f.split('=') for f in line.split()[1:])
                         ['avg60']) / 100
    return None


def thread_cpu():
    r = resource.getrusage(resource.RUSAGE_THREAD)
    return r.ru_utime + r.ru_stime


def log_time(line):
    m = LOG_TS.match(line)
    if not m:
        return None
    dt = datetime.datetime.strptime(m.group(1), '%Y-%m-%d %H:%M:%S.%f')
    return time.mktime(dt.timetuple()) + dt.microsecond / 1e6


class Sampler(threading.Thread):
    """Every SAMPLE_EVERY s: worker RSS, staging and store bytes."""

    live = set()

    @classmethod
    def stop_all(cls):
        for sampler in list(cls.live):
            sampler.finish()

    def __init__(self, cloud, targets, size):
        super().__init__(daemon=True)
        self.cloud = cloud
        self.targets = set(targets)
        self.size = size
        self.stop_event = threading.Event()
        self.pids = workers('RegionTwo')
        base = {p: status_of(p) for p in self.pids}
        self.base_rss = {p: rss or 0 for p, (rss, _) in base.items()}
        self.base_threads = {p: n or 0 for p, (_, n) in base.items()}
        self.peak_rss = dict(self.base_rss)
        self.peak_threads = dict(self.base_threads)
        self.base_heaps = {p: malloc_heaps(p) for p in self.pids}
        self.staging_peak = 0
        self.disk_peak = 0
        self.staged_full = {}      # image id -> first time staging == size
        self.store_start = {}      # image id -> first time store file seen
        Sampler.live.add(self)
        self.start()

    def _dir_sizes(self, path):
        sizes = {}
        try:
            with os.scandir(path) as it:
                for entry in it:
                    try:
                        sizes[entry.name] = entry.stat().st_size
                    except FileNotFoundError:
                        pass
        except FileNotFoundError:
            pass
        return sizes

    def run(self):
        while not self.stop_event.is_set():
            now = time.time()
            for p in self.pids:
                rss, threads = status_of(p)
                if rss is not None and rss > self.peak_rss[p]:
                    self.peak_rss[p] = rss
                if threads is not None and threads > self.peak_threads[p]:
                    self.peak_threads[p] = threads
            staging = self._dir_sizes(self.cloud.staging)
            store = self._dir_sizes(self.cloud.store)
            staged = sum(staging.values())
            self.staging_peak = max(self.staging_peak, staged)
            ours = sum(v for k, v in store.items() if k in self.targets)
            self.disk_peak = max(self.disk_peak, staged + ours)
            for image_id in self.targets:
                if staging.get(image_id) == self.size and \
                        image_id not in self.staged_full:
                    self.staged_full[image_id] = now
                if image_id in store and image_id not in self.store_start:
                    self.store_start[image_id] = now
            self.stop_event.wait(SAMPLE_EVERY)

    def finish(self):
        self.stop_event.set()
        self.join()
        Sampler.live.discard(self)
        growth = {p: self.peak_rss[p] - self.base_rss[p] for p in self.pids}
        grown = max(self.pids, key=growth.get)
        # New threads in the worker that grew most: a thread's first
        # import gets its own malloc arena (see doc/source/admin/tuning.rst).
        heaps = malloc_heaps(grown)
        before = self.base_heaps[grown]
        return {'arenas': heaps[0], 'new_arenas': heaps[0] - before[0],
                'arena_growth_mib': (heaps[1] - before[1]) / 1024.0,
                'rss_growth_mib': growth[grown] / 1024.0,
                'rss_base_mib': self.base_rss[grown] / 1024.0,
                'new_threads': self.peak_threads[grown] -
                self.base_threads[grown],
                'staging_peak_mib': self.staging_peak / context.MiB,
                'disk_peak_mib': self.disk_peak / context.MiB}


class Meter:
    """CPU of both regions' workers and the client thread, plus sampling."""

    def __init__(self, cloud, targets, size):
        self.cloud = cloud
        self.sampler = Sampler(cloud, targets, size)
        self.r1 = workers('RegionOne')
        self.osd = osd_pid()
        self.cpu2 = cpu_ticks(self.sampler.pids)
        self.cpu1 = cpu_ticks(self.r1)
        self.cpu_osd = cpu_of(self.osd) if self.osd else None
        self.load = load1()
        self.log_offset = os.path.getsize(cloud.log)

    def finish(self, client_cpu=0.0):
        result = self.sampler.finish()
        result['cpu_r2_s'] = (cpu_ticks(self.sampler.pids) - self.cpu2) / TICK
        result['cpu_r1_s'] = (cpu_ticks(self.r1) - self.cpu1) / TICK
        result['cpu_client_s'] = client_cpu
        osd = cpu_of(self.osd) if self.cpu_osd is not None else None
        if osd is not None:
            result['cpu_osd_s'] = (osd - self.cpu_osd) / TICK
        result['load1'] = max(self.load, load1())
        return result

    def log_lines(self):
        with open(self.cloud.log, errors='replace') as f:
            f.seek(self.log_offset)
            return f.read().splitlines()
