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

"""transfer.Transfer against a real, misbehaving HTTP server."""

import hashlib
import logging
import os
import threading
import time
from unittest import mock

from glance.common import exception as glance_exception
from keystoneauth1 import session as ks_session

from glance_download import errors
from glance_download import sessions
from glance_download import source
from glance_download import staging
from glance_download import transfer
from tests import faults
from tests.unit import base
from tests.unit import fakes
from tests.unit import tls

CHUNK = 64 * 1024
SIZE = 5 * CHUNK + 1234


class TransferTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(fakes.FakeGlanceServer())
        self.allow_ports(self.server)
        self.data = os.urandom(SIZE)
        self.image = self.server.add_image(self.data)
        self.calls = []

    def source(self, url=None, session=None):
        return source.HttpSource(
            session or sessions.anonymous(base.CONF),
            url or self.server.file_url(self.image['id']),
            'image X in region RegionOne', (2.0, 0.2), fakes.loopback,
            authenticated=False)

    def expected(self, **kwargs):
        values = {'size': SIZE, 'hash_algo': 'sha512',
                  'hash_value': self.image['os_hash_value']}
        values.update(kwargs)
        return transfer.Expected(**values)

    def run_transfer(self, expected=None, max_retries=2, url=None,
                     image_id='img', progress=None, session=None):
        expected = expected or self.expected()
        self.copy = None
        with staging.StagingFile(image_id) as sink:
            self.copy = transfer.Transfer(
                self.source(url, session), sink, expected, CHUNK,
                transfer.RetryPolicy(max_retries, 0, 0),
                progress=progress or (
                    lambda done, total, restarted: self.calls.append(
                        (done, total, restarted))))
            return self.copy.run()

    def staged(self, image_id='img'):
        with open(self.staged_path(image_id), 'rb') as f:
            return f.read()

    def test_complete_and_verified(self):
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        self.assertEqual(SIZE, self.server.bytes_served)
        self.assertEqual(0, self.copy.restarts)
        # progress: after every piece, cumulative, with the total; no
        # piece is larger than the chunk size.
        dones = [done for done, _total, _restarted in self.calls]
        self.assertEqual({SIZE}, {call[1] for call in self.calls})
        self.assertEqual(SIZE, dones[-1])
        steps = [b - a for a, b in zip([0] + dones, dones)]
        self.assertTrue(all(0 < step <= CHUNK for step in steps), steps)
        self.assertNotIn('range', self.server.data_requests()[0])
        self.assertEqual('identity',
                         self.server.data_requests()[0]['accept-encoding'])

    def test_empty_image(self):
        empty = self.server.add_image(b'')
        expected = self.expected(size=0, hash_value=empty['os_hash_value'])
        self.assertEqual(0, self.run_transfer(
            expected, url=self.server.file_url(empty['id'])))
        self.assertEqual(b'', self.staged())
        self.assertEqual([], self.calls)

    def test_md5_checksum_verified(self):
        expected = self.expected(hash_algo='md5',
                                 hash_value=hashlib.md5(self.data).hexdigest())
        self.assertEqual(SIZE, self.run_transfer(expected))
        self.server.script(faults.Flip(7))
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer,
                                self.expected(hash_algo='md5',
                                              hash_value=expected.hash_value))
        self.assertIn('does not match the source image: its md5 is',
                      str(exc))

    def test_no_hash_checks_only_size(self):
        self.server.script(faults.Flip(7))
        self.assertEqual(SIZE, self.run_transfer(
            self.expected(hash_algo=None, hash_value=None)))
        self.assertNotEqual(self.data, self.staged())

    def test_flipped_byte_fails_with_both_hashes(self):
        self.server.script(faults.Flip(SIZE // 2))
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertIsInstance(exc, glance_exception.UploadException)
        actual = bytearray(self.data)
        actual[SIZE // 2] ^= 0xFF
        self.assertIn(hashlib.sha512(actual).hexdigest(), str(exc))
        self.assertIn(self.image['os_hash_value'], str(exc))
        self.assertIn('sha512', str(exc))

    def test_resume_after_drop_from_last_byte_received(self):
        # Every byte that arrived was written, even in the middle of a
        # chunk: the resume asks for exactly the rest.
        self.server.script(faults.Close(2 * CHUNK + 5000))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        first, second = self.server.data_requests()
        self.assertNotIn('range', first)
        self.assertEqual('bytes=%d-' % (2 * CHUNK + 5000), second['range'])
        # Nothing was sent twice.
        self.assertEqual(SIZE, self.server.bytes_served)
        self.assertEqual(0, self.copy.restarts)
        self.assertIn('closed the connection before the end of the data. '
                      'Retrying (attempt 2 of 3) from byte %d'
                      % (2 * CHUNK + 5000), self.logs.output)

    def test_resume_after_reset(self):
        self.server.script(faults.Reset(CHUNK + 77, delay=0.05))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        self.assertEqual('bytes=%d-' % (CHUNK + 77),
                         self.server.data_requests()[1]['range'])
        self.assertIn('The connection to image X in region RegionOne broke '
                      'off (Connection reset by peer). Retrying',
                      self.logs.output)

    def test_drop_within_the_first_chunk_is_resumed(self):
        self.server.script(faults.Close(100))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual('bytes=100-',
                         self.server.data_requests()[1]['range'])
        self.assertEqual(SIZE, self.server.bytes_served)

    def test_resume_after_stall(self):
        self.server.script(faults.Stall(3 * CHUNK, hold=0.6))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        ranges = [h.get('range') for h in self.server.data_requests()]
        self.assertEqual([None, 'bytes=%d-' % (3 * CHUNK)], ranges)
        self.assertEqual(SIZE, self.server.bytes_served)

    def test_several_drops_resume_each_time(self):
        self.server.script(faults.Close(CHUNK), faults.Close(CHUNK))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        ranges = [h.get('range') for h in self.server.data_requests()]
        self.assertEqual([None, 'bytes=%d-' % CHUNK,
                          'bytes=%d-' % (2 * CHUNK)], ranges)
        self.assertEqual(SIZE, self.server.bytes_served)

    def test_restart_from_zero_when_range_ignored(self):
        # The hash must restart too: a stale hash would make this fail.
        self.server.script(faults.Close(2 * CHUNK), faults.IgnoreRange())
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        self.assertEqual(1, self.copy.restarts)
        self.assertEqual('bytes=%d-' % (2 * CHUNK),
                         self.server.data_requests()[1]['range'])
        self.assertEqual(2 * CHUNK + SIZE, self.server.bytes_served)
        self.assertIn('does not support resuming', self.logs.output)
        # progress went back to the start once, after 2 chunks
        dones = [done for done, _total, _restarted in self.calls]
        back = [i for i in range(1, len(dones)) if dones[i] < dones[i - 1]]
        self.assertEqual(1, len(back))
        self.assertEqual(2 * CHUNK, dones[back[0] - 1])
        self.assertLessEqual(dones[back[0]], CHUNK)
        # and said so from then on
        restarted = [r for _done, _total, r in self.calls]
        self.assertEqual([False] * back[0] + [True] * (len(dones) - back[0]),
                         restarted)

    # Glance answers a Range request with 400 when its store cannot seek
    # (StoreRandomGetNotSupported) and a server may answer 416: the data is
    # then read again from the first byte.
    def test_restart_from_zero_when_resume_refused_400(self):
        self.server.script(faults.Close(2 * CHUNK), faults.Status(400))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())

    def test_restart_from_zero_when_resume_refused_416(self):
        self.server.script(faults.Close(2 * CHUNK), faults.Status(416))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())

    def test_give_up_after_max_retries(self):
        self.server.script(*[faults.Close(CHUNK + 10)] * 3)
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertNotIsInstance(exc, errors.TransferInterrupted)
        self.assertIsInstance(exc, glance_exception.UploadException)
        self.assertIn('closed the connection before the end of the data. '
                      'Gave up after 3 attempts (%d of %d bytes received)'
                      % (3 * CHUNK + 30, SIZE), str(exc))
        self.assertEqual(3, len(self.server.data_requests()))

    def test_no_retries(self):
        self.server.script(faults.Close(10))
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer,
                                max_retries=0)
        self.assertIn('Gave up after 1 attempts (10 of %d bytes received)'
                      % SIZE, str(exc))

    def test_retry_waits_with_backoff(self):
        policy = transfer.RetryPolicy(5, 1.0, 3.0)
        with mock.patch.object(transfer.time, 'sleep') as sleep:
            for attempt in (1, 2, 3, 4):
                policy.wait(attempt)
        self.assertEqual([mock.call(1.0), mock.call(2.0), mock.call(3.0),
                          mock.call(3.0)], sleep.call_args_list)

    def test_break_after_the_last_byte_is_complete(self):
        # Every byte arrived, then the chunked framing broke off: nothing
        # is missing (a resume would ask for bytes=SIZE-, answered 416).
        self.server.script(faults.Chunked(size=7777, terminated=False))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        self.assertEqual(1, len(self.server.data_requests()))
        self.assertEqual(0, self.copy.restarts)
        self.assertEqual(SIZE, self.server.bytes_served)
        self.assertIn('All %d bytes had arrived' % SIZE, self.logs.output)

    def test_break_after_the_last_byte_still_verified(self):
        self.server.script(faults.Chunked(size=7777, terminated=False))
        self.image['os_hash_value'] = 'f' * 128
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertIn('does not match the source image', str(exc))
        self.assertEqual(1, len(self.server.data_requests()))

    def test_break_after_the_last_byte_of_unknown_size(self):
        # Nothing said how many bytes would come: the resume asks for the
        # rest and the answer, 416 "bytes */SIZE", says there is none.
        expected = transfer.Expected(limit=10 * SIZE)
        self.server.script(faults.Chunked(size=7777, terminated=False))
        self.assertEqual(SIZE, self.run_transfer(expected))
        self.assertEqual(self.data, self.staged())
        first, second = self.server.data_requests()
        self.assertEqual('bytes=%d-' % SIZE, second['range'])
        self.assertEqual(0, self.copy.restarts)
        self.assertEqual(SIZE, self.server.bytes_served)
        self.assertNotIn('starting again from the first byte',
                         self.logs.output)

    def test_certificate_not_accepted_fails_at_once(self):
        certificates = self.useFixture(tls.Certificates())
        attempts = fakes.serve_tls(self.server, certificates)
        url = self.server.file_url(self.image['id'])
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer,
                                url=url, session=ks_session.Session())
        self.assertEqual('Could not connect to image X in region RegionOne: '
                         'the certificate of 127.0.0.1 was not accepted: '
                         'unable to get local issuer certificate.', str(exc))
        self.assertEqual(1, len(attempts))
        self.assertNotIn('Retrying', self.logs.output)
        self.assertEqual(b'', self.staged())

    def test_retries_name_no_secret_of_the_url(self):
        self.debug_logging()
        exc = self.assertRaises(
            errors.ImportFailed, self.run_transfer,
            url=fakes.secret_url(fakes.closed_port()))
        self.assertIn('Connection refused. Gave up after 3 attempts',
                      str(exc))
        self.assertIn('Connection refused. Retrying (attempt 2 of 3)',
                      self.logs.output)
        for secret in fakes.SECRETS:
            self.assertNotIn(secret, str(exc))
            self.assertNotIn(secret, self.logs.output)

    def test_text_and_json_bodies_arrive_whole_at_debug(self):
        # keystoneauth1's response logging, at DEBUG, reads text/plain and
        # JSON bodies whole (and so consumes the stream); data requests
        # do not use it.
        self.debug_logging()
        bodies = {
            'text/plain': b''.join(b'BODY line %06d\n' % i
                                   for i in range(30000)),
            'application/json': b'{"BODY": "%s"}' % (b'j' * SIZE),
        }
        for number, (content_type, body) in enumerate(bodies.items()):
            path = '/body%d' % number
            self.server.route(path, body, content_type=content_type)
            image_id = 'img%d' % number
            self.assertEqual(len(body), self.run_transfer(
                transfer.Expected(limit=10 * SIZE), image_id=image_id,
                url=self.server.url + path))
            self.assertEqual(body, self.staged(image_id))
        self.assertEqual(2, len(self.server.requests))
        self.assertTrue(logging.getLogger(
            'keystoneauth.session').isEnabledFor(logging.DEBUG))
        self.assertNotIn('BODY', self.logs.output)

    def test_short_body_without_length(self):
        # A close-delimited body that ends early is a broken transfer.
        self.server.script(faults.Truncate(CHUNK))
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer,
                                max_retries=0)
        self.assertIn('closed the connection after %d of %d bytes. Gave up '
                      'after 1 attempts' % (CHUNK, SIZE), str(exc))

    def test_short_body_is_resumed(self):
        self.server.script(faults.Truncate(CHUNK + 100))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        self.assertEqual('bytes=%d-' % (CHUNK + 100),
                         self.server.data_requests()[1]['range'])
        self.assertIn('closed the connection after %d of %d bytes. '
                      'Retrying' % (CHUNK + 100, SIZE), self.logs.output)

    def test_announced_size_larger_than_image(self):
        self.server.script(faults.Oversize(announce=True, extra=10))
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertIn('announced %d bytes but the image has %d'
                      % (SIZE + 10, SIZE), str(exc))
        self.assertEqual(1, len(self.server.data_requests()))
        self.assertEqual(b'', self.staged())

    def test_more_bytes_than_image_size_are_never_written(self):
        self.server.script(faults.Oversize(extra=3 * CHUNK))
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertIn('sent more data than expected (over %d bytes)' % SIZE,
                      str(exc))
        self.assertLessEqual(len(self.staged()), SIZE)
        self.assertEqual(1, len(self.server.data_requests()))

    def test_unknown_size_adopts_content_length(self):
        expected = transfer.Expected(limit=10 * SIZE)
        self.server.script(faults.Close(CHUNK))
        self.assertEqual(SIZE, self.run_transfer(expected))
        self.assertEqual(SIZE, expected.size)
        self.assertEqual(self.data, self.staged())
        self.assertEqual('bytes=%d-' % CHUNK,
                         self.server.data_requests()[1]['range'])
        self.assertEqual(SIZE, self.calls[-1][1])

    def test_unknown_size_without_length(self):
        expected = transfer.Expected(limit=10 * SIZE)
        self.server.script(faults.NoLength())
        self.assertEqual(SIZE, self.run_transfer(expected))
        self.assertIsNone(expected.size)
        self.assertEqual((SIZE, None, False), self.calls[-1])

    def test_chunked_body(self):
        self.server.script(faults.Chunked(size=7777))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())

    def test_chunked_body_of_unknown_size(self):
        expected = transfer.Expected(limit=10 * SIZE)
        self.server.script(faults.Chunked())
        self.assertEqual(SIZE, self.run_transfer(expected))
        self.assertEqual(self.data, self.staged())
        self.assertEqual((SIZE, None, False), self.calls[-1])

    def test_unknown_size_announced_over_limit(self):
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer,
                                transfer.Expected(limit=SIZE - 1))
        self.assertIn('announced %d bytes, more than the %d this import '
                      'accepts' % (SIZE, SIZE - 1), str(exc))

    def test_unknown_size_sent_over_limit(self):
        self.server.script(faults.NoLength())
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer,
                                transfer.Expected(limit=2 * CHUNK))
        self.assertIn('sent more data than expected (over %d bytes)'
                      % (2 * CHUNK), str(exc))
        self.assertLessEqual(len(self.staged()), 2 * CHUNK)

    def test_adopted_size_bounds_a_resumed_body(self):
        # The first answer announced SIZE bytes and that became the size;
        # a resumed answer (206, right Content-Range) that then sends more
        # than that, without a Content-Length, must not stage more than
        # SIZE bytes nor succeed.
        expected = transfer.Expected(limit=10 * SIZE)
        self.server.script(faults.Close(CHUNK), faults.Oversize(CHUNK))
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer,
                                expected)
        self.assertIn('sent more data than expected', str(exc))
        self.assertLessEqual(len(self.staged()), SIZE)

    def test_wrong_content_range_gives_up(self):
        self.server.script(faults.Close(CHUNK), faults.WrongRange(),
                           faults.WrongRange())
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertIn('answered a resumed request with a wrong range '
                      '(bytes 0-%d/%d)' % (SIZE - 1, SIZE), str(exc))
        self.assertIn('Gave up after 3 attempts', str(exc))

    def test_server_error_is_retried(self):
        self.server.script(faults.Status(503), faults.Status(500))
        self.assertEqual(SIZE, self.run_transfer())
        self.assertEqual(self.data, self.staged())
        self.assertEqual(3, len(self.server.data_requests()))

    def test_no_data_is_said_at_once(self):
        # An active image with data, but the source sends none: HTTP 204,
        # or a whole empty answer (also to a resume). Asking again would
        # get the same: no more requests, and the reason.
        for answers, reason in (
                ([faults.Status(204)],
                 'answered HTTP 204 No Content: it sent no data.'),
                ([faults.Truncate(0)],
                 'sent no data (an empty answer, not a broken connection) '
                 'where %d bytes were expected.' % SIZE),
                ([faults.Close(CHUNK), faults.Truncate(0)],
                 'sent no data (an empty answer, not a broken connection) '
                 'where %d bytes were expected.' % (SIZE - CHUNK))):
            self.server.clear_script()
            self.server.script(*answers)
            requests_before = len(self.server.data_requests())
            exc = self.assertRaises(errors.ImportFailed, self.run_transfer)
            self.assertNotIsInstance(exc, errors.TransferInterrupted)
            self.assertIn(reason, str(exc))
            self.assertNotIn('Gave up', str(exc))
            self.assertEqual(len(answers), len(
                self.server.data_requests()) - requests_before)

    def test_client_error_is_not_retried(self):
        self.server.script(faults.Status(403))
        exc = self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertIn('HTTP 403 Forbidden: access is forbidden', str(exc))
        self.assertEqual(1, len(self.server.data_requests()))

    def test_progress_may_cancel(self):
        def cancel(done, total, restarted):
            raise errors.ImportCancelled('stop now')

        self.assertRaises(errors.ImportCancelled, self.run_transfer,
                          progress=cancel)
        self.assertEqual(1, len(self.server.data_requests()))
        # Stopped after the first piece (at most one chunk).
        self.assertGreater(len(self.staged()), 0)
        self.assertLessEqual(len(self.staged()), CHUNK)

    # No hash thread outlives a transfer, however it ends.

    def assertNoHashThread(self):
        self.assertEqual([], _hash_threads())

    def test_thread_stopped_after_success(self):
        self.assertEqual(SIZE, self.run_transfer())
        self.assertNoHashThread()

    def test_thread_stopped_after_mismatch(self):
        self.server.script(faults.Flip(3))
        self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertNoHashThread()

    def test_thread_stopped_after_giving_up(self):
        self.server.script(*[faults.Close(CHUNK + 10)] * 3)
        self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertNoHashThread()

    def test_thread_stopped_after_oversize(self):
        self.server.script(faults.Oversize(extra=3 * CHUNK))
        self.assertRaises(errors.ImportFailed, self.run_transfer)
        self.assertNoHashThread()

    def test_thread_stopped_after_restart_from_zero(self):
        self.server.script(faults.Close(2 * CHUNK), faults.IgnoreRange())
        self.assertEqual(SIZE, self.run_transfer())
        self.assertNoHashThread()

    def test_thread_stopped_after_cancel(self):
        def cancel(done, total, restarted):
            if done >= 2 * CHUNK:
                raise errors.ImportCancelled('stop now')

        self.assertRaises(errors.ImportCancelled, self.run_transfer,
                          progress=cancel)
        self.assertNoHashThread()
        # Stopped at the first piece that reached 2 chunks: nothing more.
        self.assertGreaterEqual(len(self.staged()), 2 * CHUNK)
        self.assertLess(len(self.staged()), 3 * CHUNK)


def _hash_threads():
    return [t for t in threading.enumerate()
            if t.name == 'glance-download-hash']


class ThreadedHashTest(base.TestCase):
    """Hashing runs beside reading and writing, in a helper thread."""

    def test_same_digest_as_hashlib(self):
        chunks = [os.urandom(n) for n in (1, 70000, 0, 4096, 123457)]
        threaded = transfer.ThreadedHash('sha512')
        for chunk in chunks:
            threaded.update(chunk)
        self.assertEqual(hashlib.sha512(b''.join(chunks)).hexdigest(),
                         threaded.hexdigest())
        self.assertEqual([], _hash_threads())
        threaded.close()  # again: harmless

    def test_no_data_starts_no_thread(self):
        threaded = transfer.ThreadedHash('md5')
        self.assertEqual([], _hash_threads())
        self.assertEqual(hashlib.md5().hexdigest(), threaded.hexdigest())

    def test_unknown_algorithm_fails_at_once(self):
        self.assertRaises(ValueError, transfer.ThreadedHash, 'no-such-hash')

    def test_queue_is_bounded(self):
        # The producer waits while DEPTH chunks are queued: memory stays a
        # few chunks whatever the image size.
        threaded = transfer.ThreadedHash('sha512', depth=2)
        gate = threading.Event()
        real = threaded._hash
        threaded._hash = mock.Mock()
        threaded._hash.update.side_effect = lambda c: (gate.wait(5),
                                                       real.update(c))
        threaded._hash.hexdigest = real.hexdigest
        fed = []

        def feed():
            for i in range(6):
                threaded.update(b'%d' % i)
                fed.append(i)

        producer = threading.Thread(target=feed)
        producer.start()
        deadline = time.monotonic() + 5
        while len(fed) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        producer.join(0.2)
        # one chunk being hashed (blocked), two queued, the next waiting
        self.assertEqual([0, 1, 2], fed)
        gate.set()
        producer.join(5)
        self.assertEqual(list(range(6)), fed)
        self.assertEqual(hashlib.sha512(b'012345').hexdigest(),
                         threaded.hexdigest())

    def test_error_in_thread_is_raised_by_hexdigest(self):
        threaded = transfer.ThreadedHash('sha512')
        threaded._hash = mock.Mock()
        threaded._hash.update.side_effect = RuntimeError('boom')
        threaded.update(b'x')
        threaded.update(b'y')   # still accepted, the thread keeps draining
        self.assertRaises(RuntimeError, threaded.hexdigest)
        self.assertEqual([], _hash_threads())
