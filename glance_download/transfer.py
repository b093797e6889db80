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

"""The copy loop: source stream -> staging file, in bounded pieces.

Each byte is touched once: read (as much as the connection has, at most
``chunk_size``), written, hashed. The loop enforces the size as it goes (a
source that sends one byte too many is stopped before that byte is
written), resumes after a broken connection from the exact byte where the
data stopped, and checks the hash at the end.

Hashing (sha512: about 2-3 CPU seconds per GiB) costs several times more
than reading and writing together, so it runs in a helper thread that
takes the chunks from a short queue while this thread reads and writes the
next ones; hashlib releases the GIL on large buffers, so on a machine with
two cores or more the two overlap. Memory stays bounded: the piece being
read, the pieces queued (``HASH_QUEUE_DEPTH``) and the one being hashed.

In a glance-api monkey-patched by eventlet (28-32's standalone command) the
helper thread and the queue are green, and each hash update is handed to a
real OS thread (:func:`glance_download.host.offload`): the hub keeps
serving other requests while a chunk is hashed, and the overlap remains.
"""

import hashlib
import queue
import threading
import time

from oslo_log import log as logging

from glance_download import errors
from glance_download import host

LOG = logging.getLogger(__name__)

# Chunks waiting to be hashed; the reader waits when the queue is full.
HASH_QUEUE_DEPTH = 2


class Expected:
    """What the data must look like.

    :param size: exact number of bytes, when the source announced it
    :param limit: most bytes accepted when ``size`` is unknown
    :param hash_algo: hashlib name of ``hash_value``'s algorithm
    :param hash_value: hex digest the data must have
    """

    def __init__(self, size=None, limit=None, hash_algo=None,
                 hash_value=None):
        self.size = size
        self.limit = size if size is not None else limit
        self.hash_algo = hash_algo
        self.hash_value = hash_value


class ThreadedHash:
    """A hashlib object fed from a helper thread.

    ``update`` hands the chunk over (waiting while ``depth`` chunks are
    already queued) and returns; ``hexdigest`` waits until every chunk
    handed over is hashed. ``close`` stops the thread; it must be called,
    and may be called more than once. Chunks must not change once handed
    over (``bytes`` do not).
    """

    def __init__(self, algo, depth=HASH_QUEUE_DEPTH):
        self._hash = hashlib.new(algo)
        self._queue = queue.Queue(maxsize=depth)
        self._thread = None
        self._error = None

    def update(self, chunk):
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name='glance-download-hash', daemon=True)
            self._thread.start()
        self._queue.put(chunk)

    def _run(self):
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self._error is None:
                try:
                    host.offload(self._hash.update, chunk)
                except Exception as exc:  # re-raised by hexdigest
                    self._error = exc

    def close(self):
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self):
        self.close()
        if self._error is not None:
            raise self._error
        return self._hash.hexdigest()


class RetryPolicy:
    def __init__(self, max_retries, delay, max_delay):
        self.max_retries = max_retries
        self.delay = delay
        self.max_delay = max_delay

    def wait(self, attempt):
        time.sleep(min(self.delay * 2 ** (attempt - 1), self.max_delay))


class Transfer:
    """Copy ``source`` into ``sink`` under the rules of ``expected``.

    :param source: :class:`glance_download.source.HttpSource`
    :param sink: :class:`glance_download.staging.StagingFile`, opened
    :param progress: callable(done_bytes, total_bytes, restarted) called
        per chunk (restarted: the source could not resume, the data was
        started again from byte 0); it may raise ImportCancelled to stop
        the transfer
    """

    def __init__(self, source, sink, expected, chunk_size, retry,
                 progress=None):
        self.source = source
        self.sink = sink
        self.expected = expected
        self.chunk_size = chunk_size
        self.retry = retry
        self.progress = progress or (lambda done, total, restarted: None)
        self.done = 0
        self.restarts = 0
        self._hasher = self._new_hasher()

    def _new_hasher(self):
        return ThreadedHash(self.expected.hash_algo) \
            if self.expected.hash_value else None

    def run(self):
        """Return the number of bytes staged once they are all verified."""
        try:
            attempt = 0
            while True:
                try:
                    self._attempt()
                    break
                except errors.TransferInterrupted as exc:
                    attempt += 1
                    if attempt > self.retry.max_retries:
                        # from None: the last failure's text is here, and
                        # what it chains to may print a URL's secrets.
                        raise errors.ImportFailed(
                            '%s Gave up after %d attempts (%d of %s bytes '
                            'received).' % (exc, attempt, self.done,
                                            self._total_text())) from None
                    LOG.warning('%s Retrying (attempt %d of %d) from byte '
                                '%d.', exc, attempt + 1,
                                self.retry.max_retries + 1, self.done)
                    self.retry.wait(attempt)
            self._verify()
            return self.done
        finally:
            if self._hasher is not None:
                self._hasher.close()

    def _total_text(self):
        size = self.expected.size
        return str(size) if size is not None else 'unknown'

    def _attempt(self):
        stream = self.source.open(self.done)
        try:
            if stream.start != self.done:
                self.restarts += 1
                self.sink.restart()
                if self._hasher is not None:
                    self._hasher.close()
                self._hasher = self._new_hasher()
                self.done = 0
            self._check_announced(stream.total)
            start = self.done
            try:
                for piece in stream.pieces(self.chunk_size):
                    self._accept(piece)
            except errors.TransferInterrupted as exc:
                if self.done != self.expected.size:
                    raise
                # Broken after the last byte (a reset, a chunked body
                # without its end): nothing is missing, and asking for the
                # rest would be answered 416.
                LOG.info('%s All %d bytes had arrived: not asking for more.',
                         exc, self.done)
        finally:
            stream.close()
        if self.expected.size is not None and self.done < self.expected.size:
            if self.done == start:
                # A whole, empty answer: asking again gets the same.
                raise errors.ImportFailed(
                    '%s sent no data (an empty answer, not a broken '
                    'connection) where %d bytes were expected.'
                    % (self.source.label, self.expected.size - start))
            raise errors.TransferInterrupted(
                '%s closed the connection after %d of %d bytes.'
                % (self.source.label, self.done, self.expected.size))

    def _check_announced(self, total):
        expected = self.expected
        if total is None:
            return
        if expected.size is None and (expected.limit is None or
                                      total <= expected.limit):
            # The first answer fixes the size: a later short body or a
            # resumed range must add up to it.
            expected.size = expected.limit = total
        if expected.size is not None and total != expected.size:
            raise errors.ImportFailed(
                '%s announced %d bytes but the image has %d.'
                % (self.source.label, total, expected.size))
        if expected.limit is not None and total > expected.limit:
            raise errors.ImportFailed(
                '%s announced %d bytes, more than the %d this import '
                'accepts.' % (self.source.label, total, expected.limit))

    def _accept(self, chunk):
        size = self.done + len(chunk)
        limit = self.expected.limit
        if limit is not None and size > limit:
            raise errors.ImportFailed(
                '%s sent more data than expected (over %d bytes); the '
                'import was stopped and nothing of it kept.'
                % (self.source.label, limit))
        self.sink.write(chunk)
        if self._hasher is not None:
            self._hasher.update(chunk)
        self.done = size
        self.progress(size, self.expected.size, bool(self.restarts))

    def _verify(self):
        if self._hasher is None:
            return
        actual = self._hasher.hexdigest()
        if actual != self.expected.hash_value:
            raise errors.ImportFailed(
                'The data received from %s does not match the source '
                'image: its %s is %s, the source image records %s. The '
                'data was discarded.' % (self.source.label,
                                         self.expected.hash_algo, actual,
                                         self.expected.hash_value))
