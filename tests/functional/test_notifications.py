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

"""Glance's notifications on the local cloud's RabbitMQ broker
(``GD_RABBITMQ=1 tools/cloud up``), received the way the replicator of
issue #22 will receive them: an oslo.messaging notification listener in a
pool of its own on exchange ``glance``, topic ``notifications``.

An image's ``image.create`` and ``image.delete`` arrive within seconds,
each region names itself as the publisher, and while the broker is down
Glance still answers at once (``retry = 0``: the notification is dropped
and logged) and sends again once it is back.

Skipped on a cloud without a broker.
"""

import queue
import time
from urllib import parse

from glanceclient import client as glance_client
from keystoneauth1 import session as ks_session

from tests.functional import base

EVENT_TIMEOUT = 10
# One queue for these tests, run after run: a pool is a queue on the
# broker, which stays (capped by the cloud's policy) when its listener
# stops.
POOL = 'gd-functional-notifications'
# Seconds an image API call may take with the broker down; with
# oslo.messaging's default retry (-1) each hung for more than 20 s.
PROMPT = 5


class NotificationsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.url = self.cloud.notification_url()
        if self.url is None:
            self.skipTest('the cloud runs no RabbitMQ broker (start it with '
                          'GD_RABBITMQ=1 tools/cloud up)')

    def listen(self):
        """base.Recorder behind a started listener, stopped at cleanup."""
        return base.record_notifications(self, self.url, POOL)

    def wait_for(self, recorder, event_type, *image_ids):
        """(publisher_id, payload) of the first ``event_type`` about one of
        ``image_ids`` (the pool's queue may hold other tests' events).
        """
        deadline = time.monotonic() + EVENT_TIMEOUT
        seen = []
        while True:
            try:
                publisher, got, payload = recorder.events.get(
                    timeout=max(0, deadline - time.monotonic()))
            except queue.Empty:
                self.fail('no %s notification of image %s within %d s '
                          '(the last ones seen: %s)' % (
                              event_type, ' or '.join(image_ids),
                              EVENT_TIMEOUT, seen[-10:] or 'none'))
            if got == event_type and payload.get('id') in image_ids:
                return publisher, payload
            seen.append('%s %s' % (got, payload.get('id')))

    def test_create_and_delete(self):
        recorder = self.listen()
        image = self.create_image(base.REGION_ONE, disk_format='raw',
                                  container_format='bare')
        publisher, payload = self.wait_for(recorder, 'image.create',
                                           image['id'])
        self.assertEqual('image.RegionOne', publisher)
        self.assertEqual((image['name'], 'queued', image['owner']),
                         (payload['name'], payload['status'],
                          payload['owner']))
        self.demo[base.REGION_ONE].images.delete(image['id'])
        _, payload = self.wait_for(recorder, 'image.delete', image['id'])
        self.assertEqual(('deleted', True),
                         (payload['status'], payload['deleted']))

    def test_each_region_names_itself(self):
        # The publisher is all that tells the regions apart on one broker.
        recorder = self.listen()
        for region in base.REGIONS:
            image = self.create_image(region)
            publisher, _ = self.wait_for(recorder, 'image.create',
                                         image['id'])
            self.assertEqual('image.%s' % region, publisher)

    def prompt(self, what, call, *args, **kwargs):
        """``call(*args, **kwargs)``, failing if it took PROMPT s or more."""
        started = time.monotonic()
        result = call(*args, **kwargs)
        took = time.monotonic() - started
        self.assertLess(took, PROMPT, '%s took %.1f s with the broker down'
                        % (what, took))
        return result

    def delete_named(self, glance, name):
        """Delete the images called ``name``: found by name, as a create
        that timed out may still make one.
        """
        for image in glance.images.list(filters={'name': name}):
            self._delete(glance, image['id'])

    def test_glance_answers_while_the_broker_is_down(self):
        # A session that gives up: a call that hangs fails the test.
        glance = glance_client.Client(
            '2', session=ks_session.Session(
                auth=base.password_auth(self.cloud.dir, 'demo'),
                timeout=PROMPT * 3),
            region_name=base.REGION_ONE, interface='public')
        name = 'gd-functional-broker-down-%s' % base.random_id()
        self.addCleanup(self.delete_named, glance, name)
        sizes = base.cloud_log_sizes()
        self.cloud.stop_broker()
        try:
            image = self.prompt('image create', glance.images.create,
                                name=name, disk_format='raw',
                                container_format='bare')
            self.prompt('image update', glance.images.update, image['id'],
                        gd_broker='down')
            self.prompt('image delete', glance.images.delete, image['id'])
        finally:
            base.cloud_up(GD_RABBITMQ='1')
        self.assertNotEqual([], base.lines_since(
            sizes, rb'Could not send notification'))
        password = parse.urlsplit(self.url).password
        for path in self.cloud.logs():
            with open(path, 'rb') as log:
                # Not assertNotIn: its message would print the log.
                self.assertFalse(password.encode() in log.read(),
                                 'the broker password is in %s' % path)
        # Back: Glance connects again by itself. A worker process whose
        # connection the restart broke finds out by sending on it, and
        # drops that notification too (retry 0): RegionOne has two, so
        # one of three new images' image.create arrives at least.
        recorder = self.listen()
        self.wait_for(recorder, 'image.create', *[
            self.create_image(base.REGION_ONE)['id'] for _ in range(3)])
