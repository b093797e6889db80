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

"""The copy loop in a process monkey-patched by eventlet.

Run by tests/unit/test_eventlet.py as ``python -m tests.unit.eventlet_copy
CHUNKS PATIENCE CONTROL_CHUNKS CONTROL_PATIENCE``: a copy with the package
as it is (``offload``), then the control (``inline``: hash updates called
on the hub's own thread). Glance 28-32's standalone ``glance-api``
patches the same way before it imports anything else.

Each hash update waits, on a real OS clock, until a green thread that
ticks on the hub has ticked once more: where the update runs on the hub's
thread, no tick can come and the update is counted as a stall (after
PATIENCE seconds). Prints one JSON line per copy.
"""

import eventlet

eventlet.monkey_patch()

import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from unittest import mock  # noqa: E402

from eventlet import patcher  # noqa: E402

from glance_download import host  # noqa: E402
from glance_download import transfer  # noqa: E402

_real_time = patcher.original('time')
CHUNK = 1024 * 1024


class Ticker:
    def __init__(self):
        self.ticks = 0
        self.running = True

    def __call__(self):
        while self.running:
            self.ticks += 1
            eventlet.sleep(0.001)


class _WaitingHash:
    """A hashlib object whose update first waits for the hub to tick."""

    def __init__(self, real, ticker, patience, record):
        self._real = real
        self._ticker = ticker
        self._patience = patience
        self._record = record

    def update(self, chunk):
        seen = self._ticker.ticks
        deadline = _real_time.monotonic() + self._patience
        while self._ticker.ticks == seen:
            if _real_time.monotonic() > deadline:
                self._record['stalls'] += 1
                break
            _real_time.sleep(0.001)
        self._record['updates'] += 1
        self._real.update(chunk)

    def hexdigest(self):
        return self._real.hexdigest()


class _Stream:
    def __init__(self, data, start):
        self.data = data
        self.start = start
        self.total = len(data)

    def pieces(self, size):
        for offset in range(self.start, len(self.data), size):
            yield self.data[offset:offset + size]

    def close(self):
        pass


class _MemorySource:
    label = 'memory'

    def __init__(self, data):
        self.data = data

    def open(self, offset):
        return _Stream(self.data, offset)


class _Sink:
    def __init__(self):
        self.chunks = []

    def write(self, chunk):
        self.chunks.append(chunk)

    def restart(self):
        self.chunks = []


def copy(mode, chunks, patience):
    record = {'stalls': 0, 'updates': 0}
    ticker = Ticker()

    class Hash(transfer.ThreadedHash):
        def __init__(self, algo):
            super().__init__(algo)
            self._hash = _WaitingHash(self._hash, ticker, patience, record)

    data = os.urandom(chunks * CHUNK)
    sink = _Sink()
    green = eventlet.spawn(ticker)
    offload = host.offload
    if mode == 'inline':
        host.offload = lambda func, *args: func(*args)
    try:
        with mock.patch.object(transfer, 'ThreadedHash', Hash):
            size = transfer.Transfer(
                _MemorySource(data), sink,
                transfer.Expected(size=len(data), hash_algo='sha512',
                                  hash_value=hashlib.sha512(
                                      data).hexdigest()),
                CHUNK, transfer.RetryPolicy(0, 0, 0)).run()
        error = None
    except Exception as exc:
        size, error = None, str(exc)
    finally:
        host.offload = offload
    ticker.running = False
    green.wait()
    print(json.dumps(dict(
        record, mode=mode, patched=host._eventlet_patched_threads(),
        size=size, error=error, data_ok=b''.join(sink.chunks) == data,
        ticks=ticker.ticks)))


if __name__ == '__main__':
    copy('offload', int(sys.argv[1]), float(sys.argv[2]))
    copy('inline', int(sys.argv[3]), float(sys.argv[4]))
