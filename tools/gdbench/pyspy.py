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

"""Where a RegionTwo worker's seconds go during an import: py-spy records
every RegionTwo glance-api worker (it needs ptrace: run as root, or with
kernel.yama.ptrace_scope = 0) while one import runs, idle samples
included (a thread in ``sleep`` or blocked in I/O counts: that is wall
time of the copy), and the samples of the thread that ran Glance's
staging-to-store copy (glance_store's ``Store.add``) are ranked by the
line they were on.
"""

import collections
import linecache
import os
import re
import signal
import subprocess
import time

from gdbench import context
from gdbench import sampling

# glance_store's driver of the target store (filesystem.py, rbd.py, ...)
COPY_FRAME = 'Store.add (glance_store/_drivers/'
FRAME = re.compile(r'^(?P<func>.*) \((?P<file>[^:()]+):(?P<line>\d+)\)$')
RATE = 100


def binary():
    path = os.path.join(context.VENV, 'bin', 'py-spy')
    if not os.path.exists(path):
        raise SystemExit('bench: no py-spy in the cloud venv: %s -m pip '
                         'install py-spy' % context.VENV_PY)
    return path


class Recording:
    """py-spy record (raw collapsed stacks) of every RegionTwo worker, from
    start() until stop().
    """

    def __init__(self, prefix):
        self.prefix = prefix
        self.log = prefix + '.log'       # py-spy's own messages
        self.procs = []
        self.files = []

    def start(self):
        log = open(self.log, 'w')
        for pid in sampling.workers('RegionTwo'):
            path = '%s-%d.txt' % (self.prefix, pid)
            self.files.append(path)
            self.procs.append(subprocess.Popen(
                [binary(), 'record', '--pid', str(pid), '--rate', str(RATE),
                 '--format', 'raw', '--threads', '--nonblocking', '--idle',
                 '--output', path],
                stdout=log, stderr=subprocess.STDOUT))
        time.sleep(1.0)        # attached before the import starts

    def stop(self):
        """End every recording (py-spy writes its file on SIGINT)."""
        for proc in self.procs:
            proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            proc.wait(30)
        return [f for f in self.files if os.path.exists(f)]


def _frames(path):
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip('\n').rpartition(' ')
            yield stack.split(';'), int(count)


def source_line(frame):
    """The text of FRAME's source line in the cloud venv, if found."""
    m = FRAME.match(frame)
    if not m:
        return ''
    base = os.path.join(context.VENV, 'lib')
    for root in os.listdir(base) if os.path.isdir(base) else []:
        path = os.path.join(base, root, 'site-packages', m.group('file'))
        if os.path.exists(path):
            return linecache.getline(path, int(m.group('line'))).strip()
    return ''


def summarize(paths, top=12):
    """Top frames of the store-copy thread: (samples, [(share, frame,
    source line)]) by the innermost Python line, and the copy's layers
    (inclusive shares of the readers between the file and the store).
    """
    leaf = collections.Counter()
    inclusive = collections.Counter()
    total = 0
    for path in paths:
        for frames, count in _frames(path):
            if not any(f.startswith(COPY_FRAME) for f in frames):
                continue
            total += count
            leaf[frames[-1]] += count
            for func in {FRAME.sub(r'\g<func>', f) if FRAME.match(f) else f
                         for f in frames}:
                inclusive[func] += count
    if not total:
        return {'samples': 0, 'seconds': 0.0, 'leaf': [], 'layers': []}
    start = frames_below_add(inclusive)
    return {
        'samples': total, 'seconds': total / RATE,
        'leaf': [(n / total, frame, source_line(frame))
                 for frame, n in leaf.most_common(top)],
        'layers': [(inclusive[f] / total, f) for f in start],
    }


def frames_below_add(inclusive):
    """The functions inside the copy, most inclusive first."""
    outer = inclusive['Store.add']
    return [f for f, n in inclusive.most_common()
            if n < outer and not f.startswith('thread (')][:10]


def keep(paths, out):
    """Write the store-copy thread's stacks to OUT, shortened: the frames
    down to Store.add are the same in every sample.
    """
    merged = collections.Counter()
    for path in paths:
        for frames, count in _frames(path):
            for i, f in enumerate(frames):
                if f.startswith(COPY_FRAME):
                    merged[';'.join(['...'] + frames[i:])] += count
                    break
    with open(out, 'w') as f:
        for stack, count in sorted(merged.items()):
            f.write('%s %d\n' % (stack, count))
