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

"""``openstack image copy`` against the local two-region cloud.

Runs the real command, ``openstack`` from the Python environment running
the tests (the tox ``functional`` env installs python-openstackclient and
this package with its ``client`` extra; ``GD_OPENSTACK`` names another
executable), as the ``demo`` user with RegionOne as its current region, and
checks the JSON it prints and the images it leaves in RegionTwo.
"""

import json
import signal
import subprocess
import time

from glanceclient import exc as glance_exc

from glance_download.copying import logic
from glance_download.copying import state
from tests.functional import base
from tests.functional import copy_command
from tests.functional import fault_base as fb
from tests import terminal

# --dead-after of the runs that meet a killed glance-api's import: well
# above the local cloud's progress_interval (1 s), below the time a
# restart of RegionTwo takes (tools/cloud up: 6 s and more).
DEAD_AFTER = 10


class OscCopyTest(copy_command.TestCase):

    def test_copy_one_image_by_name(self):
        source = self.make_source(tags=['gd-osc', self.unique], min_disk=1,
                                  min_ram=32, visibility='shared')
        rows, stderr = self.openstack(source['name'], '--to-region',
                                      base.REGION_TWO)
        self.assertEqual(1, len(rows))
        target = self.assert_copy(source, rows[0])
        self.assertEqual([target['id']],
                         [i['id'] for i in self.copies(source['id'])])
        self.assertIn('%s -> RegionTwo: created image %s'
                      % (source['name'], target['id']), stderr)
        self.assertIn('%s -> RegionTwo: copied: sha512 equal'
                      % source['name'], stderr)
        self.assert_no_staged_data(target['id'])

    def test_rerun_copies_nothing(self):
        source = self.make_source()
        [first], _ = self.openstack(source['id'], '--to-region',
                                    base.REGION_TWO)
        self.assert_copy(source, first)
        [again], stderr = self.openstack(source['id'], '--to-region',
                                         base.REGION_TWO)
        self.assertEqual(('exists', first['Target ID'], True),
                         (again['Status'], again['Target ID'],
                          again['Verified']))
        self.assertEqual('already there (sha512 equal)', again['Message'])
        self.assertNotIn('created image', stderr)
        self.assertEqual(1, len(self.copies(source['id'])))

    def test_no_wait_then_rerun_follows_the_same_copy(self):
        source = self.make_source(size=32 * base.MiB)
        [started], _ = self.openstack(source['id'], '--to-region',
                                      base.REGION_TWO, '--no-wait')
        self.assertEqual('started', started['Status'], started)
        self.assertIsNone(started['Verified'])
        [done], _ = self.openstack(source['id'], '--to-region',
                                   base.REGION_TWO)
        self.assertIn(done['Status'], ('copied', 'exists'), done)
        self.assertTrue(done['Verified'])
        self.assertEqual(started['Target ID'], done['Target ID'])
        self.assertEqual([started['Target ID']],
                         [i['id'] for i in self.copies(source['id'])])

    def test_concurrent_runs_make_one_copy(self):
        # Three runs of one copy at once (a pipeline started twice, a user
        # pressing Enter in two terminals): Glance's database gives the
        # copy's id to one of them; the others join that copy.
        source = self.make_source(size=16 * base.MiB)
        argv = self.argv(source['id'], '--to-region', base.REGION_TWO)
        procs = [subprocess.Popen(argv, env=self.env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
        rows = []
        for proc in procs:
            stdout, stderr = proc.communicate(
                timeout=copy_command.COMMAND_TIMEOUT)
            [row] = self.check_output(argv, proc.returncode, stdout, stderr)
            rows.append(row)
        [copy] = self.copies(source['id'])
        self.assertEqual(self.copy_id(source), copy['id'])
        self.assertEqual([(copy['id'], True)] * 3,
                         [(r['Target ID'], r['Verified']) for r in rows])
        self.assertIn('copied', [r['Status'] for r in rows])
        self.assertEqual('active', copy['status'])
        self.assertEqual(source['os_hash_value'], copy['os_hash_value'])

    def test_copy_after_a_deleted_copy_takes_the_next_id(self):
        # Glance never gives a deleted image's id out again: the copy that
        # follows a deleted (or replaced) one is the next generation's.
        source = self.make_source()
        glance = self.demo[base.REGION_TWO]
        glance.images.create(id=self.copy_id(source), name='deleted-copy',
                             disk_format='raw', container_format='bare')
        glance.images.delete(self.copy_id(source))
        [row], _ = self.openstack(source['id'], '--to-region',
                                  base.REGION_TWO)
        self.assert_copy(source, row)
        self.assertEqual(self.copy_id(source, 1), row['Target ID'])

    def test_queued_left_over_is_reused(self):
        source = self.make_source()
        left = self.create_image(
            base.REGION_TWO, name='left-over', disk_format='raw',
            container_format='bare', glance_download_source_region='RegionOne',
            glance_download_source_id=source['id'])
        [row], _ = self.openstack(source['id'], '--to-region',
                                  base.REGION_TWO)
        self.assertEqual(('copied', left['id'], True),
                         (row['Status'], row['Target ID'], row['Verified']))
        self.assertIn('retried the left-over queued copy', row['Message'])
        self.assertEqual([left['id']],
                         [i['id'] for i in self.copies(source['id'])])

    def test_deactivated_copy_is_left_alone(self):
        # An administrator's block is not undone by the next run: the copy
        # is neither deleted nor copied again, and the run exits 1.
        source = self.make_source()
        [first], _ = self.openstack(source['id'], '--to-region',
                                    base.REGION_TWO)
        target = self.assert_copy(source, first)
        admin = self.cloud.glance('admin', base.REGION_TWO)
        admin.images.deactivate(target['id'])
        [row], _ = self.openstack(source['id'], '--to-region',
                                  base.REGION_TWO, '--dry-run', expect=1)
        self.assertEqual(('left-alone', target['id']),
                         (row['Status'], row['Target ID']), row)
        [row], stderr = self.openstack(source['id'], '--to-region',
                                       base.REGION_TWO, expect=1)
        self.assertEqual(('left-alone', target['id'], None),
                         (row['Status'], row['Target ID'], row['Verified']))
        self.assertIn('left alone: deactivated by an administrator (copy %s)'
                      % target['id'], row['Message'])
        self.assertNotIn('created image', stderr)
        self.assertEqual([(target['id'], 'deactivated')],
                         [(i['id'], i['status'])
                          for i in self.copies(source['id'])])

    def test_bulk_copy_dry_run_then_copy(self):
        tag = 'gd-osc-bulk-%s' % self.unique
        sources = [self.make_source(name='gd-osc-bulk-%d-%s' % (
            i, self.unique), tags=[tag]) for i in range(3)]
        lts = self.make_source(name='gd-osc-bulk-lts-%s' % self.unique,
                               tags=[tag, 'lts'], os_distro='gd-osc-test')
        sources.append(lts)

        rows, _ = self.openstack('--tag', tag, '--to-region',
                                 base.REGION_TWO, '--dry-run')
        self.assertEqual(sorted(s['id'] for s in sources),
                         sorted(r['Source ID'] for r in rows))
        self.assertEqual({'would-copy'}, {r['Status'] for r in rows})
        for source in sources:
            self.assertEqual([], self.copies(source['id']))

        rows, _ = self.openstack('--tag', tag, '--tag', 'lts', '--property',
                                 'os_distro=gd-osc-test', '--to-region',
                                 base.REGION_TWO, '--dry-run')
        self.assertEqual([lts['id']], [r['Source ID'] for r in rows])

        # One copy at a time: the local cloud's Glances keep their state
        # in SQLite, and concurrent imports into one region make Glance
        # fail now and then with "database is locked" (see base.TestCase);
        # the concurrency itself is covered by the unit tests and by the
        # two target regions of test_failures_reported_while_others_succeed.
        rows, _ = self.openstack('--tag', tag, sources[0]['id'],
                                 '--to-region', base.REGION_TWO,
                                 '--parallel', '1')
        self.assertEqual(sorted(s['id'] for s in sources),
                         sorted(r['Source ID'] for r in rows))
        by_id = {r['Source ID']: r for r in rows}
        for source in sources:
            self.assert_copy(source, by_id[source['id']])
            self.assertEqual(1, len(self.copies(source['id'])))

    def test_failures_reported_while_others_succeed(self):
        source = self.make_source()
        missing = base.random_id()
        rows, _ = self.openstack(
            source['id'], missing, 'gd-osc-no-such-image-%s' % self.unique,
            '--to-region', base.REGION_TWO, '--to-region', 'Nowhere',
            expect=1)
        by_key = {(r['Image'], r['Region']): r for r in rows}
        self.assertEqual(6, len(by_key), rows)
        self.assert_copy(source, by_key[(source['name'], base.REGION_TWO)])
        nowhere = by_key[(source['name'], 'Nowhere')]
        self.assertEqual(('failed', None), (nowhere['Status'],
                                            nowhere['Target ID']))
        self.assertIn('region Nowhere has no image endpoint',
                      nowhere['Message'])
        for name in (missing, 'gd-osc-no-such-image-%s' % self.unique):
            for region in (base.REGION_TWO, 'Nowhere'):
                row = by_key[(name, region)]
                self.assertEqual('failed', row['Status'])
                self.assertIn("source: no image with name or ID '%s' in "
                              "RegionOne" % name, row['Message'])
        self.assertEqual(1, len(self.copies(source['id'])))

    def interrupt(self, proc, stderr):
        """Ctrl-C the command ``proc`` (its stderr read so far in
        ``stderr``): its one row, once it exited 130.
        """
        proc.send_signal(signal.SIGINT)
        stdout, rest = proc.communicate(timeout=copy_command.COMMAND_TIMEOUT)
        stderr.append(rest)
        self.assertEqual(130, proc.returncode, ''.join(stderr))
        [row] = json.loads(stdout)
        return row

    def test_ctrl_c_deletes_the_copies_it_started(self):
        source = self.make_source(size=128 * base.MiB)
        proc = self.popen([copy_command.OPENSTACK, 'image', 'copy',
                           source['id'],
                           '--to-region', base.REGION_TWO, '-f', 'json'])
        stderr = []
        created = self.read_until(proc, r'created image (\S+)', stderr)
        row = self.interrupt(proc, stderr)
        self.assertEqual(('cancelled', created),
                         (row['Status'], row['Target ID']))
        self.assertIn('deleted the target image this run created',
                      row['Message'])
        self.assertIn('Cleaned up: deleted image %s in RegionTwo' % created,
                      ''.join(stderr))
        self.assertRaises(glance_exc.HTTPNotFound,
                          self.demo[base.REGION_TWO].images.get, created)
        self.assertEqual([], self.copies(source['id']))
        # Our server plugin stops the download of a deleted image and
        # removes its staged data.
        deadline = time.monotonic() + 30
        while (self.region_two.staged_files(created) and
               time.monotonic() < deadline):
            time.sleep(base.POLL)
        self.assert_no_staged_data(created)

    def test_ctrl_c_keeps_a_copy_another_run_joined(self):
        # Run A creates the copy and imports; run B (the same command,
        # started later) joins it and follows that import. A's Ctrl-C must
        # not delete the copy under B, which sees the import to its end.
        source = self.make_source(size=24 * base.MiB)
        self.trickle(source)
        argv = self.argv(source['id'], '--from-region', fb.REGION_FAULTY,
                         '--to-region', base.REGION_TWO)
        creator = self.popen(argv)
        stderr = []
        created = self.read_until(creator, r'created image (\S+)', stderr)
        self.wait_for_download(created, 1)
        joiner = self.popen(argv)
        glance = self.demo[base.REGION_TWO]
        deadline = time.monotonic() + 30
        while not glance.images.get(created).get(logic.JOINED):
            self.assertLess(time.monotonic(), deadline,
                            'the joining run did not mark %s' % created)
            time.sleep(base.POLL)
        row = self.interrupt(creator, stderr)
        self.assertEqual(('cancelled', created),
                         (row['Status'], row['Target ID']))
        self.assertIn('kept the target image this run created: another run '
                      'joined this copy', row['Message'])
        self.assertIn('Kept image %s in RegionTwo: another run joined this '
                      'copy' % created, ''.join(stderr))
        stdout, stderr = joiner.communicate(
            timeout=copy_command.COMMAND_TIMEOUT)
        [row] = self.check_output(argv, joiner.returncode, stdout, stderr)
        target = self.assert_copy(source, row, fb.REGION_FAULTY)
        self.assertEqual(created, target['id'])
        self.assertIn('followed an import started earlier', row['Message'])
        self.assertNotIn(logic.JOINED, target)

    def test_import_dead_with_its_glance_api_reported_then_replaced(self):
        # RegionTwo's glance-api is killed during an import (a crash; a
        # restart in a rolling upgrade): the task stays processing and the
        # copy importing for good, and Glance imports into it no more. The
        # run following the import, and every run after it, say so and end;
        # --replace deletes the copy and copies again.
        source = self.make_source(size=24 * base.MiB)
        self.trickle(source)
        args = (source['id'], '--from-region', fb.REGION_FAULTY,
                '--to-region', base.REGION_TWO, '--dead-after',
                str(DEAD_AFTER))
        argv = self.argv(*args)
        follower = self.popen(argv)
        stderr = []
        dead = self.read_until(follower, r'created image (\S+)', stderr)
        self.wait_for_download(dead, 2)
        self.region_two.kill()
        base.cloud_up()
        stdout, rest = follower.communicate(
            timeout=copy_command.COMMAND_TIMEOUT)
        [row] = self.check_output(argv, follower.returncode, stdout,
                                  ''.join(stderr) + rest, expect=1)
        self.assertEqual(('failed', dead), (row['Status'], row['Target ID']))
        self.assertRegex(row['Message'], (
            r'^the import into %s is dead: its task \S+ \(processing\) has '
            r'not changed since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(a '
            r'glance-api restarted during the import\?\); run again with '
            r'--replace' % dead))
        glance = self.demo[base.REGION_TWO]
        self.assertEqual('importing', glance.images.get(dead)['status'])

        # Not followed again: the next run says the same at once.
        [again], _ = self.openstack(*args, expect=1)
        self.assertEqual(('failed', dead, None, row['Message']),
                         (again['Status'], again['Target ID'],
                          again['Seconds'], again['Message']))
        # The dashboard's state says the same.
        found = state.observe(glance, source, fb.REGION_FAULTY,
                              self.cloud.session('demo').get_project_id(),
                              base.REGION_TWO, dead_after=DEAD_AFTER)
        self.assertEqual((state.FAILED, dead, row['Message']),
                         (found.state, found.target_id, found.message))

        [replaced], _ = self.openstack(*args, '--replace')
        target = self.assert_copy(source, replaced, fb.REGION_FAULTY)
        self.assertEqual(self.copy_id(source, 1, fb.REGION_FAULTY),
                         target['id'])
        self.assertIn('replaced the importing copy %s (its import was dead: '
                      'task ' % dead, replaced['Message'])
        self.assertRaises(glance_exc.HTTPNotFound, glance.images.get, dead)
        self.assertEqual([target['id']],
                         [i['id'] for i in self.copies(source['id'])])
        self.assert_no_staged_data(dead)

    def test_copy_on_a_terminal_of_a_name_with_brackets(self):
        # On a terminal the progress is rich's live display: the name must
        # show as it is, not be read as markup ("[/uefi]" closes a tag that
        # was never opened: MarkupError before any copy started).
        source = self.make_source(name='win2019 [/uefi] %s' % self.unique)
        argv = self.argv(source['name'], '--to-region', base.REGION_TWO)
        env = {k: v for k, v in self.env.items() if k not in (
            'COLUMNS', 'LINES', 'FORCE_COLOR', 'TTY_COMPATIBLE',
            'TTY_INTERACTIVE')}
        env['TERM'] = 'xterm'
        screen = terminal.Terminal(columns=200)
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=screen.slave,
                                text=True)
        self.addCleanup(self._kill, proc)
        screen.close_slave()
        stdout, _ = proc.communicate(timeout=copy_command.COMMAND_TIMEOUT)
        shown = screen.text()
        self.assertEqual(0, proc.returncode, shown)
        [row] = json.loads(stdout)
        self.assert_copy(source, row)
        self.assertIn('%s -> RegionTwo' % source['name'], shown)
        self.assertIn('copied: sha512 equal', shown)

    @staticmethod
    def _kill(proc):
        if proc.poll() is None:
            proc.kill()
            proc.wait()
