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

"""Both regions' image API as the demo user, and the bench's images:
RegionOne's sources (kept across runs) and RegionTwo's targets."""

import os
import time
import uuid

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import requests

from gdbench import context
from gdcloud import keystone

POLL_EVERY = 0.2
DROPPED_AFTER = 30


def credentials(user='demo'):
    """USER's password credentials, keystoneauth's option names."""
    _, project, password, _ = next(u for u in keystone.USERS
                                   if u[0] == user)
    return {'auth_url': context.SETTINGS.auth_url, 'username': user,
            'password': password, 'project_name': project,
            'user_domain_name': 'Default', 'project_domain_name': 'Default'}


def session(user='demo', cls=ks_session.Session):
    """A keystoneauth session (of ``cls``) of USER, with the cloud's own
    credentials.
    """
    return cls(auth=v3.Password(**credentials(user)))


class Glance:
    """The image API of one region, as the demo user."""

    def __init__(self, sess, region):
        self.sess = sess
        self.region = region
        self.url = 'http://127.0.0.1:%d' % context.PORTS[region]
        self.http = requests.Session()

    def headers(self, **extra):
        h = {'X-Auth-Token': self.sess.get_token()}
        h.update(extra)
        return h

    def call(self, method, path, expect, **kwargs):
        headers = kwargs.pop('headers', {})
        timeout = kwargs.pop('timeout', 60)
        # a streamed body cannot be sent twice: retry only without one
        attempts = 1 if 'data' in kwargs else 5
        for attempt in range(attempts):
            try:
                resp = self.http.request(
                    method, self.url + path, headers=self.headers(**headers),
                    timeout=timeout, **kwargs)
                break
            except requests.ConnectionError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)
        if resp.status_code not in expect:
            raise RuntimeError('%s %s %s: HTTP %d %s' % (
                self.region, method, path, resp.status_code,
                resp.text[:300]))
        return resp

    def create(self, name, **props):
        body = {'name': name, 'disk_format': 'raw',
                'container_format': 'bare', 'visibility': 'private'}
        body.update(props)
        return self.call('POST', '/v2/images', (201,), json=body).json()

    def get(self, image_id):
        return self.call('GET', '/v2/images/%s' % image_id, (200,)).json()

    def delete(self, image_id):
        self.call('DELETE', '/v2/images/%s' % image_id, (204, 404))

    def list(self, **filters):
        return self.call('GET', '/v2/images', (200,),
                         params=dict(filters, limit=100)).json()['images']

    def put_data(self, image_id, chunks, what='file'):
        self.call('PUT', '/v2/images/%s/%s' % (image_id, what), (204,),
                  data=chunks, timeout=600,
                  headers={'Content-Type': 'application/octet-stream'})

    def import_(self, image_id, method):
        self.call('POST', '/v2/images/%s/import' % image_id, (202,),
                  json={'method': method})

    def file(self, image_id):
        return self.call('GET', '/v2/images/%s/file' % image_id, (200,),
                         stream=True, timeout=600)


def generated_data(size, zeros_from=None):
    """SIZE bytes in 1 MiB chunks: random, each MiB different; zero bytes
    from ZEROS_FROM on (a whole MiB) if given.
    """
    MiB = context.MiB
    pool = os.urandom(64 * MiB + 4096)
    zeros = bytes(MiB)
    sent = 0
    n = 0
    while sent < size:
        take = min(MiB, size - sent)
        offset = (n * 4099) % (64 * MiB)
        if zeros_from is not None and sent >= zeros_from:
            yield zeros[:take]
        else:
            yield n.to_bytes(8, 'big') + pool[offset:offset + take - 8] \
                if take >= 8 else pool[:take]
        sent += take
        n += 1


def same_data(image, source):
    """Whether IMAGE's hashes say it holds SOURCE's data: os_hash_value if
    both have the same os_hash_algo (a profile may change RegionTwo's),
    else the md5 checksum both always have.
    """
    if image.get('size') != source['size']:
        return False
    if image.get('os_hash_algo') == source['os_hash_algo']:
        return image.get('os_hash_value') == source['os_hash_value']
    return image.get('checksum') == source['checksum']


def response_chunks(resp, chunk=context.MiB):
    while True:
        data = resp.raw.read(chunk)
        if not data:
            return
        yield data


class Cloud:
    """The two regions, RegionTwo's directories and log."""

    def __init__(self):
        self.sess = session('demo')
        self.r1 = Glance(self.sess, 'RegionOne')
        self.r2 = Glance(self.sess, 'RegionTwo')
        self.glance2 = context.STATE.path('glance2')
        self.staging = os.path.join(self.glance2, 'staging')
        self.store = os.path.join(self.glance2, 'images')
        self.log = context.STATE.log_of('glance2')

    def source(self, size, fresh=False, sparse=False):
        """An active RegionOne image of SIZE bytes (reused across runs);
        SPARSE: its second half zero bytes, as the free space of a raw disk
        image.
        """
        name = 'gd-bench-%s-%d' % ('sparse' if sparse else 'source', size)
        for image in self.r1.list(name=name):
            if fresh or image['status'] != 'active' or image['size'] != size:
                self.r1.delete(image['id'])
            else:
                return image
        image = self.r1.create(name)
        context.say('uploading a %s%s source image to RegionOne'
                    % (context.size_label(size), ' sparse' if sparse else ''))
        t0 = time.time()
        self.r1.put_data(image['id'], generated_data(
            size, size // 2 if sparse else None))
        image = self.r1.get(image['id'])
        context.say('  uploaded in %.1f s' % (time.time() - t0))
        assert image['status'] == 'active' and image['size'] == size
        return image

    def target(self, tag):
        return self.r2.create('gd-bench-%s-%s' % (tag, uuid.uuid4().hex[:8]))

    def wait_active(self, image_id, deadline, start=None, started=None):
        """Poll until active; return the time it was seen active.

        An import whose image never leaves ``queued`` was dropped by Glance
        before its flow ran (with SQLite, a "database is locked" while the
        task is set to processing is swallowed by the task pool).
        """
        seen_importing = False
        start = start or time.time()
        while True:
            image = self.r2.get(image_id)
            now = time.time()
            status = image['status']
            if status == 'active':
                return now, image
            if status == 'importing':
                seen_importing = True
                if started is not None:
                    started.set()
            if not seen_importing and now - start > DROPPED_AFTER:
                raise RuntimeError('import of %s never started (still %s '
                                   'after %d s): Glance dropped the task'
                                   % (image_id, status, DROPPED_AFTER))
            if image.get('os_glance_failed_import') or (
                    seen_importing and status == 'queued'):
                raise RuntimeError('import of %s failed (status %s, failed '
                                   'stores %r): %s' % (
                                       image_id, status,
                                       image.get('os_glance_failed_import'),
                                       self.task_message(image_id)))
            if now > deadline:
                raise RuntimeError('import of %s still %s after the time '
                                   'limit' % (image_id, status))
            time.sleep(POLL_EVERY)

    def task_message(self, image_id):
        try:
            tasks = self.r2.call('GET', '/v2/images/%s/tasks' % image_id,
                                 (200,)).json()['tasks']
            return '; '.join('task %s: %s' % (t['status'], t['message'])
                             for t in tasks) or 'no task'
        except Exception as exc:
            return 'task unknown (%s)' % exc

    def discard(self, image_id):
        """Delete a target image; a failure here must not void the run.

        (Glance on SQLite answers 500 now and then; what is left over is
        deleted by cleanup_targets at the end.)
        """
        for attempt in range(3):
            try:
                self.r2.delete(image_id)
                return
            except Exception as exc:
                context.say('could not delete %s yet: %s'
                            % (image_id, str(exc)[:80]))
                time.sleep(1)

    def cleanup_targets(self):
        try:
            images = self.r2.list()
        except Exception as exc:
            context.say('could not list RegionTwo images: %s'
                        % str(exc)[:80])
            return
        for image in images:
            if image['name'].startswith('gd-bench-') and \
                    image['status'] not in ('deleted', 'pending_delete'):
                self.discard(image['id'])
