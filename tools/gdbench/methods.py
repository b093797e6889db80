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

"""The measurements: one import (ours, in-tree or another build), a
client-side copy, the limit's two parts (raw GET, glance-direct of staged
data) and concurrent imports. Each returns a record of seconds, phases,
memory and CPU.
"""

import re
import threading
import time

from glanceclient import client as glance_client

from gdbench import api
from gdbench import context
from gdbench.sampling import log_time
from gdbench.sampling import Meter
from gdbench.sampling import thread_cpu

MiB = context.MiB
COMPLETED = re.compile(r'\] ([0-9a-f-]{36}) of api_image_import completed')
# Glance's set_image_data, as the staging-to-store copy starts
COPY_START = re.compile(r'Task [0-9a-f-]{36}: Got image data uri ')


def imported(cloud, meter, target_id, size, method):
    """POST the import of TARGET_ID, wait until it is active; return (the
    POST's time, when seen active, the image, METER's record). A failed
    import discards the target and raises.
    """
    t0 = time.time()
    cloud.r2.import_(target_id, method)
    try:
        seen, image = cloud.wait_active(target_id,
                                        t0 + 120 + size / (5 * MiB), t0)
    except Exception:
        meter.finish()
        cloud.discard(target_id)
        raise
    time.sleep(0.3)   # let the "completed" log line land
    return t0, seen, image, meter.finish()


def run_import(cloud, src, mode, tag):
    """One glance-download import; returns the measurement record."""
    size = src['size']
    target = cloud.target(tag)
    meter = Meter(cloud, [target['id']], size)
    t0, seen, image, rec = imported(cloud, meter, target['id'], size, {
        'name': 'glance-download', 'glance_image_id': src['id'],
        'glance_region': 'RegionOne', 'glance_service_interface': 'public'})
    rec.update(phases(meter, target['id'], src['id'], t0, seen, mode))
    rec['hash_ok'] = api.same_data(image, src)
    cloud.discard(target['id'])
    return rec


def phases(meter, target_id, src_id, t0, seen, mode):
    """Split an import into download and store phases.

    Download: the import POST until the staged file holds every byte
    (sampled). Store: Glance's staging-to-store copy, from the first sample
    that sees the image in the store until the task completes; in a store
    that is not RegionTwo's file store (RBD, the second store) from the
    log line Glance writes as it starts the copy. The end is the task's
    "completed" log line (falling back to the poll).
    """
    lines = meter.log_lines()
    events = {}
    for line in lines:
        ts = log_time(line)
        if ts is None:
            continue
        if 'Image %s: downloading' % target_id in line:
            events['download_start'] = ts
        elif 'Image %s: staged' % target_id in line:
            events['staged'] = ts
        elif 'Downloading glance image' in line and src_id in line:
            events['download_start'] = ts
        elif 'Fetching glance image metadata' in line and src_id in line:
            events['metadata_start'] = ts
        elif COPY_START.search(line) and '/%s ' % target_id in line:
            events['copy_start'] = ts
    end = completed_at(lines, target_id, t0, seen)
    # Which plugin really ran: ours logs "Image <id>: downloading".
    ours = any('Image %s: downloading' % target_id in ln for ln in lines)
    if ours != (mode != 'in-tree'):
        raise RuntimeError('expected %s to run the import, but %s did'
                           % (mode, 'our plugin' if ours else 'in-tree'))
    staged = meter.sampler.staged_full.get(target_id)
    store = meter.sampler.store_start.get(target_id) or \
        events.get('copy_start')
    if 'staged' in events:
        # our own log line is exact; the sampler only sees it every 50 ms
        staged = events['staged']
    out = {'seconds': end - t0, 'poll_seconds': seen - t0,
           'events': {k: v - t0 for k, v in events.items()}}
    if staged:
        out['download_s'] = staged - t0
    if store:
        out['store_s'] = end - store
    return out


def completed_at(lines, image_id, t0, seen):
    """When the import task of IMAGE_ID logged "completed" (between the
    POST at T0 and the poll that SAW it active), else SEEN.
    """
    tasks = task_of(lines, image_id)
    for line in lines:
        m = COMPLETED.search(line)
        if m and m.group(1) in tasks:
            ts = log_time(line)
            if ts and t0 < ts <= seen:
                return ts
    return seen


def task_of(lines, image_id):
    """Ids of the import tasks of IMAGE_ID, from Glance's own log line
    ("Task <id>: Got image data uri file://.../staging/<image id> ...").
    """
    ids = set()
    for line in lines:
        m = re.search(r'Task ([0-9a-f-]{36}): Got image data uri \S*/%s '
                      % re.escape(image_id), line)
        if m:
            ids.add(m.group(1))
    return ids


def run_client_copy(cloud, src, tag):
    size = src['size']
    target = cloud.target(tag)
    meter = Meter(cloud, [target['id']], size)
    gc1 = glance_client.Client('2', endpoint=cloud.r1.url,
                               session=cloud.sess)
    gc2 = glance_client.Client('2', endpoint=cloud.r2.url,
                               session=cloud.sess)
    cpu0 = thread_cpu()
    t0 = time.time()
    data = gc1.images.data(src['id'])      # verifies os_hash_value

    class Reader:
        def __init__(self, it):
            self.it = iter(it)

        def read(self, n=-1):
            return next(self.it, b'')

    gc2.images.upload(target['id'], Reader(data), image_size=size)
    end = time.time()
    client_cpu = thread_cpu() - cpu0
    rec = meter.finish(client_cpu)
    image = cloud.r2.get(target['id'])
    rec['seconds'] = end - t0
    rec['hash_ok'] = (image['status'] == 'active' and
                      api.same_data(image, src))
    cloud.discard(target['id'])
    return rec


def run_raw_get(cloud, src):
    meter = Meter(cloud, [], src['size'])
    cpu0 = thread_cpu()
    t0 = time.time()
    resp = cloud.r1.file(src['id'])
    buf = bytearray(4 * MiB)
    got = 0
    while True:
        n = resp.raw.readinto(buf)
        if not n:
            break
        got += n
    end = time.time()
    resp.close()
    rec = meter.finish(thread_cpu() - cpu0)
    rec['seconds'] = end - t0
    rec['hash_ok'] = got == src['size']
    return rec


def run_direct(cloud, src, tag, staged=None):
    """Stage the data in RegionTwo (not timed), then time glance-direct.

    STAGED: called once the data is staged, before the import (to start a
    profiler, say).
    """
    size = src['size']
    target = cloud.target(tag)
    resp = cloud.r1.file(src['id'])
    cloud.r2.put_data(target['id'], api.response_chunks(resp), what='stage')
    resp.close()
    if staged:
        staged()
    meter = Meter(cloud, [target['id']], size)
    t0, seen, image, rec = imported(cloud, meter, target['id'], size,
                                    {'name': 'glance-direct'})
    end = completed_at(meter.log_lines(), target['id'], t0, seen)
    rec['seconds'] = end - t0
    rec['poll_seconds'] = seen - t0
    rec['store_s'] = end - t0
    rec['hash_ok'] = api.same_data(image, src)
    cloud.discard(target['id'])
    return rec


def run_concurrent(cloud, src, mode, n, tag):
    size = src['size']
    targets = [cloud.target('%s-%d' % (tag, i)) for i in range(n)]
    meter = Meter(cloud, [t['id'] for t in targets], size)
    t0 = time.time()
    errors = []
    ends = {}

    started = [threading.Event() for _ in targets]
    started_at = [t0]

    def one(i, target):
        # Each import is posted once the previous one has started (its
        # image is "importing"): posted all at once, Glance on SQLite
        # drops some tasks ("database is locked" while the task is set to
        # processing, swallowed by its task pool). Starting takes well
        # under a second, a small part of each import.
        if i:
            started[i - 1].wait(api.DROPPED_AFTER + 5)
        try:
            started_at.append(time.time())
            cloud.r2.import_(target['id'], {
                'name': 'glance-download', 'glance_image_id': src['id'],
                'glance_region': 'RegionOne',
                'glance_service_interface': 'public'})
            seen, image = cloud.wait_active(
                target['id'], t0 + 120 + n * size / (5 * MiB), time.time(),
                started[i])
            ends[target['id']] = (seen, image)
        except Exception as exc:   # reported below
            errors.append(exc)
        finally:
            started[i].set()

    threads = [threading.Thread(target=one, args=(i, t))
               for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(0.3)
    rec = meter.finish()
    if errors:
        for t in targets:
            cloud.discard(t['id'])
        raise errors[0]
    end = max(seen for seen, _ in ends.values())
    rec['seconds'] = end - t0
    rec['aggregate_mib_s'] = n * size / MiB / rec['seconds']
    rec['start_spread_s'] = max(started_at) - t0
    rec['hash_ok'] = all(api.same_data(img, src)
                         for _, img in ends.values())
    ours = sum(1 for ln in meter.log_lines()
               if 'glance_download.tasks.download' in ln and
               ': downloading ' in ln)
    if ours != (0 if mode == 'in-tree' else n):
        raise RuntimeError('expected %s to run %d imports; our plugin ran %d'
                           % (mode, n, ours))
    for t in targets:
        cloud.discard(t['id'])
    return rec
