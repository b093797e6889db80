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

"""Helpers for the fault and token-expiry tests: the fault proxy
(tools/faultproxy, the image endpoint of RegionFaulty) of a tools/cloud
and the assertions both test modules share.

Built on tests/functional/base.py (its Cloud, read_rc, wait_for_import).
The token-expiry tests run against a second cloud of
their own, in another state directory, while the fault tests use the main
one: :class:`FaultCloud` takes the state directory.
"""

import hashlib
import io
import json
import os
import re
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from glanceclient import exc as glance_exc

from tests.functional import base

REGION_FAULTY = 'RegionFaulty'
STORE = 'fast'                    # RegionTwo's only store (tools/cloud)
# Stores Glance reads at an offset, so that it serves a Range request.
# Others (rbd, swift, s3) it answers 400: the plugin starts over.
SEEKABLE_DRIVERS = ('file', 'cinder')

# What the source images carry and which of it travels (tools/cloud keeps
# the plugin's default prefixes).
SOURCE_PROPERTIES = {'hw_disk_bus': 'scsi', 'os_distro': 'ubuntu',
                     'foo': 'bar'}
COPIED = ('hw_disk_bus', 'os_distro')


def default_driver(conf):
    """The driver of the default store of a glance-api.conf (parsed):
    'file', 'rbd', ... (tools/cloud's GD_STORE).
    """
    drivers = dict(backend.strip().split(':') for backend in
                   conf.get('DEFAULT', 'enabled_backends').split(','))
    return drivers[conf.get('glance_store', 'default_backend')]


class Proxy:
    """The control API of tools/faultproxy."""

    def __init__(self, port):
        self.url = 'http://127.0.0.1:%d/__fault__' % port

    def _call(self, method, path='', body=None, **query):
        url = self.url + path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            url, data=data, method=method,
            headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as exc:
            raise AssertionError('faultproxy refused %s %s: %s' % (
                method, url, exc.read().decode(errors='replace')))

    def queue(self, image_id, *rules):
        """Queue ``rules`` (dicts with "mode", ...) for ``image_id``."""
        return self._call('POST', body={'image_id': image_id,
                                        'rules': list(rules)})

    def clear(self, image_id):
        self._call('DELETE', image_id=image_id)

    def queue_path(self, path, *rules):
        """Queue ``rules`` for the GETs of ``path`` (not an image's data:
        /v2/info/import, for instance).
        """
        return self._call('POST', body={'path': path, 'rules': list(rules)})

    def clear_path(self, path):
        self._call('DELETE', '?' + urllib.parse.urlencode({'path': path}))

    def log(self, image_id, server=None, kind=None):
        query = {'image_id': image_id}
        if server:
            query['server'] = server
        if kind:
            query['kind'] = kind
        return self._call('GET', '/log', **query)['entries']

    def file_requests(self, image_id, server='proxy'):
        return self.log(image_id, server=server, kind='file')

    def pending(self, image_id):
        return self._call('GET')['rules'].get(image_id, [])


class FaultCloud(base.Cloud):
    """A :class:`base.Cloud` with its fault proxy."""

    def __init__(self, cloud_dir=base.CLOUD_DIR):
        argv_file = os.path.join(cloud_dir, 'etc', 'faultproxy.argv')
        try:
            with open(argv_file) as f:
                argv = json.load(f)
        except OSError as exc:
            raise AssertionError(
                'no fault proxy in %s (%s): run tools/cloud up'
                % (cloud_dir, exc))
        super().__init__(cloud_dir)
        self.proxy_port = int(argv[argv.index('--port') + 1])
        self.trap_port = int(argv[argv.index('--trap-port') + 1])
        self.proxy = Proxy(self.proxy_port)
        region_two = self.servers[base.REGION_TWO]
        self.staging = region_two.staging
        self.region_two_url = region_two.conf.get('DEFAULT',
                                                  'public_endpoint')
        self.source_resumes = default_driver(
            self.servers[base.REGION_ONE].conf) in SEEKABLE_DRIVERS

    def staged(self, image_id):
        return os.path.exists(os.path.join(self.staging, image_id))


class TestCase(unittest.TestCase):
    """Imports into RegionTwo from RegionFaulty of the cloud ``cloud``."""

    cloud = None              # a FaultCloud; set by subclasses or setUp

    def setUp(self):
        super().setUp()
        if self.cloud is None:
            type(self).cloud = FaultCloud()
        self.r1 = self.cloud.glance('demo', base.REGION_ONE)
        self.r2 = self.cloud.glance('demo', base.REGION_TWO)
        self.proxy = self.cloud.proxy
        self.tokens = set()
        # First in, last out: after the images are deleted.
        self.addCleanup(self.assert_no_token_logged)

    # -- images ----------------------------------------------------------

    def _delete_later(self, glance, image_id):
        def delete():
            try:
                glance.images.delete(image_id)
            except glance_exc.HTTPNotFound:
                pass
        self.addCleanup(delete)

    def make_source(self, size, name=None):
        """An active raw/bare image in RegionOne of random ``size`` bytes:
        (image, sha512).
        """
        data = os.urandom(size)
        sha512 = hashlib.sha512(data).hexdigest()
        image = self.r1.images.create(
            name=name or 'gd-fault-src-%s' % self._testMethodName,
            disk_format='raw', container_format='bare', **SOURCE_PROPERTIES)
        self._delete_later(self.r1, image['id'])
        self.r1.images.upload(image['id'], io.BytesIO(data),
                              image_size=size)
        image = self.r1.images.get(image['id'])
        self.assertEqual('active', image['status'])
        self.assertEqual(sha512, image['os_hash_value'])
        self.addCleanup(self.proxy.clear, image['id'])
        return image, sha512

    def make_target(self):
        """A queued qcow2/ovf image in RegionTwo with os_distro=windows:
        what a failed import must leave exactly as it was.
        """
        image = self.r2.images.create(
            name='gd-fault-dst-%s' % self._testMethodName,
            disk_format='qcow2', container_format='ovf',
            os_distro='windows', visibility='private')
        self._delete_later(self.r2, image['id'])
        self.assertEqual('queued', image['status'])
        return image

    def start_import(self, target, source, region=REGION_FAULTY,
                     token=None, node_url=None):
        """POST the glance-download import (as demo, or with ``token``) to
        RegionTwo's catalog node (or the glance-api at ``node_url``) and
        return at once.
        """
        session = self.cloud.session('demo')
        token = token or session.get_token()
        self.tokens.add(token)
        response = session.post(
            '%s/v2/images/%s/import' % (
                node_url or self.cloud.region_two_url, target['id']),
            json={'method': {'name': 'glance-download',
                             'glance_image_id': source['id'],
                             'glance_region': region,
                             'glance_service_interface': 'public'}},
            headers={'Content-Type': 'application/json',
                     'X-Auth-Token': token},
            authenticated=False, raise_exc=False)
        self.assertEqual(202, response.status_code, response.text)

    def import_through_proxy(self, source, *rules, timeout=90):
        """Queue ``rules`` for ``source``, import it into a new target;
        return (target as created, image after, task).
        """
        if rules:
            self.proxy.queue(source['id'], *rules)
        for attempt in (1, 2):
            target = self.make_target()
            self.start_import(target, source)
            try:
                image, task = base.wait_for_import(self.r2, target['id'],
                                                   timeout, start_timeout=20)
                return target, image, task
            except base.NeverStarted:
                # Under load the cloud's SQLite sometimes answers "database
                # is locked" to Glance's own pending -> processing update,
                # in a thread that drops the error: the task stays pending
                # for ever, before any plugin code ran. Nothing reached the
                # source (the queued faults are intact): try once more.
                if attempt == 2 or self.proxy.log(source['id']):
                    raise

    # -- the proxy's view of a transfer -----------------------------------

    def wait_for_bytes(self, source, count, timeout=30):
        """Wait until the first data request for ``source`` passed more
        than ``count`` bytes.
        """
        deadline = time.monotonic() + timeout
        while True:
            requests = self.proxy.file_requests(source['id'])
            if requests and requests[0]['bytes_sent'] > count:
                return
            self.assertLess(time.monotonic(), deadline,
                            'the download did not start: %s' % requests)
            time.sleep(base.POLL)

    def wait_for_transfer_end(self, source, timeout=15):
        """The first data request for ``source``, once it ended."""
        deadline = time.monotonic() + timeout
        while True:
            request = self.proxy.file_requests(source['id'])[0]
            if request['end'] is not None:
                return request
            self.assertLess(time.monotonic(), deadline,
                            'the transfer went on: %s' % request)
            time.sleep(base.POLL)

    # -- assertions ------------------------------------------------------

    def assert_active_copy(self, source, sha512, image, task):
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual('active', image['status'])
        self.assertEqual(source['size'], image['size'])
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(sha512, image['os_hash_value'])
        served = hashlib.sha512()
        for chunk in self.r2.images.data(image['id']):
            served.update(chunk)
        self.assertEqual(sha512, served.hexdigest())
        self.assertEqual(('raw', 'bare'), (image['disk_format'],
                                           image['container_format']))
        for name in COPIED:
            self.assertEqual(SOURCE_PROPERTIES[name], image.get(name))
        self.assertNotIn('foo', image)
        self.assertFalse(image.get('os_glance_importing_to_stores'))
        self.assertFalse(image.get('os_glance_failed_import'))
        self.assert_nothing_staged(image['id'])

    def assert_failed_and_restored(self, target, image, task, *words):
        """The import failed, said why (``words``), and the target is as it
        was created: queued, qcow2/ovf, os_distro=windows, no data, no
        copied property, the store named as failed, nothing staged.
        """
        self.assertEqual('failure', task['status'], task['message'])
        message = (task['message'] or '').lower()
        for word in words:
            self.assertIn(word.lower(), message,
                          'task message %r does not say %r'
                          % (task['message'], word))
        self.assertNotIn('internal error', message)
        self.assertEqual('queued', image['status'])
        self.assertEqual(('qcow2', 'ovf'), (image['disk_format'],
                                            image['container_format']))
        self.assertEqual('windows', image.get('os_distro'))
        self.assertNotIn('hw_disk_bus', image)
        self.assertNotIn('foo', image)
        self.assertIsNone(image.get('size'))
        self.assertIsNone(image.get('os_hash_value'))
        self.assertIsNone(image.get('checksum'))
        self.assertEqual('', image.get('os_glance_importing_to_stores', ''))
        self.assertEqual(STORE, image.get('os_glance_failed_import'))
        self.assertNotIn('os_glance_import_task', image)
        for name in ('name', 'visibility', 'owner', 'min_disk', 'min_ram',
                     'protected', 'tags'):
            self.assertEqual(target[name], image[name], name)
        self.assert_nothing_staged(image['id'])

    def assert_nothing_staged(self, image_id, wait=5):
        deadline = time.monotonic() + wait
        while self.cloud.staged(image_id) and time.monotonic() < deadline:
            time.sleep(base.POLL)
        self.assertFalse(self.cloud.staged(image_id),
                         'staged data of %s left in %s'
                         % (image_id, self.cloud.staging))

    def assert_no_token_logged(self):
        """None of the tokens this test imported with, nor their first 16
        characters, is in any log of the cloud (Keystone, both Glances,
        the fault proxy, set-up logs).
        """
        logs = self.cloud.logs()
        for path in logs:
            with open(path, 'rb') as f:
                content = f.read()
            for token in self.tokens:
                for needle in (token, token[:16]):
                    # Not assertNotIn: its message would print the log.
                    self.assertFalse(needle.encode() in content,
                                     'a token (%d characters of it) is in '
                                     '%s' % (len(needle), path))

    def data_requests(self, requests):
        """The GETs of /file among ``requests`` that carried the image's
        data: all of them when RegionOne's store serves Range; else every
        other one, for each resume asked for a Range, was refused (400)
        and the plugin asked again for the whole image.
        """
        if self.cloud.source_resumes:
            return requests
        for refused in requests[1::2]:
            self.assertIsNotNone(refused['range'], requests)
            self.assertEqual(400, refused['status'], requests)
        for request in requests[::2]:
            self.assertIsNone(request['range'], requests)
        return requests[::2]

    def received(self, requests):
        """How many bytes the plugin held after ``requests`` (the
        restarts' data counts once, the last time).
        """
        data = self.data_requests(requests)
        if self.cloud.source_resumes:
            return sum(r['bytes_sent'] for r in data)
        return data[-1]['bytes_sent']

    def assert_resumed(self, requests, size):
        """Each GET of /file after the first went on from where the ones
        before had stopped, and the plugin said how in RegionTwo's log.
        From a source that serves Range: it asked for (Range) and got
        (206) the data from the exact byte where they had stopped, and
        with ``size`` the image was sent exactly once in all. From one
        that refuses Range (400, Glance on RBD): it started again from
        byte 0, and with ``size`` the last GET sent the whole image.
        """
        self.assertGreaterEqual(len(requests), 2, requests)
        self.assertIsNone(requests[0]['range'], requests)
        if not self.cloud.source_resumes:
            data = self.data_requests(requests)
            server = self.cloud.servers[base.REGION_TWO]
            for before, refused in zip(data, requests[1::2]):
                self.assertEqual('bytes=%d-' % before['bytes_sent'],
                                 refused['range'], requests)
                warned = server.log_lines(
                    'image %s in region %s refused to resume at byte %d '
                    '(HTTP 400): starting again from the first byte' % (
                        before['image_id'], REGION_FAULTY,
                        before['bytes_sent']))
                self.assertTrue(warned)
            # The import's progress said so too (its last message is always
            # written; the plugin logs each one under the request's id).
            request_id = re.search(r'req-[0-9a-f-]{36}', warned[-1]).group(0)
            self.assertTrue(server.log_lines(
                request_id, 'Downloaded ', 'MiB from %s; started again from '
                'the first byte (the source cannot resume)' % REGION_FAULTY))
            if size is not None:
                self.assertEqual((200, size), (data[-1]['status'],
                                               data[-1]['bytes_sent']))
            return
        received = 0
        for request in requests:
            if received:
                self.assertEqual(('bytes=%d-' % received, 206),
                                 (request['range'], request['status']),
                                 requests)
            received += request['bytes_sent']
        if size is not None:
            self.assertEqual(size, received, requests)
