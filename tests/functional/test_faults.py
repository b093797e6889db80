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

"""The fault matrix: glance-download into RegionTwo from RegionFaulty.

RegionFaulty's image endpoint is tools/faultproxy in front of RegionOne's
Glance (same images, same data). Each test queues a misbehaviour for the
source image's ``GET /v2/images/<id>/file`` and checks what a user sees:

* a dropped, stalled or truncated transfer is resumed (a Range request from
  the exact byte where the data stopped, so nothing is sent twice; or, from
  a RegionOne on Ceph RBD, whose Glance answers 400 to any Range, started
  again from byte 0) and the image ends ``active`` with the source's
  sha512;
* corrupt, oversized, refused (401/403/404) or hopeless (5xx every time)
  transfers end with the image ``queued`` as it was created (qcow2/ovf,
  os_distro=windows), the task message naming the cause, the store listed
  in ``os_glance_failed_import`` and nothing left in staging;
* a redirect is followed without the token; no token is in any log.

The cloud's RegionTwo has ``[glance_download] read_timeout = 3``,
``retry_delay = 0.5`` and ``max_retries = 3`` (tools/cloud), so a stall
costs about 3 s and an import makes at most 4 attempts.
"""

import time

from tests.functional import base
from tests.functional import fault_base as fb

# Not a multiple of any chunk size: the plugin keeps every byte that
# arrived, also inside a chunk.
SIZE = 12 * base.MiB + 12345
ATTEMPTS = 4                      # max_retries = 3


class FaultTest(fb.TestCase):
    """An import of a new SIZE-byte source through the proxy, with the
    misbehaviours ``rules`` queued for its data.
    """

    def copied(self, *rules):
        """It ends active with the source's data: (source, the proxy's
        record of each GET of /file).
        """
        source, sha512 = self.make_source(SIZE)
        target, image, task = self.import_through_proxy(source, *rules)
        self.assert_active_copy(source, sha512, image, task)
        return source, self.proxy.file_requests(source['id'])

    def refused(self, rules, *words):
        """It fails, says ``words`` and changes nothing: (source, task,
        the proxy's record of each GET of /file).
        """
        source, sha512 = self.make_source(SIZE)
        target, image, task = self.import_through_proxy(source, *rules)
        self.assert_failed_and_restored(target, image, task, *words)
        return source, task, self.proxy.file_requests(source['id'])


class ProxyPassThroughTest(FaultTest):

    def test_import_through_the_proxy_unharmed(self):
        source, requests = self.copied()
        self.assertEqual(1, len(requests), requests)
        self.assertEqual(('pass', 200, SIZE, 'complete', True),
                         (requests[0]['mode'], requests[0]['status'],
                          requests[0]['bytes_sent'], requests[0]['end'],
                          requests[0]['auth_token']))
        # Glance's own metadata step and ours went through it too.
        self.assertGreaterEqual(
            len(self.proxy.log(source['id'], kind='image')), 2)


class DropTest(FaultTest):
    """The connection is reset (RST) part-way through the body."""

    def drop(self, at, count=1):
        _source, requests = self.copied(
            {'mode': 'drop', 'at': at, 'count': count})
        self.assertEqual(['dropped'] * count + ['complete'],
                         [r['end'] for r in self.data_requests(requests)])
        self.assert_resumed(requests, SIZE)
        return self.data_requests(requests)

    def test_drop_at_1_percent(self):
        requests = self.drop(1)
        self.assertEqual(int(SIZE * 0.01), requests[0]['bytes_sent'])

    def test_drop_at_50_percent(self):
        requests = self.drop(50)
        self.assertEqual(int(SIZE * 0.5), requests[0]['bytes_sent'])

    def test_drop_at_99_percent(self):
        requests = self.drop(99)
        self.assertEqual(int(SIZE * 0.99), requests[0]['bytes_sent'])

    def test_dropped_three_times(self):
        requests = self.drop(50, count=ATTEMPTS - 1)
        self.assertEqual(ATTEMPTS, len(requests))


class StallTest(FaultTest):
    """The source stops sending and keeps the connection open."""

    def test_stall_mid_body(self):
        _source, requests = self.copied({'mode': 'stall', 'at': 50})
        self.assert_resumed(requests, SIZE)
        # The plugin gave up on the stalled connection after its
        # read_timeout (3 s), not after the proxy's 120 s.
        stalled = requests[0]
        self.assertEqual('client-closed', stalled['end'])
        waited = stalled['end_time'] - stalled['stalled_at']
        self.assertGreater(waited, 2.5)
        self.assertLess(waited, 10)

    def test_stall_before_the_headers(self):
        _source, requests = self.copied({'mode': 'stall_headers'})
        self.assertEqual(['client-closed', 'complete'],
                         [r['end'] for r in requests])
        self.assertLess(requests[0]['end_time'] - requests[0]['time'], 10)


class ShortBodyTest(FaultTest):
    """The source closes cleanly (FIN) before the announced length."""

    def test_closed_early_once(self):
        source, requests = self.copied({'mode': 'short', 'at': 50})
        self.assert_resumed(requests, SIZE)
        self.assertTrue(self.cloud.servers[base.REGION_TWO].log_lines(
            source['id'], 'closed the connection before the end of the '
            'data. Retrying (attempt 2 of %d) from byte %d'
            % (ATTEMPTS, requests[0]['bytes_sent'])))

    def test_closed_early_every_time(self):
        _source, task, requests = self.refused(
            [{'mode': 'short', 'at': 50, 'count': 20}], 'RegionFaulty',
            'closed the connection before the end of the data',
            'gave up after %d attempts' % ATTEMPTS)
        self.assertEqual(ATTEMPTS, len(self.data_requests(requests)))
        # Each attempt resumed where the one before had stopped.
        self.assert_resumed(requests, None)
        self.assertIn('(%d of %d bytes received)'
                      % (self.received(requests), SIZE), task['message'])


class BadDataTest(FaultTest):
    """Data that must never become an active image."""

    def test_flipped_byte(self):
        _source, _task, requests = self.refused(
            [{'mode': 'flip', 'at': 50}], 'does not match the source image',
            'sha512', 'discarded')
        self.assertEqual(1, len(requests))

    def test_more_bytes_than_the_image_size(self):
        self.refused([{'mode': 'oversize', 'extra': base.MiB}],
                     'sent more data than expected', 'over %d bytes' % SIZE)

    def test_larger_content_length_announced(self):
        self.refused([{'mode': 'oversize', 'extra': base.MiB,
                       'announce': True}],
                     'announced %d bytes but the image has %d'
                     % (SIZE + base.MiB, SIZE))


class RangeIgnoredTest(FaultTest):

    def test_source_ignores_range(self):
        """After a drop the resume asks for a Range and gets the whole
        image (200): the plugin starts over and still ends right.
        """
        _source, requests = self.copied({'mode': 'drop', 'at': 50},
                                        {'mode': 'ignore_range'})
        self.assertEqual(2, len(requests))
        self.assertIsNotNone(requests[1]['range'])
        self.assertEqual((200, SIZE, 'complete'),
                         (requests[1]['status'], requests[1]['bytes_sent'],
                          requests[1]['end']))


class HttpErrorTest(FaultTest):

    def answered(self, status, *words):
        return self.refused(
            [{'mode': 'status', 'status': status, 'count': 20}],
            'HTTP %d' % status, *words)[2]

    def test_401(self):
        requests = self.answered(401, 'credentials were not accepted',
                                 'expired token',
                                 'glance_download_service_user')
        self.assertEqual(1, len(requests))      # not retried

    def test_403(self):
        requests = self.answered(403, 'forbidden')
        self.assertEqual(1, len(requests))

    def test_404(self):
        requests = self.answered(404, 'not found')
        self.assertEqual(1, len(requests))

    def test_503_every_time(self):
        requests = self.answered(503, 'gave up after %d attempts'
                                 % ATTEMPTS)
        self.assertEqual(ATTEMPTS, len(requests))

    def retried(self, status):
        _source, requests = self.copied(
            {'mode': 'status', 'status': status, 'count': ATTEMPTS - 2})
        self.assertEqual([status] * (ATTEMPTS - 2) + [200],
                         [r['status'] for r in requests])

    def test_500_retried(self):
        self.retried(500)

    def test_503_retried(self):
        self.retried(503)


class RedirectTest(FaultTest):

    def test_redirect_to_another_port(self):
        """The plugin follows a 302 to another origin (the trap port) but
        sends it neither the user's nor a service token.
        """
        source, proxied = self.copied({'mode': 'redirect'})
        self.assertEqual([302], [r['status'] for r in proxied])
        self.assertTrue(proxied[0]['auth_token'])
        trapped = self.proxy.file_requests(source['id'], server='trap')
        self.assertEqual(1, len(trapped), trapped)
        self.assertEqual((200, SIZE), (trapped[0]['status'],
                                       trapped[0]['bytes_sent']))
        self.assertFalse(trapped[0]['auth_token'], trapped[0])
        self.assertFalse(trapped[0]['service_token'], trapped[0])
        self.assertNotIn('X-Auth-Token', trapped[0]['header_names'])
        self.assertNotIn('X-Service-Token', trapped[0]['header_names'])

    def test_redirect_refused_by_the_import_filter(self):
        # A port RegionTwo's import filter does not allow (the cloud's own
        # ports are all allowed, RegionTwo's second node's among them).
        allowed = self.cloud.servers[base.REGION_TWO].allowed_ports()
        port = max(allowed | {self.cloud.proxy_port,
                              self.cloud.trap_port}) + 1
        source, _task, _requests = self.refused(
            [{'mode': 'redirect', 'port': port}], 'import_filtering_opts',
            str(port))
        self.assertEqual([], self.proxy.file_requests(source['id'],
                                                      server='trap'))


class DeletedMidDownloadTest(fb.TestCase):

    def test_target_deleted_mid_download(self):
        """Deleting the target while its data trickles in stops the
        transfer within a few seconds and leaves nothing staged.
        """
        size = 24 * base.MiB
        source, sha512 = self.make_source(size)
        # 24 MiB at 2 MiB/s: 12 s if nothing stopped it. The plugin looks
        # at the image every progress_interval (1 s), between two reads
        # (each takes what has arrived, so a slow source is no slower to
        # stop).
        self.proxy.queue(source['id'], {'mode': 'trickle',
                                        'rate': 2 * base.MiB})
        target = self.make_target()
        self.start_import(target, source)
        self.wait_for_bytes(source, 5 * base.MiB)
        task_id = self.r2.images.get_associated_image_tasks(
            target['id'])['tasks'][0]['id']
        self.assertTrue(self.cloud.staged(target['id']))
        self.r2.images.delete(target['id'])
        deleted_at = time.time()
        request = self.wait_for_transfer_end(source)
        self.assertEqual('client-closed', request['end'])
        self.assertLess(request['end_time'] - deleted_at, 5)
        self.assertLess(request['bytes_sent'], size)
        self.assertEqual(1, len(self.proxy.file_requests(source['id'])))
        self.assert_nothing_staged(target['id'])
        admin = self.cloud.glance('admin', base.REGION_TWO)
        deadline = time.monotonic() + 15
        while admin.tasks.get(task_id)['status'] == 'processing':
            self.assertLess(time.monotonic(), deadline)
            time.sleep(base.POLL)
        task = admin.tasks.get(task_id)
        self.assertEqual('failure', task['status'])
        # The plugin stopped because the image was deleted, and says so in
        # the log. The task message is Glance's generic "Internal Error":
        # Glance's own _ImportMetadata.revert, which runs after ours, fails
        # with ImageNotFound on the deleted image and that exception, not
        # ours, reaches the executor.
        self.assertTrue(self.cloud.servers[base.REGION_TWO].log_lines(
            'Image %s was deleted during the download; the '
            'download was stopped' % target['id']))
        self.assert_nothing_staged(target['id'])
