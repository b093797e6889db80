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

"""One benchmark run: the order of the measurements (interleaved
repetitions, as few glance-api restarts as that allows), what RegionTwo
runs for each, retries of measurements Glance failed, and putting the
cloud back at the end.
"""

import json
import os
import re
import time

from gdbench import api
from gdbench import cloud_control
from gdbench import context
from gdbench import methods
from gdbench import profiles as profiles_mod
from gdbench import pyspy
from gdbench import sampling

ATTEMPTS = 3
WARMUP_ROUNDS = 4
IMPORT_POST = re.compile(r'(?m)^\[pid: (\d+)\] .* POST /v2/images/[0-9a-f-]+'
                         r'/import ')
WARMUP_SIZE = 64 * context.MiB
MODES = ('ours', 'in-tree')
SPARSE = 'direct-sparse'     # glance-direct of a half-zero image
IMPORT_FREE = ('client', 'limit', 'direct', SPARSE)  # under any plugin


def wait_for_quiet(limit, max_wait):
    t0 = time.time()
    first = sampling.load1()
    while sampling.load1() >= limit and time.time() - t0 < max_wait:
        context.say('load average %.2f >= %.1f, waiting (%.0f s so far)'
                    % (sampling.load1(), limit, time.time() - t0))
        time.sleep(30)
    waited = time.time() - t0
    return {'load_before_wait': first, 'load_at_start': sampling.load1(),
            'cpu_pressure_at_start': sampling.cpu_pressure(),
            'waited_s': waited}


def stations(methods_, import_modes, profiles, profile_methods):
    """[(profile, mode, [methods])]: every server state the run needs,
    with what is measured in it. The default profile measures every
    method; another only PROFILE_METHODS. Methods that import nothing
    themselves (client, limit) run at their profile's last station.
    """
    out = []
    for profile in profiles:
        wanted = methods_ if profile.name == profiles_mod.DEFAULT else \
            profile_methods
        modes = [m for m in import_modes if m in wanted]
        others = [m for m in IMPORT_FREE if m in wanted]
        if not modes and others:
            modes = [import_modes[0]]
        for i, mode in enumerate(modes):
            todo = [mode] if mode in wanted else []
            if i == len(modes) - 1:
                todo += others
            out.append((profile, mode, todo))
    return out


class Run:
    """State of one run: the cloud, what RegionTwo runs, the results."""

    def __init__(self, args, extra, profiles):
        self.args = args
        self.cloud = api.Cloud()
        self.region_two = cloud_control.RegionTwo()
        self.switch = cloud_control.Switch(
            self.region_two, {k: os.path.abspath(v)
                              for k, v in extra.items()})
        self.files = cloud_control.ConfigFiles(args.cloud_options)
        for profile in profiles:
            why = profiles_mod.unfit(profile, self.files.base)
            if why:
                raise SystemExit('bench: %s' % why)
        self.profiles = profiles
        self.state = None
        self.results = {'runs': [], 'scaling': [], 'failures': [],
                        'profiles': [profiles_mod.as_dict(p)
                                     for p in profiles],
                        'store': context.SETTINGS.store,
                        'region_two_stores': profiles_mod.backends(
                            self.files.base)}
        self.sources = {}
        self.sparse_sources = {}
        self.hold_image = None

    def attempt(self, what, fn, *fargs):
        """Run a measurement; on a failure Glance caused, run it again."""
        for n in range(1, ATTEMPTS + 1):
            try:
                rec = fn(*fargs)
                rec['attempts'] = n
                return rec
            except Exception as exc:
                context.say('%s failed (attempt %d of %d): %s'
                            % (what, n, ATTEMPTS, exc))
                self.results['failures'].append(
                    {'what': what, 'error': str(exc), 'time': time.time()})
                sampling.Sampler.stop_all()
                self.cloud.cleanup_targets()
                if n == ATTEMPTS:
                    context.say('%s: giving up on this measurement' % what)
                    return None
                time.sleep(2)

    def use(self, mode, profile):
        """Make RegionTwo run MODE under PROFILE (restart if needed)."""
        if self.state == (mode, profile.name):
            return
        check = self.switch.set(mode)
        self.files.apply(profile)
        context.say('RegionTwo glance-api -> %s, profile %s (check: %s)'
                    % (mode, profile.name, check))
        offset = os.path.getsize(self.cloud.log)
        self.region_two.restart()
        self.state = (mode, profile.name)
        if self.args.warmup:
            self.warm_up(mode, offset)

    def warm_up(self, mode, offset):
        """Unrecorded imports until every RegionTwo worker has run one.

        A worker's first import loads the import flow's code and grows its
        RSS by some 20 MiB once (doc/source/admin/tuning.rst). uWSGI gives
        a request to whichever worker accepts first, and an import POST
        returns at once, so two imports in a row often land on the same
        worker: the workers that ran one are read from the request log (LOG
        since OFFSET). run_concurrent checks which plugin ran.
        """
        workers = set(sampling.workers('RegionTwo'))
        for n in range(WARMUP_ROUNDS):
            # On an idle host uWSGI gives every request to the same
            # worker: from the second round on, a download kept open
            # holds that worker, so the imports go to another one.
            hold = self.hold_a_worker() if n else None
            try:
                self.attempt('warm-up', methods.run_concurrent, self.cloud,
                             self.sources[WARMUP_SIZE], mode, 2, 'warmup')
            finally:
                if hold is not None:
                    hold.close()
            with open(self.cloud.log, errors='replace') as f:
                f.seek(offset)
                warmed = {int(pid) for pid in IMPORT_POST.findall(f.read())}
            if workers <= warmed:
                return
        context.say('warm-up: workers %s ran no import after %d rounds'
                    % (sorted(workers - warmed), WARMUP_ROUNDS))

    def hold_a_worker(self):
        """A RegionTwo download left unread (a 64 MiB image in RegionTwo,
        uploaded once per run): its worker blocks writing it.
        """
        for _ in range(2):
            if self.hold_image is None:
                self.hold_image = self.cloud.r2.create('gd-bench-hold')
                self.cloud.r2.put_data(self.hold_image['id'],
                                       api.generated_data(WARMUP_SIZE))
            try:
                resp = self.cloud.r2.file(self.hold_image['id'])
            except RuntimeError:     # deleted by a cleanup after a failure
                self.hold_image = None
                continue
            resp.raw.read(1)
            return resp
        return None

    def record(self, kind, method, size, rep, rec, profile):
        if rec is None:
            return
        rec.update({'kind': kind, 'method': method, 'size': size,
                    'rep': rep, 'profile': profile.name})
        self.results['runs' if kind == 'single' else 'scaling'].append(rec)
        context.say(
            '%-8s %-8s %-10s %-7s rep %d: %6.2f s  %7.1f MiB/s%s%s  '
            'rss +%.0f MiB (%d new threads)  staging %.0f MiB  cpu R2 %.1f s'
            '  load %.1f%s' % (
                kind, method, profile.name, context.size_label(size), rep,
                rec['seconds'],
                size / context.MiB / rec['seconds'] * rec.get('n', 1),
                '  dl %.2f' % rec['download_s'] if 'download_s' in rec
                else '',
                '  store %.2f' % rec['store_s'] if 'store_s' in rec else '',
                rec['rss_growth_mib'], rec['new_threads'],
                rec['staging_peak_mib'], rec['cpu_r2_s'], rec['load1'],
                '' if rec.get('hash_ok', True) else '  HASH MISMATCH'))

    def measure_one(self, method, size, rep, profile):
        src = self.sources[size]
        label = '%s of %s (%s)' % (method, context.size_label(size),
                                   profile.name)
        cloud = self.cloud
        if method == 'client':
            self.record('single', 'client', size, rep, self.attempt(
                label, methods.run_client_copy, cloud, src, 'client'),
                profile)
        elif method == 'limit':
            self.record('single', 'raw-get', size, rep, self.attempt(
                label, methods.run_raw_get, cloud, src), profile)
            self.record('single', 'direct', size, rep, self.attempt(
                label, methods.run_direct, cloud, src, 'direct'), profile)
        elif method in ('direct', SPARSE):
            self.record('single', method, size, rep, self.attempt(
                label, methods.run_direct, cloud,
                self.direct_source(method, size), method), profile)
        else:
            self.record('single', method, size, rep, self.attempt(
                label, methods.run_import, cloud, src, method, method),
                profile)

    def direct_source(self, method, size):
        return (self.sparse_sources if method == SPARSE else
                self.sources)[size]

    def prepare(self, sizes, sparse_sizes=()):
        """Source images of SIZES (and half-zero ones of SPARSE_SIZES), then
        wait for a quiet machine.
        """
        args = self.args
        self.cloud.cleanup_targets()
        self.sources = {
            s: self.cloud.source(s, args.fresh_sources)
            for s in sorted(set(sizes) | {WARMUP_SIZE})}
        self.sparse_sources = {
            s: self.cloud.source(s, args.fresh_sources, sparse=True)
            for s in sorted(set(sparse_sizes))}
        self.results['quiet'] = wait_for_quiet(args.max_load, args.max_wait)
        context.say('load average now %.2f' % sampling.load1())
        self.results['started'] = time.strftime('%Y-%m-%d %H:%M:%S %Z')
        self.results['glance_download_options'] = self.files.describe()

    def execute(self, sizes, body, sparse_sizes=()):
        """prepare(SIZES, SPARSE_SIZES), BODY(), and the cloud put back
        whatever happens; returns the results.
        """
        self.prepare(sizes, sparse_sizes)
        t_start = time.time()
        try:
            body()
        finally:
            with open(self.args.json + '.partial', 'w') as f:
                json.dump(self.results, f, indent=1, sort_keys=True)
            sampling.Sampler.stop_all()
            self.put_back()
            if self.args.cleanup:
                for src in self.sources.values():
                    self.cloud.r1.delete(src['id'])
        self.results['cpu_pressure_at_end'] = sampling.cpu_pressure()
        self.results['duration_s'] = time.time() - t_start
        self.results['finished'] = time.strftime('%Y-%m-%d %H:%M:%S %Z')
        return self.results

    def measure(self, methods_, import_modes):
        args = self.args
        sizes = [context.parse_size(s) for s in args.sizes.split(',') if s]
        scaling = [int(n) for n in args.scaling.split(',') if n]
        scaling_size = context.parse_size(args.scaling_size)
        profile_sizes = [context.parse_size(s)
                         for s in args.profile_sizes.split(',') if s]
        plan = stations(methods_, import_modes, self.profiles,
                        args.profile_methods.split(','))

        repeats = {size: args.repeat for size in sizes}
        for item in args.repeat_of:
            size, _, n = item.partition('=')
            repeats[context.parse_size(size)] = int(n)

        def body():
            order = list(plan)
            for rep in range(max(repeats.values())):
                for size in sizes:
                    if rep >= repeats[size]:
                        continue
                    todo = order
                    if profile_sizes and size not in profile_sizes:
                        todo = [st for st in order
                                if st[0].name == profiles_mod.DEFAULT]
                    for profile, mode, todo_methods in todo:
                        if not todo_methods:
                            continue
                        self.use(mode, profile)
                        for method in todo_methods:
                            self.measure_one(method, size, rep, profile)
                    # the next group starts where this one ended
                    order.reverse()
            self.measure_scaling(scaling, scaling_size, import_modes)

        wants_sparse = any(SPARSE in todo for _, _, todo in plan)
        return self.execute(sizes + ([scaling_size] if scaling else []),
                            body, sizes if wants_sparse else ())

    def spy(self, spy_dir, size, methods_):
        """One import of SIZE per profile and method in METHODS_ (direct,
        direct-sparse, ours, in-tree) under py-spy; its summaries in the
        results.
        """
        self.results['py_spy'] = []

        def body():
            for profile in self.profiles:
                for method in methods_:
                    mode = method if method in MODES else 'ours'
                    self.use(mode, profile)
                    prefix = os.path.join(spy_dir, '%s-%s-%s' % (
                        profile.name, method,
                        context.size_label(size).replace(' ', '')))
                    recording = pyspy.Recording(prefix)
                    if method in ('direct', SPARSE):
                        rec = methods.run_direct(
                            self.cloud, self.direct_source(method, size),
                            'spy', recording.start)
                    else:
                        recording.start()
                        rec = methods.run_import(
                            self.cloud, self.sources[size], method, 'spy')
                    paths = recording.stop()
                    pyspy.keep(paths, prefix + '.txt')
                    summary = pyspy.summarize(paths)
                    for path in paths + [recording.log]:
                        os.unlink(path)
                    summary.update({'profile': profile.name,
                                    'method': method, 'size': size,
                                    'stacks': os.path.relpath(
                                        prefix + '.txt', context.REPO),
                                    'record': rec})
                    self.results['py_spy'].append(summary)
                    context.say('py-spy %s %s: %.2f s, copy thread %d '
                                'samples; top %s' % (
                                    profile.name, method, rec['seconds'],
                                    summary['samples'],
                                    summary['leaf'][:1]))

        os.makedirs(spy_dir, exist_ok=True)
        return self.execute([size], body,
                            [size] if SPARSE in methods_ else ())

    def measure_scaling(self, scaling, scaling_size, import_modes):
        args = self.args
        default = profiles_mod.get(profiles_mod.DEFAULT)
        order = [m for m in args.scaling_methods.split(',')
                 if m in import_modes]
        if self.state and self.state[0] in order:
            # start with what RegionTwo runs now: one restart fewer
            order.remove(self.state[0])
            order.insert(0, self.state[0])
        for rep in range(args.scaling_repeat if scaling else 0):
            for mode in order:
                self.use(mode, default)
                for n in scaling:
                    rec = self.attempt(
                        '%d concurrent %s imports' % (n, mode),
                        methods.run_concurrent, self.cloud,
                        self.sources[scaling_size], mode, n, 'scale')
                    if rec is not None:
                        rec['n'] = n
                    self.record('scaling', mode, scaling_size, rep, rec,
                                default)
            order.reverse()

    def put_back(self):
        """The cloud's own plugin and files, restarted if they changed."""
        changed = self.files.restore()
        changed = self.switch.restore() or changed
        if changed or self.state not in (None, ('ours', profiles_mod.DEFAULT)):
            context.say('RegionTwo glance-api -> the cloud\'s own config')
            self.region_two.restart()
        self.cloud.cleanup_targets()
