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

"""Many copies at once into a two-node RegionTwo on MariaDB.

What an operator does who copies "all public images to every region":
16 glance-download imports of 64 MiB images started at once, half through
RegionTwo's catalog node (glance2), half through its second node
(glance2b, as a load balancer would send them), while 4 ``openstack image
copy`` runs copy overlapping pairs of images. Every import must end (active
with the source's hash, or failed with a reason and the target restored),
nothing may stay staged on either node, each uWSGI worker's memory must
stay within what its chunked reads allow, and no log may show a 5xx or
"database is locked".

Needs the cloud on a real SQL server (``GD_DB=mariadb GD_GLANCE2_NODES=2
tools/cloud up``; the functional stage of tools/run-tests runs there): on
SQLite, concurrent writes fail by design and the test skips. The figures
(seconds, peak RSS per worker, peak staging bytes) are printed and written
to ``<cloud dir>/load-figures.json``.
"""

from concurrent import futures
import json
import os
import subprocess
import threading
import time
import uuid

from glanceclient import exc as glance_exc

from glance_download import opts
from tests.functional import base
from tests.functional import copy_command
from tests.functional import fault_base as fb

SOURCES = 8                 # each imported twice, once through each node
IMPORTS = 2 * SOURCES
OSC_RUNS = 4                # run k copies sources k and k+1 (of 0..3)
SIZE = 64 * base.MiB
# The whole run: imports, copies, clean-up of staging; generous for a
# loaded 2-core machine (measured there: see the commit message).
LOAD_TIMEOUT = float(os.environ.get('GD_LOAD_TIMEOUT', 600))
SAMPLE_EVERY = 0.5
# Memory an import may add to a worker: its read buffers of chunk_size
# (measured about 5 MiB per import at 1 MiB chunks, glance_download/opts.py)
# with a wide margin, times every import of the run landing on one worker;
# plus what the first import loads (taskflow flows, our plugin, clients).
# A worker that held an image in memory would pass 64 MiB per import.
PER_IMPORT_CHUNKS = 8
FIRST_IMPORT_ALLOWANCE = 64 * base.MiB
FIVE_XX = rb'\(HTTP/1\.[01] 5\d\d\)'


def proc_status(pid):
    """VmRSS and VmHWM of ``pid`` in bytes, or None once it is gone."""
    try:
        with open('/proc/%d/status' % pid) as f:
            fields = dict(line.split(':', 1) for line in f)
    except OSError:
        return None
    return tuple(int(fields[k].split()[0]) * 1024 for k in ('VmRSS', 'VmHWM'))


def staged_bytes(directory):
    total = 0
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    total += entry.stat().st_size
                except FileNotFoundError:
                    pass
    except FileNotFoundError:
        pass
    return total


class Sampler(threading.Thread):
    """Samples RSS of the workers of ``servers`` and the bytes in their
    staging directories until stopped; keeps the peaks.
    """

    def __init__(self, servers):
        super().__init__(daemon=True)
        self.servers = servers
        self.stopped = threading.Event()
        self.first = {}         # pid -> (node, VmRSS, VmHWM) at first sight
        self.peak_rss = {}      # pid -> highest VmRSS sampled
        self.last_hwm = {}
        self.peak_staging = 0
        self.error = None
        self.sample()

    def sample(self):
        for name, server in self.servers.items():
            for pid in server.worker_pids():
                status = proc_status(pid)
                if status is None:
                    continue
                rss, hwm = status
                self.first.setdefault(pid, (name, rss, hwm))
                self.peak_rss[pid] = max(rss, self.peak_rss.get(pid, 0))
                self.last_hwm[pid] = hwm
        self.peak_staging = max(self.peak_staging, sum(
            staged_bytes(s.staging) for s in self.servers.values()))

    def run(self):
        try:
            while not self.stopped.wait(SAMPLE_EVERY):
                self.sample()
        except Exception as exc:        # reported by the test
            self.error = exc

    def stop(self):
        self.stopped.set()
        self.join()
        self.sample()
        if self.error:
            raise self.error

    def workers(self):
        """Per worker: node, RSS at start, peak during the run. VmHWM is
        the kernel's exact peak, but over the worker's whole life: it is
        the run's peak only if it grew during the run.
        """
        rows = []
        for pid, (node, rss, hwm) in sorted(self.first.items()):
            peak = self.peak_rss[pid]
            if self.last_hwm[pid] > hwm:
                peak = max(peak, self.last_hwm[pid])
            rows.append({'node': node, 'pid': pid, 'start_rss': rss,
                         'peak_rss': peak, 'vm_hwm': self.last_hwm[pid]})
        return rows


class LoadTest(fb.TestCase):

    def setUp(self):
        super().setUp()
        self.node_a = self.cloud.servers[base.REGION_TWO]
        if not self.node_a.conf.get('database', 'connection').startswith(
                'mysql'):
            self.skipTest('the load test needs a real SQL server: start the '
                          'cloud with GD_DB=mariadb GD_GLANCE2_NODES=2 '
                          'tools/cloud up (on SQLite, concurrent writes fail '
                          'with "database is locked" by design)')
        try:
            self.node_b = base.GlanceServer(base.REGION_TWO, self.cloud.dir,
                                            node='glance2b')
        except base.CloudUnavailable as exc:
            self.fail('RegionTwo has one node; start the cloud with '
                      'GD_DB=mariadb GD_GLANCE2_NODES=2 tools/cloud up (%s)'
                      % exc)
        self.nodes = {'glance2': self.node_a, 'glance2b': self.node_b}
        self.chunk_size = self.node_a.conf.getint(
            'glance_download', 'chunk_size',
            fallback=opts.transfer_opts[0].default)
        self.unique = uuid.uuid4().hex[:8]

    # -- the run ----------------------------------------------------------

    def make_sources(self):
        return [self.make_source(SIZE, name='gd-load-%s-%d'
                                 % (self.unique, i))[0]
                for i in range(SOURCES)]

    def start_osc(self, sources):
        """The 4 ``openstack image copy`` runs, started; their Popens."""
        env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
        env.update(base.read_rc(self.cloud.dir, 'demo'),
                   OS_REGION_NAME=base.REGION_ONE, PYTHONWARNINGS='ignore')
        runs = []
        for k in range(OSC_RUNS):
            pair = [sources[k]['id'], sources[(k + 1) % OSC_RUNS]['id']]
            argv = [copy_command.OPENSTACK, 'image', 'copy'] + pair + [
                '--to-region', base.REGION_TWO, '-f', 'json',
                '--timeout', str(int(LOAD_TIMEOUT))]
            runs.append(subprocess.Popen(
                argv, env=env, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True))
        for source in sources[:OSC_RUNS]:
            self.addCleanup(self.delete_copies, source['id'])
        return runs

    def copies(self, source_id):
        return list(self.r2.images.list(filters={
            copy_command.ORIGIN_ID: source_id, 'visibility': 'all'}))

    def delete_copies(self, source_id):
        for image in self.copies(source_id):
            try:
                self.r2.images.delete(image['id'])
            except glance_exc.HTTPNotFound:
                pass

    def wait_all(self, targets, deadline):
        """{target id: (image, task)} once every import is over; fails
        naming those still running at ``deadline``. One poll of each
        running import per round: polling must not load the cloud more
        than the imports do.
        """
        over = {}
        while True:
            for target in targets:
                if target['id'] not in over:
                    image, task, done = base.import_state(self.r2,
                                                          target['id'])
                    if done:
                        over[target['id']] = (image, task)
            running = [t['id'] for t in targets if t['id'] not in over]
            if not running:
                return over
            self.assertLess(time.monotonic(), deadline,
                            'imports not over after %.0f s (task stuck in '
                            'processing or image in importing?): %s'
                            % (LOAD_TIMEOUT, running))
            time.sleep(2)

    def test_concurrent_imports_and_copies(self):
        sources = self.make_sources()
        targets = [self.make_target() for _ in range(IMPORTS)]
        sizes = base.cloud_log_sizes()
        sampler = Sampler(self.nodes)
        sampler.start()
        self.addCleanup(sampler.stopped.set)
        started = time.monotonic()
        deadline = started + LOAD_TIMEOUT
        # Target i imports source i % SOURCES, the first half through the
        # catalog's node, the second through the other.
        via = ['glance2'] * SOURCES + ['glance2b'] * SOURCES
        with futures.ThreadPoolExecutor(IMPORTS) as pool:
            calls = [pool.submit(self.start_import, target,
                                 sources[i % SOURCES], base.REGION_ONE,
                                 node_url=self.nodes[via[i]].url)
                     for i, target in enumerate(targets)]
            runs = self.start_osc(sources)
            for call in calls:
                call.result()
        over = self.wait_all(targets, deadline)
        imports_seconds = time.monotonic() - started
        osc = []
        for run in runs:
            stdout, stderr = run.communicate(
                timeout=max(1, deadline - time.monotonic()))
            osc.append((run.returncode, stdout, stderr))
        seconds = time.monotonic() - started
        sampler.stop()

        by_id = {s['id']: s for s in sources}
        outcomes = [self.check_import(target, sources[i % SOURCES], via[i],
                                      *over[target['id']])
                    for i, target in enumerate(targets)]
        rows = [row for returncode, stdout, stderr in osc
                for row in self.check_osc(returncode, stdout, stderr)]
        copies = {s['id']: self.check_copies(by_id[s['id']])
                  for s in sources[:OSC_RUNS]}
        self.assert_staging_empty()
        workers = sampler.workers()
        figures = {
            'imports': IMPORTS, 'image_mib': SIZE // base.MiB,
            'imports_succeeded': outcomes.count('success'),
            'imports_failed': outcomes.count('failure'),
            'osc_runs': OSC_RUNS,
            'osc_rows': {status: [r['Status'] for r in rows].count(status)
                         for status in {r['Status'] for r in rows}},
            'osc_copies_per_source': sorted(len(c) for c in copies.values()),
            'seconds_imports': round(imports_seconds, 1),
            'seconds_all': round(seconds, 1),
            'chunk_size': self.chunk_size,
            'peak_staging_bytes': sampler.peak_staging,
            'workers': workers,
        }
        self.record(figures)
        bound = FIRST_IMPORT_ALLOWANCE + (
            IMPORTS * PER_IMPORT_CHUNKS * self.chunk_size)
        self.assertEqual({'glance2', 'glance2b'},
                         {w['node'] for w in workers}, workers)
        for worker in workers:
            self.assertLess(worker['peak_rss'] - worker['start_rss'], bound,
                            'worker %(pid)s of %(node)s grew from '
                            '%(start_rss)d to %(peak_rss)d bytes' % worker)
        self.assertEqual([], base.lines_since(sizes, rb'database is locked'))
        self.assertEqual([], base.lines_since(sizes, FIVE_XX))

    # -- checks -----------------------------------------------------------

    def check_import(self, target, source, node, image, task):
        """Downloaded by ``node``, the one it was sent to (and only there);
        active with the source's data, or failed, said why and restored;
        returns the task's status.
        """
        for name, server in self.nodes.items():
            self.assertEqual(1 if name == node else 0, len(server.log_lines(
                'glance_download.tasks.download',
                'Image %s: downloading' % target['id'])), name)
        if task['status'] == 'success':
            self.assertEqual(
                ('active', source['size'], 'sha512',
                 source['os_hash_value']),
                (image['status'], image['size'], image['os_hash_algo'],
                 image['os_hash_value']), target['id'])
            for name in fb.COPIED:
                self.assertEqual(fb.SOURCE_PROPERTIES[name], image.get(name))
        else:
            self.assertTrue(task['message'], task)
            self.assert_failed_and_restored(target, image, task)
        return task['status']

    def check_osc(self, returncode, stdout, stderr):
        """The rows of one run: each copied or found, verified, or failed
        with a message (and then the exit status says so).
        """
        rows = json.loads(stdout)
        self.assertEqual(2, len(rows), stderr)
        for row in rows:
            if row['Status'] in ('copied', 'exists'):
                self.assertTrue(row['Verified'], row)
            else:
                self.assertIn(row['Status'], ('failed', 'left-alone'), row)
                self.assertTrue(row['Message'], row)
        failed = any(r['Status'] not in ('copied', 'exists') for r in rows)
        self.assertEqual(1 if failed else 0, returncode, stderr)
        return rows

    def check_copies(self, source):
        """Every copy of ``source`` the runs made is active with its hash,
        or a queued left-over with no data (the next run retries it).
        """
        copies = self.copies(source['id'])
        self.assertTrue(copies, source['id'])
        for copy in copies:
            if copy['status'] == 'active':
                self.assertEqual(source['os_hash_value'],
                                 copy['os_hash_value'], copy['id'])
            else:
                self.assertEqual('queued', copy['status'], copy['id'])
                self.assertIsNone(copy.get('size'))
        return copies

    def assert_staging_empty(self, wait=10):
        deadline = time.monotonic() + wait
        for name, node in self.nodes.items():
            while os.listdir(node.staging) and time.monotonic() < deadline:
                time.sleep(base.POLL)
            self.assertEqual([], os.listdir(node.staging),
                             'left in the staging directory of %s' % name)

    def record(self, figures):
        path = os.path.join(self.cloud.dir, 'load-figures.json')
        with open(path, 'w') as f:
            json.dump(figures, f, indent=1)
        print('load figures (%s): %s' % (path, json.dumps(figures)))
