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

"""The replicator service's worker: full passes on its timer, one pass per
image a moment after its notifications, through oslo.messaging's real
listener (its in-process fake transport)."""

import os
import threading
import time

import fixtures
from oslo_config import cfg
import oslo_messaging
import testtools

from glance_download.replication import engine
from glance_download.replication import plan
from glance_download.replication import service


class FakeReplicator:
    """Records the passes; a pass of ``image_id`` None is a full one.
    ``deferring``: how many passes leave a copy for want of a slot.
    """

    def __init__(self, fail_on=None, deferring=0):
        self.passes = []
        self.fail_on = fail_on
        self.deferring = deferring
        self.ran = threading.Event()

    def run(self, image_id=None):
        self.passes.append(image_id)
        self.ran.set()
        if image_id is not None and image_id == self.fail_on:
            raise RuntimeError('Glance answered 500')
        if self.deferring:
            self.deferring -= 1
            return [engine.Outcome(item=plan.Item(
                'p', 'deferred-image', 'name', 'RegionTwo', plan.WAITING),
                deferred=True)]
        return []


def config(test, **options):
    """The service's options, from a file as an operator writes it."""
    path = os.path.join(test.useFixture(fixtures.TempDir()).path,
                        'replicator.conf')
    with open(path, 'w') as f:
        f.write('[replicator]\npolicy_file = /etc/policies.yaml\n')
    conf = cfg.ConfigOpts()
    service.register_opts(conf)
    conf(['--config-file', path], project='glance-download-test')
    for name, value in options.items():
        conf.set_override(name, value, group='replicator')
    return conf


def run_worker(test, worker):
    """``worker``'s run() in a thread, stopped after ``test``."""
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    test.addCleanup(thread.join, 5)
    test.addCleanup(worker.stop)
    return worker


class WorkerTest(testtools.TestCase):

    def start(self, replicator, **options):
        options.setdefault('interval', 600)
        options.setdefault('event_delay', 0.1)
        return run_worker(self, service.Service(config(self, **options),
                                                replicator))

    def wait_for(self, condition, timeout=5):
        deadline = time.monotonic() + timeout
        while not condition():
            self.assertLess(time.monotonic(), deadline, 'timed out')
            time.sleep(0.01)

    def test_full_pass_at_start_then_events_coalesced(self):
        replicator = FakeReplicator()
        worker = self.start(replicator)
        self.wait_for(lambda: replicator.passes == [None])
        for _ in range(5):          # one import's many image.update
            worker.notify('a')
        worker.notify('b')
        self.wait_for(lambda: len(replicator.passes) == 3)
        time.sleep(0.3)
        self.assertEqual([None, 'a', 'b'], replicator.passes)

    def test_full_pass_on_the_timer(self):
        replicator = FakeReplicator()
        worker = service.Service(config(self, interval=10), replicator,
                                 clock=lambda: now[0])
        now = [0.0]
        run_worker(self, worker)
        self.wait_for(lambda: worker.passes == 1)
        now[0] = 10.5
        worker.notify('wake')       # rather than waiting the real 10 s
        self.wait_for(lambda: worker.passes == 2)

    def test_deferred_copies_are_passed_again_soon(self):
        now = [0.0]
        replicator = FakeReplicator(deferring=2)
        worker = service.Service(
            config(self, interval=600, event_delay=0), replicator,
            clock=lambda: now[0])
        run_worker(self, worker)
        self.wait_for(lambda: worker.passes == 1)
        # The full pass left a copy for want of a slot: its image is
        # passed again, alone, DEFERRED_RETRY seconds later (not in the
        # interval's 600), and again while it is deferred.
        for passes in (2, 3):
            time.sleep(0.1)
            self.assertEqual(passes - 1, len(replicator.passes))
            now[0] += service.DEFERRED_RETRY + 0.1
            worker._wake.set()
            self.wait_for(lambda: len(replicator.passes) == passes)
        self.assertEqual([None, 'deferred-image', 'deferred-image'],
                         replicator.passes)
        time.sleep(0.2)
        self.assertEqual(3, len(replicator.passes))

    def test_a_failing_pass_does_not_end_the_service(self):
        replicator = FakeReplicator(fail_on='bad')
        worker = self.start(replicator)
        worker.notify('bad')
        self.wait_for(lambda: 'bad' in replicator.passes)
        worker.notify('good')
        self.wait_for(lambda: 'good' in replicator.passes)

    def test_full_passes_while_the_broker_cannot_be_reached(self):
        # Nothing listens on this port: the listener keeps trying to
        # connect, the timer's passes go on.
        conf = config(self, interval=10)
        conf.set_override('transport_url', 'rabbit://u:p@127.0.0.1:9/',
                          group='oslo_messaging_notifications')
        replicator = FakeReplicator()
        now = [0.0]
        worker = service.Service(conf, replicator, clock=lambda: now[0])
        run_worker(self, worker)
        self.wait_for(lambda: worker.passes == 1)
        now[0] = 10.5
        worker._wake.set()
        self.wait_for(lambda: worker.passes == 2)
        self.assertIsNone(worker._listener)

    def test_stop_ends_run(self):
        worker = service.Service(config(self), FakeReplicator())
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        worker.stop()
        thread.join(5)
        self.assertFalse(thread.is_alive())

    def test_no_message_bus_no_listener(self):
        conf = config(self)
        self.assertFalse(service.has_message_bus(conf))
        conf.set_override('transport_url', 'rabbit://u:p@127.0.0.1:1/',
                          group='oslo_messaging_notifications')
        self.assertTrue(service.has_message_bus(conf))


class ListenerTest(testtools.TestCase):
    """Glance's notifications (exchange glance, topic notifications) reach
    the worker through a real oslo.messaging listener.
    """

    def test_image_events_reach_the_worker(self):
        conf = config(self, event_delay=0.0)
        conf.set_override('transport_url', 'fake:/',
                          group='oslo_messaging_notifications')
        # As Glance sends them: on its control exchange.
        conf.set_override('control_exchange', 'glance')
        replicator = FakeReplicator()
        worker = service.Service(conf, replicator)
        run_worker(self, worker)
        self.assertTrue(replicator.ran.wait(5))
        deadline = time.monotonic() + 5
        while worker._listener is None and time.monotonic() < deadline:
            time.sleep(0.01)
        notifier = oslo_messaging.Notifier(
            worker._listener.transport, driver='messagingv2',
            topics=['notifications'], publisher_id='image.localhost')
        notifier.info({}, 'image.update', {'id': 'img-1', 'status': 'x'})
        notifier.info({}, 'task.success', {'id': 'task-1'})
        notifier.info({}, 'image.delete', {'id': 'img-2'})
        deadline = time.monotonic() + 5
        while len(replicator.passes) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual([None, 'img-1', 'img-2'], replicator.passes)
