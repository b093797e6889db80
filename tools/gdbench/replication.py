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

"""tools/bench-replication: what a replication pass costs, on the local
cloud, as the demo user.

    tools/bench-replication pass [--images 500,50] [--repeat 3]
    tools/bench-replication events [--images 20] [--burst 50]
    tools/bench-replication report [FILE]

``pass``: a policy whose N source images (RegionOne) are all in step in
two target regions (RegionTwo, and RegionFaulty: RegionOne's Glance
behind the fault proxy, the cloud's third region), so that a pass has
nothing to do: its seconds (median of --repeat) and its API calls, by
region and kind, HTTP requests (list pages) included. The images are made
for the run (tiny, uploaded directly, the copies with their lineage and
policy properties) and deleted after it.

``events`` (a cloud started with GD_RABBITMQ=1): glance-download-
replicator listening to the cloud's broker, full passes an hour apart.
Latency: --images images published one after the other, each timed from
the end of its upload to its copy's import being under way in RegionTwo
(median, 95th percentile), at the default event_delay (2 s) and at 0.
Burst: --burst images published at once with per_region = 2: the most
imports under way in RegionTwo at a time (sampled every 0.2 s), and the
seconds until every copy is active.

Results go to doc/benchmarks-replication.json (each subcommand its own
part), which the documentation renders with ``report``.
"""

import argparse
import collections
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from gdbench import api
from gdbench import context
from gdbench import machine
from gdbench import replication_report

sys.path.insert(0, context.REPO)

from glanceclient import client as glance_client  # noqa: E402
from keystoneauth1 import session as ks_session  # noqa: E402

from glance_download.copying import logic  # noqa: E402
from glance_download.copying import regions as regions_mod  # noqa: E402
from glance_download.replication import engine  # noqa: E402
from glance_download.replication import plan  # noqa: E402
from glance_download.replication import policy as policy_mod  # noqa: E402

RESULTS = os.path.join(context.REPO, 'doc', 'benchmarks-replication.json')
SOURCE, TARGETS = 'RegionOne', ('RegionTwo', 'RegionFaulty')
DATA = b'x'
MiB_DATA = 1024 * 1024     # the events' images: 1 MiB each


class CountingSession(ks_session.Session):
    """A keystoneauth session that counts the HTTP requests it sends to
    each region's Glance.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests = collections.Counter()

    def request(self, url, method, *args, **kwargs):
        region = (kwargs.get('endpoint_filter') or {}).get('region_name')
        if region:
            self.requests[(region, method)] += 1
        return super().request(url, method, *args, **kwargs)


def demo_session():
    return api.session('demo', CountingSession)


def glance(session, region):
    return glance_client.Client('2', session=session, region_name=region,
                                interface='public')


def make_images(session, run, count):
    """``count`` sources in RegionOne and their copies, in step, in both
    targets; the ids made, by region.
    """
    made = collections.defaultdict(list)
    for n in range(count):
        source = glance(session, SOURCE).images.create(
            name='gd-bench-repl-%s-%d' % (run, n), disk_format='raw',
            container_format='bare', bench_run=run)
        glance(session, SOURCE).images.upload(
            source['id'], io.BytesIO(DATA), image_size=len(DATA))
        made[SOURCE].append(source['id'])
        source = glance(session, SOURCE).images.get(source['id'])
        for region in TARGETS:
            images = glance(session, region).images
            marks = dict(logic.origin_properties(source, SOURCE),
                         **{plan.POLICY: 'bench-%s' % run})
            copy = images.create(name=source['name'], disk_format='raw',
                                 container_format='bare', **marks)
            images.upload(copy['id'], io.BytesIO(DATA),
                          image_size=len(DATA))
            made[region].append(copy['id'])
        if (n + 1) % 50 == 0:
            context.say('made %d of %d images and their copies'
                        % (n + 1, count))
    return made


def delete_images(session, made):
    for region, ids in made.items():
        for image_id in ids:
            try:
                glance(session, region).images.delete(image_id)
            except Exception as exc:  # keep deleting the others
                context.say('could not delete %s in %s: %s'
                            % (image_id, region, exc))


def measure_pass(count, repeat):
    session = demo_session()
    run = uuid.uuid4().hex[:8]
    policy = policy_mod.Policy(
        name='bench-%s' % run, source_region=SOURCE, target_regions=TARGETS,
        select=policy_mod.Selection(properties=(('bench_run', run),)))
    made = make_images(session, run, count)
    try:
        seconds, calls, states = [], None, None
        for _ in range(repeat):
            session.requests.clear()
            replicator = engine.Replicator(
                regions_mod.GlanceRegions(session), session.get_project_id(),
                [policy], wait=False)
            started = time.monotonic()
            outcomes = replicator.run()
            seconds.append(time.monotonic() - started)
            states = collections.Counter(o.item.state for o in outcomes)
            calls = {'operations': {'%s %s' % key: n for key, n in
                                    sorted(replicator.reader.calls.items())},
                     'http_requests': {'%s %s' % key: n for key, n in
                                       sorted(session.requests.items())}}
        return {'images': count, 'target_regions': len(TARGETS),
                'items': sum(states.values()), 'states': dict(states),
                'seconds': seconds,
                'median_seconds': statistics.median(seconds), **calls}
    finally:
        delete_images(session, made)


# -- events ------------------------------------------------------------------

def start_replicator(session, workdir, policy_file, url, **options):
    """The service as a process (this tree's code), with its config."""
    lines = ['[replicator]', 'policy_file = %s' % policy_file,
             'interval = 3600']
    lines += ['%s = %s' % kv for kv in options.items()]
    lines += ['[oslo_messaging_notifications]', 'transport_url = %s' % url,
              '[service_credentials]', 'auth_type = password']
    lines += ['%s = %s' % kv for kv in api.credentials('demo').items()]
    conf = os.path.join(workdir, 'replicator-%s.conf' % uuid.uuid4().hex)
    with open(conf, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    log = open(conf + '.log', 'w')
    proc = subprocess.Popen(
        [sys.executable, '-m', 'glance_download.cmd.replicator',
         '--config-file', conf], stdout=log, stderr=subprocess.STDOUT,
        env=dict(os.environ, PYTHONPATH=context.REPO))
    deadline = time.monotonic() + 60
    while 'full pass: ' not in open(conf + '.log').read():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit('the replicator did not start: %s'
                             % open(conf + '.log').read()[-2000:])
        time.sleep(0.1)
    return proc


def publish(session, run, n):
    images = glance(session, SOURCE).images
    source = images.create(name='gd-bench-repl-%s-%d' % (run, n),
                           disk_format='raw', container_format='bare',
                           bench_run=run)
    images.upload(source['id'], io.BytesIO(DATA * MiB_DATA),
                  image_size=len(DATA) * MiB_DATA)
    return source['id']


def copy_of(session, source_id):
    found = list(glance(session, TARGETS[0]).images.list(filters={
        logic.ORIGIN_ID: source_id, 'visibility': 'all'}))
    return found[0] if found else None


def measure_latency(session, run, policy_file, url, count, event_delay):
    proc = start_replicator(session, os.path.dirname(policy_file),
                            policy_file, url, event_delay=event_delay)
    made, seconds = [], []
    try:
        for n in range(count):
            source_id = publish(session, run, n)
            made.append(source_id)
            published = time.monotonic()
            while True:
                copy = copy_of(session, source_id)
                if copy and (copy['status'] in ('importing', 'active') or
                             copy.get('os_glance_import_task')):
                    break
                if time.monotonic() - published > 120:
                    raise SystemExit('no copy of %s after 120 s' % source_id)
                time.sleep(0.05)
            seconds.append(time.monotonic() - published)
            time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(30)
    ordered = sorted(seconds)
    return made, {'event_delay': event_delay, 'images': count,
                  'seconds': seconds,
                  'median_seconds': statistics.median(seconds),
                  'p95_seconds': ordered[max(0, math.ceil(
                      0.95 * len(ordered)) - 1)]}


def measure_burst(session, run, policy_file, url, count, per_region=2):
    proc = start_replicator(session, os.path.dirname(policy_file),
                            policy_file, url, per_region=per_region,
                            event_delay=0.5)
    try:
        started = time.monotonic()
        made = [publish(session, run, 1000 + n) for n in range(count)]
        most, active = 0, 0
        while active < count:
            copies = list(glance(session, TARGETS[0]).images.list(filters={
                plan.POLICY: 'bench-%s' % run, 'visibility': 'all'}))
            most = max(most, sum(1 for c in copies
                                 if c['status'] == 'importing'))
            active = sum(1 for c in copies if c['status'] == 'active' and
                         c[logic.ORIGIN_ID] in made)
            if time.monotonic() - started > 1200:
                raise SystemExit('%d of %d copies active after 1200 s'
                                 % (active, count))
            time.sleep(0.2)
        return made, {'images': count, 'per_region': per_region,
                      'most_importing': most,
                      'seconds_to_all_active': time.monotonic() - started}
    finally:
        proc.terminate()
        proc.wait(30)


def measure_events(count, burst):
    url_file = os.path.join(context.CLOUD_DIR, 'etc', 'notifications.url')
    if not os.path.exists(url_file):
        raise SystemExit('the cloud runs no broker: GD_RABBITMQ=1 '
                         'tools/cloud up')
    with open(url_file) as f:
        url = f.read().strip()
    session = demo_session()
    run = uuid.uuid4().hex[:8]
    workdir = tempfile.mkdtemp(prefix='gd-bench-repl-')
    policy_file = os.path.join(workdir, 'policies.yaml')
    with open(policy_file, 'w') as f:
        json.dump({'policies': [{
            'name': 'bench-%s' % run, 'source_region': SOURCE,
            'target_regions': [TARGETS[0]],
            'select': {'properties': {'bench_run': run}}}]}, f)
    made = []
    try:
        latency = []
        for delay in (2.0, 0.0):
            ids, result = measure_latency(session, run, policy_file, url,
                                          count, delay)
            made += ids
            latency.append(result)
        ids, burst_result = measure_burst(session, run, policy_file, url,
                                          burst)
        made += ids
        return {'latency': latency, 'burst': burst_result}
    finally:
        for source_id in made:
            copy = copy_of(session, source_id)
            for region, image_id in ((SOURCE, source_id),
                                     (TARGETS[0], copy and copy['id'])):
                if image_id:
                    try:
                        glance(session, region).images.delete(image_id)
                    except Exception as exc:  # keep deleting the others
                        context.say('could not delete %s: %s'
                                    % (image_id, exc))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='tools/bench-replication', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    run = sub.add_parser('pass', help='measure a pass with nothing to do')
    run.add_argument('--images', default='500,50',
                     help='source image counts to measure (default '
                          '500,50)')
    run.add_argument('--repeat', type=int, default=3)
    run.add_argument('--out', default=RESULTS)
    events = sub.add_parser('events', help='measure the service on '
                            'notifications')
    events.add_argument('--images', type=int, default=20)
    events.add_argument('--burst', type=int, default=50)
    events.add_argument('--out', default=RESULTS)
    show = sub.add_parser('report', help='the results as a table')
    show.add_argument('file', nargs='?', default=RESULTS)
    args = parser.parse_args(argv)
    if args.command == 'report':
        with open(args.file) as f:
            print(replication_report.report(json.load(f)))
        return 0
    results = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            results = json.load(f)
    results['machine'] = machine.describe()
    results['machine'].pop('commit', None)
    if args.command == 'events':
        results['events'] = measure_events(args.images, args.burst)
    else:
        results['passes'] = []
        for count in (int(n) for n in args.images.split(',')):
            context.say('%d source images x %d target regions' % (
                count, len(TARGETS)))
            results['passes'].append(measure_pass(count, args.repeat))
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')
    print(replication_report.report(results))
    return 0
