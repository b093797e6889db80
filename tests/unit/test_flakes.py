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

"""tools/flakes.py: which failures count as known host flakes, and what
the functional and tempest stages do with each failure.

The samples in tests/unit/data/flakes are from one real run of the
functional stage on the local cloud (with a temporary test module, not
part of the project): the subunit v2 stream of its first run (``stestr
history show 0 --subunit``), with three failures -

* test_fails_once_http_500: glanceclient's HTTP 500 while another
  connection held glance2.db's write lock for 7 s;
* test_fails_once_task_lost: base.wait_for_import's "never started"
  after Glance lost the import task between pending and processing
  (the lock taken the moment the task row was committed);
* test_fails_once_plain: a plain assertion;

and RegionTwo's glance log during that run; and the same of a run of
tools/tempest (BasicOperationsImagesTest) in which one test got an HTTP
500 ("Got server fault") while glance2.db's write lock was held. The
lost task's row is put into a Glance tasks table made from Glance's own
model.
"""

import datetime
import importlib.util
import io
import os
import time

import fixtures
from glance.db.sqlalchemy import models
import sqlalchemy
import testtools

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DATA = os.path.join(REPO, 'tests', 'unit', 'data', 'flakes')

_spec = importlib.util.spec_from_file_location(
    'flakes', os.path.join(REPO, 'tools', 'flakes.py'))
flakes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(flakes)

DEMO = 'tests.functional.test_zz_rerun_demo.RerunDemoTest.'
HTTP_500 = DEMO + 'test_fails_once_http_500'
TASK_LOST = DEMO + 'test_fails_once_task_lost'
PLAIN = DEMO + 'test_fails_once_plain'
LOST_TASK_ID = 'c7df1fa3-c85f-4f4f-9dcd-92e8d1e579dd'
LOST_IMAGE_ID = '9ed5355c-576f-47a0-9a3d-e7b035ae4f78'
LOST_CREATED = '2026-12-01 22:09:43.360524'
TEMPEST_500 = ('tempest.api.image.v2.test_images.BasicOperationsImagesTest.'
               'test_deactivate_reactivate_image')
TEMPEST_500_REQUEST = 'req-f79d0ab0-752a-40ab-bc87-b38a6dace1c7'


def sample_results(stage='functional'):
    with open(os.path.join(DATA, '%s-first-run.subunit' % stage), 'rb') as f:
        return {r['id']: r for r in flakes.read_subunit(f)}


def sample_log(stage='functional'):
    with open(os.path.join(DATA, '%s-glance2.log' % stage)) as f:
        return f.read()


class FlakeSignatureTest(testtools.TestCase):
    """known_flake() on the real failures, against a host made of the real
    log and a Glance database.
    """

    def setUp(self):
        super().setUp()
        # The log's times are local, the stream's UTC: both from one
        # machine whose zone was UTC.
        self.useFixture(fixtures.EnvironmentVariable('TZ', 'UTC'))
        time.tzset()
        self.addCleanup(time.tzset)
        self.results = sample_results()
        self.cloud = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(self.cloud, 'logs'))
        os.makedirs(os.path.join(self.cloud, 'glance2'))
        self.host = flakes.Host([self.cloud])
        # The stage started just before the sample's first test.
        self.host.since = min(r['start'] for r in self.results.values()) - 1

    def write_log(self, text=None):
        if text is None:
            text = sample_log()
        with open(os.path.join(self.cloud, 'logs', 'glance2.log'), 'w') as f:
            f.write(text)

    def write_task(self, status, created=LOST_CREATED):
        created = datetime.datetime.fromisoformat(created)
        engine = sqlalchemy.create_engine('sqlite:///%s' % os.path.join(
            self.cloud, 'glance2', 'glance.db'))
        models.Task.__table__.create(engine, checkfirst=True)
        with engine.begin() as conn:
            conn.execute(models.Task.__table__.insert().values(
                id=LOST_TASK_ID, image_id=LOST_IMAGE_ID,
                type='api_image_import', status=status,
                owner='9f421c4367474d609d717ace10ced34c',
                created_at=created, updated_at=created, deleted=False))
        engine.dispose()

    def test_sample_stream_read(self):
        self.assertEqual({HTTP_500, TASK_LOST, PLAIN}, set(self.results))
        for r in self.results.values():
            self.assertEqual('fail', r['status'])
            self.assertLess(r['start'], r['stop'])
        self.assertIn('HTTP 500', self.results[HTTP_500]['traceback'])

    def test_http_500_with_a_lock_error_in_the_log(self):
        self.write_log()
        flake, evidence = flakes.known_flake(self.results[HTTP_500],
                                             self.host)
        self.assertEqual('sqlite-locked', flake.name)
        self.assertIn('glance2.log: 2026-12-01 22:09:40.739 ', evidence)
        self.assertIn('database is locked', evidence)

    def test_http_500_without_a_lock_error_is_no_flake(self):
        self.write_log(''.join(
            line for line in sample_log().splitlines(True)
            if 'database is locked' not in line))
        self.assertIsNone(flakes.known_flake(self.results[HTTP_500],
                                             self.host))

    def test_lock_error_before_the_test_started_is_no_flake(self):
        self.write_log()
        later = dict(self.results[HTTP_500])
        later['start'] += 10
        later['stop'] += 10
        self.assertIsNone(flakes.known_flake(later, self.host))

    def test_lock_error_in_another_tests_window_is_no_flake(self):
        # The lost task's test ran right after the 500's: the lock error
        # was not during it (and its failure is no HTTP 500 anyway).
        self.write_log()
        lost = dict(self.results[TASK_LOST])
        lost['traceback'] += '\nHTTP 500'
        self.assertIsNone(flakes.locked_during(lost, self.host))

    def test_tempest_500_with_the_lock_error_of_its_request(self):
        self.write_log(sample_log('tempest'))
        result = sample_results('tempest')[TEMPEST_500]
        self.assertIn('Got server fault', result['traceback'])
        flake, evidence = flakes.known_flake(result, self.host)
        self.assertEqual('sqlite-locked', flake.name)
        self.assertIn(TEMPEST_500_REQUEST, evidence)

    def test_tempest_500_with_the_lock_error_of_another_request(self):
        # Tempest runs two tests at a time: a lock error of a request the
        # test did not make does not explain its 500.
        self.write_log(sample_log('tempest'))
        result = dict(sample_results('tempest')[TEMPEST_500])
        result['log'] = result['log'].replace(
            TEMPEST_500_REQUEST, 'req-00000000-0000-0000-0000-000000000000')
        self.assertIsNone(flakes.known_flake(result, self.host))

    def test_task_still_pending(self):
        self.write_task('pending')
        flake, evidence = flakes.known_flake(self.results[TASK_LOST],
                                             self.host)
        self.assertEqual('task-lost-pending', flake.name)
        self.assertEqual(
            'task %s of image %s, created %s UTC, is still pending in %s'
            % (LOST_TASK_ID, LOST_IMAGE_ID, LOST_CREATED,
               os.path.relpath(os.path.join(self.cloud, 'glance2',
                                            'glance.db'), flakes.REPO)),
            evidence)

    def test_task_that_started_is_no_flake(self):
        # A timeout with the task processing or over is the plugin's or
        # the test's: not re-run.
        db = os.path.join(self.cloud, 'glance2', 'glance.db')
        for status in ('processing', 'failure'):
            if os.path.exists(db):
                os.remove(db)
            self.write_task(status)
            self.assertIsNone(flakes.known_flake(self.results[TASK_LOST],
                                                 self.host), status)

    def test_pending_task_of_an_earlier_stage_is_no_flake(self):
        self.write_task('pending', created='2026-12-01 21:00:00.000000')
        self.assertIsNone(flakes.known_flake(self.results[TASK_LOST],
                                             self.host))

    def test_plain_failure_is_no_flake(self):
        self.write_log()
        self.write_task('pending')
        self.assertIsNone(flakes.known_flake(self.results[PLAIN], self.host))


class RunWithRerunsTest(testtools.TestCase):
    """run_with_reruns() with a stage whose runs are scripted."""

    def setUp(self):
        super().setUp()
        self.stdout = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', self.stdout))
        self.host = flakes.Host([])
        self.flake = flakes.Flake('fake', 'for the test', flakes.re.compile(
            'HOST FLAKE'), lambda result, host: 'evidence of ' + result['id'])
        self.calls = []

    def stage(self, *runs):
        """A run(): each call returns the next of ``runs``."""
        runs = list(runs)

        def run(again):
            self.calls.append(None if again is None else
                              sorted(r['id'] for r in again))
            return runs.pop(0)
        return run

    def result(self, tid, status='success', traceback=''):
        return {'id': tid, 'status': status, 'traceback': traceback,
                'reason': ''}

    def output(self):
        return self.stdout.getvalue()

    def test_failure_that_is_no_flake_is_not_run_again(self):
        run = self.stage((1, [self.result('a'), self.result(
            'b', 'fail', 'AssertionError: a race')]))
        outcome = flakes.run_with_reruns(run, self.host, flakes=[self.flake])
        self.assertEqual([None], self.calls)
        self.assertEqual(['success', 'fail'],
                         [r['status'] for r in outcome.results])
        self.assertEqual([], outcome.flaky)
        self.assertIn('flakes: b failed, not as a known host flake '
                      '(AssertionError: a race): the stage fails',
                      self.output())
        self.assertEqual('totals: 1 passed, 1 failed, 0 skipped; 0 of the '
                         'passed only on a known-flake re-run',
                         flakes.totals(outcome))

    def test_known_flake_run_again_and_passing_counts_as_passed(self):
        run = self.stage(
            (1, [self.result('a'), self.result('b', 'fail', 'HOST FLAKE'),
                 self.result('c', 'skip')]),
            (0, [self.result('b')]))
        outcome = flakes.run_with_reruns(run, self.host, flakes=[self.flake])
        self.assertEqual([None, ['b']], self.calls)
        self.assertEqual(0, outcome.rc)
        self.assertEqual([('b', 'fake')],
                         [(r['id'], name) for r, name in outcome.flaky])
        self.assertIn('flakes: re-running b: known host flake fake: '
                      'evidence of b', self.output())
        self.assertEqual('totals: 2 passed, 0 failed, 1 skipped; 1 of the '
                         'passed only on a known-flake re-run',
                         flakes.totals(outcome))

    def test_known_flake_failing_again_fails(self):
        run = self.stage((1, [self.result('b', 'fail', 'HOST FLAKE')]),
                         (1, [self.result('b', 'fail', 'HOST FLAKE')]))
        outcome = flakes.run_with_reruns(run, self.host, retries=1,
                                         flakes=[self.flake])
        self.assertEqual([None, ['b']], self.calls)
        self.assertEqual([], outcome.flaky)
        self.assertIn('flakes: b failed again (HOST FLAKE): the stage fails',
                      self.output())
        self.assertIn('1 failed', flakes.totals(outcome))

    def test_flakes_run_again_beside_a_real_failure(self):
        # The stage fails for the real one; the flake's re-run still
        # tells whether it was only a flake.
        run = self.stage(
            (1, [self.result('a', 'fail', 'boom'),
                 self.result('b', 'fail', 'HOST FLAKE')]),
            (0, [self.result('b')]))
        outcome = flakes.run_with_reruns(run, self.host, flakes=[self.flake])
        self.assertEqual([None, ['b']], self.calls)
        self.assertEqual('totals: 1 passed, 1 failed, 0 skipped; 1 of the '
                         'passed only on a known-flake re-run',
                         flakes.totals(outcome))

    def test_no_retries_no_rerun(self):
        run = self.stage((1, [self.result('b', 'fail', 'HOST FLAKE')]))
        outcome = flakes.run_with_reruns(run, self.host, retries=0,
                                         flakes=[self.flake])
        self.assertEqual([None], self.calls)
        self.assertIn('1 failed', flakes.totals(outcome))

    def test_class_fixture_run_again_is_replaced_by_its_tests(self):
        fixture = 'setUpClass (tempest.api.image.v2.test_x.XTest)'
        run = self.stage(
            (1, [self.result(fixture, 'fail', 'HOST FLAKE')]),
            (0, [self.result('tempest.api.image.v2.test_x.XTest.test_1')]))
        outcome = flakes.run_with_reruns(run, self.host, flakes=[self.flake])
        self.assertEqual(['tempest.api.image.v2.test_x.XTest.test_1'],
                         [r['id'] for r in outcome.results])
        self.assertEqual([fixture], [r['id'] for r, _ in outcome.flaky])

    def test_rerun_regex(self):
        regex = flakes.rerun_regex([
            self.result('setUpClass (tempest.api.image.v2.test_x.XTest)'),
            self.result('tests.functional.test_a.ATest.test_b')])
        pattern = flakes.re.compile(regex)
        self.assertTrue(pattern.search('tempest.api.image.v2.test_x.XTest.'
                                       'test_1[id-1]'))
        self.assertTrue(pattern.search('tests.functional.test_a.ATest.'
                                       'test_b'))
        self.assertFalse(pattern.search('tests.functional.test_a.ATest.'
                                        'test_bc'))


class SubunitTest(testtools.TestCase):

    def test_read_subunit_keeps_times(self):
        with open(os.path.join(DATA, 'functional-first-run.subunit'),
                  'rb') as f:
            results = flakes.read_subunit(io.BytesIO(f.read()))
        plain = [r for r in results if r['id'] == PLAIN][0]
        self.assertIn('first run: a plain failure', plain['traceback'])
        self.assertIsInstance(plain['start'], float)


# tempest's ImportImagesTest.test_image_glance_download_import_success in
# the CI run of 5661350 (2 December 2026): it PATCHed four properties onto
# the source image, created the target and imported it; Glance answered
# the plugin's read of the source without them, although glance2.db held
# them (the rows below, as that database had them).
STALE_SOURCE = 'e388ddf1-84ca-482f-a6cb-99b6344801a1'
STALE_TARGET = 'dc3f5e7f-cf34-4756-b66e-6eeda53e40b5'
STALE_TASK = ('63322996-f015-499f-bbc1-94055288a9bb',
              '2026-12-02 09:48:45.742229')
STALE_PROPERTIES = (
    ('ramdisk_id', '2026-12-02 09:48:45.200100'),
    ('hw_cpu_cores', '2026-12-02 09:48:45.525698'),
    ('os_distro', '2026-12-02 09:48:45.526856'),
    ('speed', '2026-12-02 09:48:45.527287'),
)
_PREFIX = ('2026-12-02 09:48:45.%s 20003 INFO glance_download.tasks.%s '
           '[None req-1af64220-ccaa-4676-bfd4-589f0ffde5e1 f174 ba8e - - '
           'default default] Image ' + STALE_TARGET + ': ')
STALE_LOG = (
    _PREFIX % ('902', 'download') + 'downloading image ' + STALE_SOURCE +
    ' in region RegionTwo into /x/staging/' + STALE_TARGET + '\n' +
    _PREFIX % ('954', 'metadata') + 'formats raw/bare, copied properties: '
    '%s; not copied: ramdisk_id\n')
STALE_RESULT = {
    'id': 'tempest.api.image.v2.test_images.ImportImagesTest.'
          'test_image_glance_download_import_success',
    'status': 'fail',
    'traceback': "testtools.matchers._impl.MismatchError: '5' != '1'",
    'log': 'POST http://127.0.0.1:9293/v2/images/%s/import' % STALE_TARGET,
}


class StaleSourceReadTest(testtools.TestCase):
    """The sqlite-stale-read flake on the real lines and rows."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable('TZ', 'UTC'))
        time.tzset()
        self.addCleanup(time.tzset)
        self.cloud = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(self.cloud, 'logs'))
        os.makedirs(os.path.join(self.cloud, 'glance2'))
        self.host = flakes.Host([self.cloud])
        self.host.since = time.mktime(time.strptime(
            '2026-12-02 09:48:44', '%Y-%m-%d %H:%M:%S'))

    def write(self, copied='none', task_created=STALE_TASK[1]):
        with open(os.path.join(self.cloud, 'logs', 'glance2.log'), 'w') as f:
            f.write(STALE_LOG % copied)
        engine = sqlalchemy.create_engine('sqlite:///%s' % os.path.join(
            self.cloud, 'glance2', 'glance.db'))
        models.Task.__table__.create(engine)
        models.ImageProperty.__table__.create(engine)
        stamp = datetime.datetime.fromisoformat
        with engine.begin() as conn:
            conn.execute(models.Task.__table__.insert().values(
                id=STALE_TASK[0], image_id=STALE_TARGET,
                type='api_image_import', status='success', owner='ba8e',
                created_at=stamp(task_created),
                updated_at=stamp(task_created), deleted=False))
            for name, created in STALE_PROPERTIES:
                conn.execute(models.ImageProperty.__table__.insert().values(
                    image_id=STALE_SOURCE, name=name, value='v',
                    created_at=stamp(created), updated_at=stamp(created),
                    deleted=False))
        engine.dispose()

    def test_properties_the_database_had_and_glance_did_not_answer(self):
        self.write()
        flake, evidence = flakes.known_flake(STALE_RESULT, self.host)
        self.assertEqual('sqlite-stale-read', flake.name)
        self.assertIn('the source %s had ' % STALE_SOURCE, evidence)
        self.assertIn('before the import task of %s, %s UTC'
                      % (STALE_TARGET, STALE_TASK[1]), evidence)

    def test_plugin_that_saw_them_is_no_flake(self):
        self.write(copied='hw_cpu_cores, os_distro, speed')
        self.assertIsNone(flakes.known_flake(STALE_RESULT, self.host))

    def test_properties_added_after_the_import_began_are_no_flake(self):
        self.write(task_created='2026-12-02 09:48:45.400000')
        self.assertIsNone(flakes.known_flake(STALE_RESULT, self.host))

    def test_target_the_test_does_not_name_is_no_flake(self):
        self.write()
        result = dict(STALE_RESULT, log='')
        self.assertIsNone(flakes.known_flake(result, self.host))
