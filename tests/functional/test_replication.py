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

"""Replication policies against the local cloud: ``openstack image
replicate`` and ``replication status`` as the demo user runs them, and the
glance-download-replicator service, as processes, with no command run.

Each test's policy selects only the images it tags, so that the tests
leave each other's images (and the rest of the cloud) alone.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from glanceclient import exc as glance_exc

from tests.functional import base
from tests.functional import copy_command

REPLICATOR = os.environ.get('GD_REPLICATOR') or os.path.join(
    os.path.dirname(sys.executable), 'glance-download-replicator')
POLICY_MARK = 'glance_download_policy'


class TestCase(copy_command.TestCase):

    def setUp(self):
        super().setUp()
        self.tag = 'gd-repl-%s' % self.unique
        self.dir = tempfile.mkdtemp(prefix='gd-repl-')
        self.policy_file = self.write_policy()

    def write_policy(self, **overrides):
        """A policy for RegionOne's images with this test's tag."""
        policy = {'name': 'p-%s' % self.unique,
                  'source_region': base.REGION_ONE,
                  'target_regions': [base.REGION_TWO],
                  'select': {'tags': [self.tag]},
                  'copy': {'tags': ['replica'],
                           'properties': {'replicated': 'yes'}},
                  'follow': {'properties': ['os_', 'description']},
                  'on_source_deleted': 'delete', 'grace': 0}
        policy.update(overrides)
        path = os.path.join(self.dir, 'policies.yaml')
        with open(path, 'w') as f:
            # JSON is YAML.
            json.dump({'policies': [policy]}, f)
        return path

    def replicate(self, *args, expect=0, command=('replicate',)):
        """``openstack image replicate ARGS -f json``: its rows."""
        argv = [copy_command.OPENSTACK, 'image'] + list(command) + [
            '--policy', self.policy_file, '-f', 'json'] + list(args)
        proc = subprocess.run(argv, env=self.env, capture_output=True,
                              text=True, timeout=copy_command.COMMAND_TIMEOUT)
        self.assertEqual(expect, proc.returncode,
                         'exit status of %s\nstdout: %s\nstderr: %s'
                         % (' '.join(argv), proc.stdout, proc.stderr))
        return json.loads(proc.stdout) if proc.stdout.strip() else [], \
            proc.stderr

    def the_copy(self, source_id):
        """The one copy in RegionTwo, hidden or not (Glance lists hidden
        images only when asked for them alone).
        """
        glance = self.demo[base.REGION_TWO]
        found = list(glance.images.list(filters={
            copy_command.ORIGIN_ID: source_id, 'visibility': 'all',
            'os_hidden': True})) + self.copies(source_id)
        self.assertEqual(1, len(found), found)
        return found[0]

    def tagged_source(self, **fields):
        return self.make_source(size=1 * base.MiB + 17,
                                tags=[self.tag], **fields)


class ReplicateCommandTest(TestCase):

    def test_copy_follow_and_retire(self):
        source = self.tagged_source(os_distro='cirros')
        [row], _ = self.replicate('--dry-run')
        self.assertEqual(('waiting', 'would copy', source['id']),
                         (row['State'], row['Action'], row['Source ID']))
        self.assertEqual([], self.copies(source['id']))

        [row], _ = self.replicate()
        self.assertEqual('copy', row['Action'])
        self.assertTrue(row['Result'].startswith('copied'), row)
        copy = self.the_copy(source['id'])
        self.assertEqual(
            ('active', source['os_hash_value'], 'yes', 'cirros',
             sorted(['replica', self.tag]), 'p-%s' % self.unique),
            (copy['status'], copy['os_hash_value'], copy['replicated'],
             copy['os_distro'], sorted(copy['tags']), copy[POLICY_MARK]))

        [row], _ = self.replicate()
        self.assertEqual(('in step', ''), (row['State'], row['Action']))

        # Properties with a followed prefix, and os_hidden, follow.
        self.demo[base.REGION_ONE].images.update(
            source['id'], os_distro='debian', description='a fix',
            os_hidden=True)
        [row], _ = self.replicate()
        self.assertEqual(('out of step', 'update', 'updated'),
                         (row['State'], row['Action'], row['Result']))
        copy = self.the_copy(source['id'])
        self.assertEqual(('debian', 'a fix', True),
                         (copy['os_distro'], copy['description'],
                          copy['os_hidden']))
        [row], _ = self.replicate('--policy', self.policy_file,
                                  command=('replication', 'status'))
        self.assertEqual(('in step', copy['id']),
                         (row['State'], row['Target ID']))

        # Deactivation and reactivation follow.
        images = self.demo[base.REGION_ONE].images
        images.deactivate(source['id'])
        [row], _ = self.replicate()
        self.assertEqual(('deactivate', 'deactivated'),
                         (row['Action'], row['Result']))
        self.assertEqual('deactivated', self.the_copy(source['id'])['status'])
        images.reactivate(source['id'])
        [row], _ = self.replicate()
        self.assertEqual(('reactivate', 'reactivated'),
                         (row['Action'], row['Result']))
        copy = self.the_copy(source['id'])
        self.assertEqual('active', copy['status'])
        self.assertNotIn('glance_download_deactivated', copy)

        # The source deleted: the first pass records when, the next one
        # (grace 0) deletes the copy.
        self.demo[base.REGION_ONE].images.delete(source['id'])
        [row], _ = self.replicate()
        self.assertEqual(('pending retirement', 'update'),
                         (row['State'], row['Action']))
        self.assertIn('glance_download_source_missing_since',
                      self.the_copy(source['id']))
        [row], _ = self.replicate()
        self.assertEqual(('delete', 'deleted'), (row['Action'],
                                                 row['Result']))
        self.assertRaises(glance_exc.HTTPNotFound,
                          self.demo[base.REGION_TWO].images.get, copy['id'])

    def test_bad_policy_file_is_refused_before_anything(self):
        path = os.path.join(self.dir, 'bad.yaml')
        with open(path, 'w') as f:
            f.write('policies:\n- name: a\n  source_region: RegionOne\n'
                    '  target_regions: [RegionTwo]\n  grace: soon\n')
        self.policy_file = path
        rows, stderr = self.replicate(expect=1)
        self.assertEqual([], rows)
        self.assertIn("%s:5: policy 'a': grace must be a whole number of "
                      "seconds" % path, stderr)

    def test_source_deleted_while_its_copy_imports(self):
        # From RegionFaulty (RegionOne's Glance behind the fault proxy,
        # trickling the data at 2 MiB/s): the copy is still importing when
        # the source goes; the next pass deletes it.
        self.write_policy(source_region='RegionFaulty')
        source = self.make_source(size=16 * base.MiB, tags=[self.tag])
        self.trickle(source)
        [row], _ = self.replicate('--no-wait')
        self.assertTrue(row['Result'].startswith('started'), row)
        self.wait_for_download(row['Target ID'], 1)
        self.demo[base.REGION_ONE].images.delete(source['id'])
        [row], _ = self.replicate()
        self.assertEqual(('pending retirement', 'delete', 'deleted'),
                         (row['State'], row['Action'], row['Result']))
        self.assertEqual('its source was deleted before the copy was '
                         'finished', row['Detail'])
        self.assertRaises(glance_exc.HTTPNotFound,
                          self.demo[base.REGION_TWO].images.get,
                          row['Target ID'])

    def test_publishing_without_the_right_makes_nothing(self):
        # demo may not publish images (Glance's publicize_image rule).
        self.write_policy(copy={'visibility': 'public'})
        source = self.tagged_source()
        [row], _ = self.replicate(expect=1)
        self.assertEqual('copy', row['Action'])
        self.assertTrue(row['Result'].startswith('failed: HTTP 403'), row)
        self.assertEqual([], self.copies(source['id']))

    def test_region_that_does_not_answer(self):
        self.write_policy(target_regions=[base.REGION_TWO, 'RegionNowhere'])
        source = self.tagged_source()
        rows, _ = self.replicate(expect=1)
        by_region = {r['Region']: r for r in rows}
        self.assertTrue(by_region[base.REGION_TWO]['Result'].startswith(
            'copied'), rows)
        self.assertEqual('failed', by_region['RegionNowhere']['State'])
        self.assertIn('region RegionNowhere: no image endpoint',
                      by_region['RegionNowhere']['Detail'])
        self.assertEqual('active', self.the_copy(source['id'])['status'])


class ServiceTestCase(TestCase):
    """The service as an operator runs it: its own config file, the demo
    user's credentials, and no command.
    """

    def setUp(self):
        super().setUp()
        self.services = []

    def tearDown(self):
        # Before the cleanups delete the test's images: a pass running
        # meanwhile would update a copy that is being deleted, and Glance
        # answers such a delete 500.
        for proc in self.services:
            self._stop(proc)
        super().tearDown()

    def start_service(self, interval=10, transport_url=None, debug=False,
                      **options):
        """glance-download-replicator with a config file of its own:
        ``(process, its log file)``; killed after the test.
        """
        rc = base.read_rc(self.cloud.dir, 'demo')
        lines = ['[DEFAULT]', 'debug = %s' % str(debug).lower(),
                 '[replicator]', 'policy_file = %s' % self.policy_file,
                 'interval = %d' % interval, 'event_delay = 1']
        lines += ['%s = %s' % kv for kv in options.items()]
        if transport_url:
            lines += ['[oslo_messaging_notifications]',
                      'transport_url = %s' % transport_url]
        lines += ['[service_credentials]', 'auth_type = password',
                  'auth_url = %s' % rc['OS_AUTH_URL'],
                  'username = %s' % rc['OS_USERNAME'],
                  'password = %s' % rc['OS_PASSWORD'],
                  'project_name = %s' % rc['OS_PROJECT_NAME'],
                  'user_domain_name = %s' % rc['OS_USER_DOMAIN_NAME'],
                  'project_domain_name = %s' % rc['OS_PROJECT_DOMAIN_NAME']]
        n = len(os.listdir(self.dir))
        conf = os.path.join(self.dir, 'replicator-%d.conf' % n)
        with open(conf, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        log = open(os.path.join(self.dir, 'replicator-%d.log' % n), 'w+')
        self.addCleanup(log.close)
        proc = subprocess.Popen([REPLICATOR, '--config-file', conf],
                                stdout=log, stderr=subprocess.STDOUT,
                                env=self.env)
        self.addCleanup(self._stop, proc)
        self.services.append(proc)
        return proc, log

    @staticmethod
    def _stop(proc):
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    @staticmethod
    def read(log):
        log.flush()
        with open(log.name) as f:
            return f.read()

    def wait_for_log(self, log, needle, timeout=60):
        deadline = time.monotonic() + timeout
        while needle not in self.read(log):
            self.assertLess(time.monotonic(), deadline,
                            'no %r in %s after %d s: %s' % (
                                needle, log.name, timeout, self.read(log)))
            time.sleep(0.2)

    def wait_for_copy(self, source_id, status='active', timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            copies = self.copies(source_id)
            if copies and copies[0]['status'] == status:
                return copies
            self.assertLess(time.monotonic(), deadline,
                            'no %s copy of %s after %d s: %s'
                            % (status, source_id, timeout, copies))
            time.sleep(base.POLL)


class ReplicatorServiceTest(ServiceTestCase):

    def test_periodic_passes_copy_without_a_command(self):
        proc, log = self.start_service(interval=10)
        source = self.tagged_source()
        [copy] = self.wait_for_copy(source['id'])
        self.assertEqual(source['os_hash_value'], copy['os_hash_value'])
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(0, proc.wait(30))
        text = self.read(log)
        self.assertIn('No transport_url: full passes every 10 s only', text)
        self.assertIn('glance-download-replicator stopped', text)
        self.assertNotIn('Traceback', text)

    def test_region_down_then_up_in_step_after_the_next_pass(self):
        self.addCleanup(base.cloud_up)
        self.region_two.kill()
        proc, log = self.start_service(interval=10)
        source = self.tagged_source()
        self.wait_for_log(log, 'image %s in RegionTwo: region RegionTwo: '
                          'Glance did not answer (connection refused)'
                          % source['id'])
        base.cloud_up()
        self.wait_for_copy(source['id'], timeout=60)
        self.assertIsNone(proc.poll())


class ReplicatorEventsTest(ServiceTestCase):
    """Two instances listening to Glance's notifications on the cloud's
    RabbitMQ (GD_RABBITMQ=1), with full passes ten minutes apart: what
    they do, they do because an event said so.
    """

    def setUp(self):
        super().setUp()
        self.url = self.cloud.notification_url()
        if not self.url:
            self.skipTest('the cloud runs no message broker (start it with '
                          'GD_RABBITMQ=1)')
        self.pool = 'gd-test-%s' % self.unique
        self.instances = []
        for _ in range(2):
            # debug: each notification an instance gets is logged.
            proc, log = self.start_service(interval=600,
                                           transport_url=self.url,
                                           pool=self.pool, debug=True)
            self.instances.append((proc, log))
        for _proc, log in self.instances:
            self.wait_for_log(log, 'full pass: ')

    def passes_of(self, image_id):
        return sum(self.read(log).count('image %s: ' % image_id)
                   for _proc, log in self.instances)

    def test_published_image_copied_by_one_instance(self):
        # A listener of its own sees every notification; together the
        # instances get each of them once.
        observer = base.record_notifications(
            self, self.url, 'gd-test-observer-%s' % self.unique)
        source = self.tagged_source()
        [copy] = self.wait_for_copy(source['id'], timeout=60)
        self.assertEqual(source['os_hash_value'], copy['os_hash_value'])
        self.assertGreaterEqual(self.passes_of(source['id']), 1)
        # A property change follows, again without a full pass.
        self.demo[base.REGION_ONE].images.update(source['id'],
                                                 os_distro='debian')
        deadline = time.monotonic() + 60
        while self.the_copy(source['id']).get('os_distro') != 'debian':
            self.assertLess(time.monotonic(), deadline)
            time.sleep(base.POLL)
        seen, got, deadline = 0, -1, time.monotonic() + 30
        while seen != got:
            self.assertLess(time.monotonic(), deadline,
                            'the observer saw %d notifications of %s, the '
                            'instances got %d' % (seen, source['id'], got))
            time.sleep(1)
            while not observer.events.empty():
                _publisher, event_type, payload = observer.events.get()
                if payload.get('id') == source['id'] and re.match(
                        r'^image\.(create|update|activate|delete)$',
                        event_type):
                    seen += 1
            got = sum(len(re.findall(r'image\.\w+ of image %s from'
                                     % source['id'], self.read(log)))
                      for _proc, log in self.instances)
        self.assertGreater(seen, 2)
        for _proc, log in self.instances:
            self.assertNotIn('Traceback', self.read(log))
            self.assertNotIn('full pass: ', self.read(log).split(
                'full pass: ', 1)[1])   # one full pass each, at start

    def test_instance_killed_mid_copy(self):
        # The data trickles (RegionFaulty as the source region, 2 MiB/s):
        # the copy is importing when both instances are killed; Glance
        # finishes the import, and status says in step.
        self.write_policy(source_region='RegionFaulty')
        for proc, _log in self.instances:
            proc.kill()
            proc.wait(10)
        self.instances = [self.start_service(
            interval=600, transport_url=self.url, pool=self.pool)
            for _ in range(2)]
        for _proc, log in self.instances:
            self.wait_for_log(log, 'full pass: ')
        # Tagged (selected) only once the proxy is set to trickle it.
        source = self.make_source(size=12 * base.MiB)
        self.trickle(source)
        self.demo[base.REGION_ONE].image_tags.update(source['id'], self.tag)
        [copy] = self.wait_for_copy(source['id'], status='importing',
                                    timeout=60)
        for proc, _log in self.instances:
            proc.kill()
        self.wait_for_copy(source['id'], timeout=120)
        [row], _ = self.replicate(command=('replication', 'status'))
        self.assertEqual(('in step', copy['id']),
                         (row['State'], row['Target ID']))

    def test_broker_down_periodic_passes_keep_step(self):
        self.addCleanup(base.cloud_up, self.cloud.dir, GD_RABBITMQ='1')
        self.cloud.stop_broker()
        proc, log = self.start_service(interval=10,
                                       transport_url=self.url,
                                       pool=self.pool)
        source = self.tagged_source()
        self.wait_for_copy(source['id'], timeout=90)
        self.assertEqual(None, proc.poll())
