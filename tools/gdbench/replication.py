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
    tools/bench-replication report [FILE]

``pass``: a policy whose N source images (RegionOne) are all in step in
two target regions (RegionTwo, and RegionFaulty: RegionOne's Glance
behind the fault proxy, the cloud's third region), so that a pass has
nothing to do: its seconds (median of --repeat) and its API calls, by
region and kind, HTTP requests (list pages) included. The images are made
for the run (tiny, uploaded directly, the copies with their lineage and
policy properties) and deleted after it. Results go to
doc/benchmarks-replication.json, which the documentation renders with
``report``.
"""

import argparse
import collections
import io
import json
import os
import statistics
import sys
import time
import uuid

from gdbench import context
from gdbench import machine

sys.path.insert(0, context.REPO)

from glanceclient import client as glance_client  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402
from keystoneauth1 import session as ks_session  # noqa: E402

from glance_download.copying import logic  # noqa: E402
from glance_download.copying import regions as regions_mod  # noqa: E402
from glance_download.replication import engine  # noqa: E402
from glance_download.replication import plan  # noqa: E402
from glance_download.replication import policy as policy_mod  # noqa: E402

RESULTS = os.path.join(context.REPO, 'doc', 'benchmarks-replication.json')
SOURCE, TARGETS = 'RegionOne', ('RegionTwo', 'RegionFaulty')
DATA = b'x'


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
    env = {}
    with open(os.path.join(context.CLOUD_DIR, 'demo.rc')) as f:
        for line in f:
            key, _, value = line.replace('export ', '').strip().partition('=')
            env[key] = value
    return CountingSession(auth=v3.Password(
        auth_url=env['OS_AUTH_URL'], username=env['OS_USERNAME'],
        password=env['OS_PASSWORD'], project_name=env['OS_PROJECT_NAME'],
        user_domain_name=env['OS_USER_DOMAIN_NAME'],
        project_domain_name=env['OS_PROJECT_DOMAIN_NAME']))


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


def report(results):
    lines = ['Measured on %s, %s GiB, Python %s.' % (
        results['machine']['cpu'], results['machine']['memory_gib'],
        results['machine']['python']), '']
    header = ('Source images', 'Target regions', 'Items in step',
              'Seconds (median)', 'List operations', 'HTTP requests')
    rows = []
    for run in results['passes']:
        rows.append((str(run['images']), str(run['target_regions']),
                     str(run['states'].get(plan.IN_STEP, 0)),
                     '%.2f' % run['median_seconds'],
                     str(sum(n for k, n in run['operations'].items()
                             if k.endswith(' list'))),
                     str(sum(run['http_requests'].values()))))
    widths = [max(len(h), *(len(r[i]) for r in rows))
              for i, h in enumerate(header)]
    rule = ' '.join('=' * w for w in widths)
    lines += [rule, ' '.join(h.ljust(w) for h, w in zip(header, widths)),
              rule]
    lines += [' '.join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines += [rule]
    return '\n'.join(lines)


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
    show = sub.add_parser('report', help='the results as a table')
    show.add_argument('file', nargs='?', default=RESULTS)
    args = parser.parse_args(argv)
    if args.command == 'report':
        with open(args.file) as f:
            print(report(json.load(f)))
        return 0
    results = {'machine': machine.describe(), 'passes': []}
    for count in (int(n) for n in args.images.split(',')):
        context.say('%d source images x %d target regions' % (
            count, len(TARGETS)))
        results['passes'].append(measure_pass(count, args.repeat))
    results['machine'].pop('commit', None)
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')
    print(report(results))
    return 0
