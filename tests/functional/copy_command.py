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

"""The copy command as a user runs it, for the functional tests.

``openstack`` from the Python environment running the tests (the tox
``functional`` env installs python-openstackclient and this package with
its ``client`` extra; ``GD_OPENSTACK`` names another executable), as the
``demo`` user with RegionOne as its current region: its JSON rows checked,
its progress lines, and the images it leaves in RegionTwo.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid

from glance_download.copying import logic
from tests.functional import base
from tests.functional import fault_base as fb

OPENSTACK = os.environ.get('GD_OPENSTACK') or os.path.join(
    os.path.dirname(sys.executable), 'openstack')
COMMAND_TIMEOUT = float(os.environ.get('GD_OSC_TIMEOUT', 300))
ORIGIN_ID = 'glance_download_source_id'
# A progress line, or keystoneauth's warning when it retries the import
# call (the local cloud's SQLite can answer 500 "database is locked").
LINE = re.compile(r'^(\d\d:\d\d:\d\d |Retriable status code 50[0234]\. )')


class TestCase(base.TestCase):
    """Runs the real ``openstack image copy`` as the demo user, with
    RegionOne as its current region.
    """

    def setUp(self):
        super().setUp()
        if not os.access(OPENSTACK, os.X_OK):
            self.fail('No `openstack` command at %s: install '
                      'python-openstackclient and this package with its '
                      'client extra (tox -e functional does), or set '
                      'GD_OPENSTACK.' % OPENSTACK)
        self.unique = uuid.uuid4().hex[:8]
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith('OS_')}
        self.env.update(base.read_rc(base.CLOUD_DIR, 'demo'))
        self.env.update(OS_REGION_NAME=base.REGION_ONE,
                        PYTHONWARNINGS='ignore')

    def make_source(self, size=3 * base.MiB + 4321, data=None, **fields):
        """An active image in RegionOne (of ``size`` random bytes, or of
        ``data``); its copies in RegionTwo are deleted after the test.
        """
        if data is None:
            data = base.generate(size)[0]
        fields.setdefault('name', 'gd-osc-%s-%s' % (
            self.id().rsplit('.', 1)[-1], self.unique))
        fields.setdefault('disk_format', 'raw')
        fields.setdefault('container_format', 'bare')
        source = self.create_image(base.REGION_ONE, data=data, **fields)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         source['os_hash_value'])
        self.addCleanup(self.delete_copies, source['id'])
        return source

    def copies(self, source_id):
        """The images in RegionTwo that record ``source_id`` as origin."""
        return list(self.demo[base.REGION_TWO].images.list(
            filters={ORIGIN_ID: source_id, 'visibility': 'all'}))

    def delete_copies(self, source_id):
        for image in self.copies(source_id):
            self._delete(self.demo[base.REGION_TWO], image['id'])

    @staticmethod
    def argv(*args):
        return [OPENSTACK, 'image', 'copy'] + list(args) + [
            '-f', 'json', '--timeout', '120']

    def openstack(self, *args, expect=0):
        """Run ``openstack image copy ARGS -f json``: (rows, stderr)."""
        argv = self.argv(*args)
        proc = subprocess.run(argv, env=self.env, capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        return self.check_output(argv, proc.returncode, proc.stdout,
                                 proc.stderr, expect), proc.stderr

    def check_output(self, argv, returncode, stdout, stderr, expect=0):
        """The rows of one run's JSON output, checked."""
        self.assertEqual(expect, returncode,
                         'exit status of %s\nstdout: %s\nstderr: %s'
                         % (' '.join(argv), stdout, stderr))
        rows = json.loads(stdout)
        self.assertIsInstance(rows, list)
        for row in rows:
            self.assertEqual(
                {'Image', 'Source ID', 'Region', 'Target ID', 'Status',
                 'Seconds', 'MiB/s', 'Verified', 'Message'}, set(row))
        # Not a terminal: plain timestamped progress lines on stderr.
        for line in stderr.splitlines():
            self.assertRegex(line, LINE)
        return rows

    def copy_id(self, source, generation=0, source_region=base.REGION_ONE):
        return logic.copy_id(source, source_region, base.REGION_TWO,
                             self.cloud.session('demo').get_project_id(),
                             generation)

    def popen(self, argv):
        """Start ``argv`` with its output piped; killed after the test."""
        # SIGINT's default action restored in the child: a suite started in
        # the background by a non-interactive shell (nohup ... &) inherits
        # SIGINT ignored, and Python then installs no KeyboardInterrupt.
        proc = subprocess.Popen(
            argv, env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.addCleanup(self._kill, proc)
        return proc

    def read_until(self, proc, pattern, stderr):
        """The first group of ``pattern`` in the first stderr line of
        ``proc`` that has it; the lines read are appended to ``stderr``.
        """
        deadline = time.monotonic() + COMMAND_TIMEOUT
        for line in proc.stderr:
            stderr.append(line)
            match = re.search(pattern, line)
            if match:
                return match.group(1)
            self.assertLess(time.monotonic(), deadline)
        self.fail('no line matching %r: %s' % (pattern, ''.join(stderr)))

    def trickle(self, source):
        """Make RegionFaulty (the fault proxy in front of RegionOne) send
        the data of ``source``'s next download at 2 MiB/s.
        """
        proxy = fb.FaultCloud(self.cloud.dir).proxy
        proxy.queue(source['id'], {'mode': 'trickle', 'rate': 2 * base.MiB})
        self.addCleanup(proxy.clear, source['id'])

    def wait_for_download(self, target_id, mib):
        """Wait until the import into ``target_id`` has downloaded more
        than ``mib`` MiB (its task's message says).
        """
        deadline = time.monotonic() + base.IMPORT_TIMEOUT
        while True:
            tasks = self.demo[base.REGION_TWO].images.\
                get_associated_image_tasks(target_id)['tasks']
            done = [int(m.group(1)) for m in (
                re.search(r'Downloaded (\d+) of', t['message'] or '')
                for t in tasks) if m]
            if done and max(done) > mib:
                return
            self.assertLess(time.monotonic(), deadline,
                            'the import into %s did not download %d MiB: %s'
                            % (target_id, mib, tasks))
            time.sleep(base.POLL)

    def assert_copy(self, source, row, source_region=base.REGION_ONE):
        """``row`` says copied and verified, and RegionTwo agrees."""
        self.assertEqual((source['id'], base.REGION_TWO, 'copied', True),
                         (row['Source ID'], row['Region'], row['Status'],
                          row['Verified']), row)
        self.assertIn('sha512 equal', row['Message'])
        self.assertGreater(row['Seconds'], 0)
        self.assertGreater(row['MiB/s'], 0)
        target = self.demo[base.REGION_TWO].images.get(row['Target ID'])
        self.assertEqual('active', target['status'])
        for key in ('size', 'os_hash_algo', 'os_hash_value', 'checksum',
                    'name', 'disk_format', 'container_format', 'min_disk',
                    'min_ram'):
            self.assertEqual(source[key], target[key], key)
        self.assertEqual(sorted(source['tags']), sorted(target['tags']))
        self.assertEqual('private', target['visibility'])
        self.assertEqual(
            (source_region, source['id'],
             'sha512:%s' % source['os_hash_value']),
            (target['glance_download_source_region'],
             target['glance_download_source_id'],
             target['glance_download_source_hash']))
        return target
