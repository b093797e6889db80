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

"""tools/gdbench's pure parts: the order of a run's measurements, the
ratios it reports, the py-spy summary and the config a profile writes.
(The measurements themselves need the local cloud: tools/bench.)"""

import json
import os
import tempfile

import fixtures
import testtools

from gdbench import api
from gdbench import cli
from gdbench import cloud_control
from gdbench import driver
from gdbench import methods
from gdbench import profiles
from gdbench import pyspy
from gdbench import report
from gdcloud import stores
import tests

MiB = 1024 ** 2
GiB = 1024 ** 3
REPO = tests.REPO


class StationsTest(testtools.TestCase):

    def test_default_runs_everything_profiles_only_their_methods(self):
        plan = driver.stations(['ours', 'in-tree', 'client', 'limit'],
                               ['ours', 'in-tree'],
                               profiles.parse('store-1m'), ['ours'])
        self.assertEqual(
            [('default', 'ours', ['ours']),
             ('default', 'in-tree', ['in-tree', 'client', 'limit']),
             ('store-1m', 'ours', ['ours'])],
            [(p.name, mode, todo) for p, mode, todo in plan])

    def test_a_profile_of_direct_only_still_needs_a_plugin(self):
        plan = driver.stations(['ours'], ['ours'],
                               profiles.parse('store-8m'), ['direct'])
        self.assertEqual(('store-8m', 'ours', ['direct']),
                         (plan[1][0].name, plan[1][1], plan[1][2]))

    def test_a_half_zero_image_needs_no_plugin_of_its_own(self):
        plan = driver.stations(['ours', 'limit', 'direct-sparse'], ['ours'],
                               profiles.parse('rbd-thin'),
                               ['direct', 'direct-sparse'])
        self.assertEqual(
            [('default', 'ours', ['ours', 'limit', 'direct-sparse']),
             ('rbd-thin', 'ours', ['direct', 'direct-sparse'])],
            [(p.name, mode, todo) for p, mode, todo in plan])

    def test_default_always_first_and_unknown_names_refused(self):
        self.assertEqual(['default', 'store-1m'],
                         [p.name for p in profiles.parse(
                             'store-1m,default')])
        self.assertRaises(SystemExit, profiles.parse, 'fast-please')


class SummaryTest(testtools.TestCase):

    def rec(self, method, profile, seconds, store=None):
        r = {'method': method, 'profile': profile, 'size': GiB,
             'seconds': seconds, 'rss_growth_mib': 1.0, 'cpu_r2_s': 1.0,
             'hash_ok': True}
        if store is not None:
            r['store_s'] = store
        return r

    def test_ratios_against_default_and_in_tree(self):
        results = {'runs': [
            self.rec('ours', 'default', 10.0, 8.0),
            self.rec('ours', 'default', 12.0, 9.0),
            self.rec('ours', 'default', 30.0, 9.5),
            self.rec('in-tree', 'default', 13.0, 8.5),
            self.rec('ours', 'store-1m', 5.5, 3.5)], 'scaling': []}
        rows, _ = report.summarize(results)
        tuned = report.find(rows, GiB, 'ours', 'store-1m')
        default = report.find(rows, GiB, 'ours')
        self.assertEqual(12.0, default['median'])
        self.assertEqual(9.0, default['store_s'])
        self.assertAlmostEqual(5.5 / 12.0, tuned['vs_default'])
        self.assertAlmostEqual(3.5 / 9.0, tuned['store_vs_default'])
        self.assertAlmostEqual(5.5 / 13.0, tuned['vs_intree'])


class RbdReportTest(testtools.TestCase):
    """An RBD run's tables: the OSD's CPU shown, columns it has no figure
    for (no in-tree import) left out, its stores named.
    """

    def results(self):
        def rec(method, profile, seconds, osd):
            return {'method': method, 'profile': profile, 'size': GiB,
                    'seconds': seconds, 'store_s': seconds,
                    'rss_growth_mib': 30.0, 'cpu_r2_s': 4.0,
                    'cpu_osd_s': osd, 'hash_ok': True}
        return {
            'runs': [rec('direct', 'default', 8.0, 1.5),
                     rec('direct-sparse', 'default', 8.0, 1.2),
                     rec('direct', 'rbd-32m', 6.0, 1.4),
                     rec('direct-sparse', 'rbd-32m', 6.4, 1.1)],
            'scaling': [], 'store': 'rbd',
            'region_two_stores': {'fast': 'rbd', 'cheap': 'file'},
            'profiles': [profiles.as_dict(p)
                         for p in profiles.parse('rbd-32m')]}

    def test_profile_table_columns(self):
        results = self.results()
        rows, _ = report.summarize(results)
        text = '\n'.join(report.profile_table(results, rows, [GiB]))
        header = [ln for ln in text.splitlines()
                  if ln.startswith('size ')][0]
        self.assertIn('CPU OSD s', header)
        self.assertNotIn('vs in-tree', header)
        self.assertIn('*CPU OSD*', text)
        self.assertIn('glance-direct of staged data, second half zeros',
                      text)
        row = [ln for ln in text.splitlines()
               if 'rbd-32m' in ln and 'second half zeros' in ln][0]
        # vs default and store vs default: 6.4 s over 8.0 s
        self.assertEqual(2, row.split().count('0.80'))

    def test_file_run_shows_no_osd_column(self):
        with open(os.path.join(REPO, 'doc', 'benchmarks.json')) as f:
            results = json.load(f)
        rows, _ = report.summarize(results)
        text = '\n'.join(report.profile_table(
            results, rows, sorted({r['size'] for r in rows})))
        self.assertNotIn('CPU OSD', text)
        self.assertIn('vs in-tree', text)

    def test_stores_in_words(self):
        self.assertIn('RBD', report.stores(self.results()))
        self.assertIn('fast (rbd)', report.stores(self.results()))
        self.assertEqual('file stores', report.stores({}))


class PageTest(testtools.TestCase):
    """The documentation renders the committed run with report.page."""

    def test_no_date_and_no_commit_on_the_page(self):
        with open(os.path.join(REPO, 'doc', 'benchmarks.json')) as f:
            results = json.load(f)
        text = '\n'.join(report.page(results, 'plot.png'))
        for recorded in (results['started'], results['finished'],
                         results['machine']['commit']):
            self.assertNotIn(recorded, text)
        self.assertNotIn(results['started'].split()[0], text)
        self.assertIn('.. image:: plot.png', text)

    def test_only_the_parts_asked_for(self):
        with open(os.path.join(REPO, 'doc', 'benchmarks.json')) as f:
            results = json.load(f)
        text = '\n'.join(report.page(results, parts=['memory']))
        self.assertTrue(text.startswith('Worker memory per import'), text)
        self.assertNotIn('Tuning profiles', text)
        self.assertNotIn('.. image::', text)


class PySpyTest(testtools.TestCase):

    def test_only_the_copy_thread_counts(self):
        add = ('Store.add (glance_store/_drivers/filesystem.py:%d)')
        read = 'cooperative_read.<locals>.readfn (glance/common/utils.py:155)'
        lines = [
            'thread (1): T;%s;%s 60' % (add % 855, read),
            'thread (1): T;%s 30' % (add % 866),
            'thread (1): T;%s 10' % (add % 874),
            'thread (2): uWSGIWorker1Core0;accept 500',
        ]
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, 'raw.txt')
            with open(raw, 'w') as f:
                f.write('\n'.join(lines) + '\n')
            summary = pyspy.summarize([raw])
            pyspy.keep([raw], os.path.join(tmp, 'kept.txt'))
            with open(os.path.join(tmp, 'kept.txt')) as f:
                kept = f.read().splitlines()
        self.assertEqual(100, summary['samples'])
        self.assertEqual((0.6, read), summary['leaf'][0][:2])
        self.assertEqual([0.6, 0.3, 0.1],
                         [share for share, _, _ in summary['leaf']])
        self.assertIn((0.6, 'cooperative_read.<locals>.readfn'),
                      summary['layers'])
        self.assertEqual(3, len(kept))
        self.assertTrue(all(k.startswith('...;Store.add') for k in kept))

    def test_the_rbd_copy_thread_counts_too(self):
        add = 'Store.add (glance_store/_drivers/rbd.py:%d)'
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, 'raw.txt')
            with open(raw, 'w') as f:
                f.write('thread (1): T;%s 75\nthread (1): T;%s 25\n'
                        % (add % 599, add % 611))
            summary = pyspy.summarize([raw])
        self.assertEqual(100, summary['samples'])
        self.assertEqual([(0.75, add % 599), (0.25, add % 611)],
                         [leaf[:2] for leaf in summary['leaf']])


class ProfileFitTest(testtools.TestCase):
    """A profile of a store's options runs only on a cloud whose store has
    that driver: else Glance would ignore the options without a word.
    """

    RBD = cloud_control.parse_conf(
        '[DEFAULT]\nenabled_backends = fast:rbd,cheap:file\n')
    FILE = cloud_control.parse_conf(
        '[DEFAULT]\nenabled_backends = fast:file\n')

    def test_store_names_are_the_cloud_s(self):
        self.assertEqual((stores.DEFAULT, stores.SECOND),
                         (profiles.TARGET, profiles.SECOND))

    def test_backends(self):
        self.assertEqual({'fast': 'rbd', 'cheap': 'file'},
                         profiles.backends(self.RBD))
        self.assertEqual({}, profiles.backends({}))

    def test_rbd_profiles_need_an_rbd_target(self):
        why = profiles.unfit(profiles.get('rbd-16m'), self.FILE)
        self.assertIn('profile rbd-16m', why)
        self.assertIn('GD_STORE=rbd', why)
        self.assertIn('fast:file', why)
        self.assertIsNone(profiles.unfit(profiles.get('rbd-16m'), self.RBD))

    def test_file_store_profiles_need_a_file_target(self):
        why = profiles.unfit(profiles.get('store-1m'), self.RBD)
        self.assertIn('"fast" to be file', why)
        self.assertIsNone(profiles.unfit(profiles.get('store-1m'),
                                         self.FILE))

    def test_file_target_needs_the_second_store(self):
        why = profiles.unfit(profiles.get('file-target'), self.FILE)
        self.assertIn('GD_GLANCE2_STORES=2', why)
        self.assertIsNone(profiles.unfit(profiles.get('file-target'),
                                         self.RBD))

    def test_profiles_of_no_store_fit_everywhere(self):
        for name in ('default', 'sha256', 'uwsgi-1x4'):
            self.assertIsNone(profiles.unfit(profiles.get(name), self.FILE))
            self.assertIsNone(profiles.unfit(profiles.get(name), {}))


class ConfigFilesTest(testtools.TestCase):

    CONF = ('[DEFAULT]\ndebug = False\n\n[fast]\n'
            'filesystem_store_datadir = /x/images/\n\n'
            '[glance_download]\nread_timeout = 3\n')
    INI = ('[uwsgi]\nprocesses = 2\nthreads = 1\n'
           'env = OS_GLANCE_CONFIG_DIR=/x\n')

    def files(self, tmp, keep=False):
        conf, ini = os.path.join(tmp, 'g.conf'), os.path.join(tmp, 'g.ini')
        for path, text in ((conf, self.CONF), (ini, self.INI)):
            with open(path, 'w') as f:
                f.write(text)
        return cloud_control.ConfigFiles(keep, conf, ini), conf, ini

    def read(self, path):
        with open(path) as f:
            return f.read()

    def test_profile_on_top_of_the_plugin_defaults_then_restored(self):
        with tempfile.TemporaryDirectory() as tmp:
            files, conf, ini = self.files(tmp)
            self.assertTrue(files.apply(profiles.get('store-1m')))
            written = cloud_control.parse_conf(self.read(conf))
            self.assertEqual('1048576',
                             written['fast']['filesystem_store_chunk_size'])
            self.assertEqual('/x/images/',
                             written['fast']['filesystem_store_datadir'])
            self.assertNotIn('glance_download', written)
            self.assertIn('read_timeout = 3', files.describe())
            self.assertTrue(files.restore())
            self.assertEqual(self.CONF, self.read(conf))
            self.assertFalse(files.restore())

    def test_rbd_and_glance_options_beside_the_cloud_s(self):
        with tempfile.TemporaryDirectory() as tmp:
            files, conf, ini = self.files(tmp)
            files.apply(profiles.get('rbd-32m'))
            written = cloud_control.parse_conf(self.read(conf))
            self.assertEqual('32', written['fast']['rbd_store_chunk_size'])
            self.assertEqual('/x/images/',
                             written['fast']['filesystem_store_datadir'])
            files.apply(profiles.get('sha256'))
            written = cloud_control.parse_conf(self.read(conf))
            self.assertEqual({'debug': 'False',
                              'hashing_algorithm': 'sha256'},
                             written['DEFAULT'])
            self.assertNotIn('rbd_store_chunk_size', written['fast'])

    def test_uwsgi_options_replace_but_env_adds(self):
        with tempfile.TemporaryDirectory() as tmp:
            files, conf, ini = self.files(tmp, keep=True)
            files.apply(profiles.get('uwsgi-1x4'))
            text = self.read(ini)
            self.assertIn('processes = 1\nthreads = 4\n', text)
            files.apply(profiles.get('arena-2'))
            text = self.read(ini)
            self.assertIn('processes = 2\n', text)
            self.assertIn('env = OS_GLANCE_CONFIG_DIR=/x\n', text)
            self.assertIn('env = MALLOC_ARENA_MAX=2\n', text)
            self.assertIn('read_timeout = 3', self.read(conf))


class WarmUpLogTest(testtools.TestCase):

    def test_import_posts_by_worker(self):
        log = ('[pid: 10708] 127.0.0.1 [Wed Dec  2 06:42:52 2026] POST '
               '/v2/images/39839285-5571-45c8-8f4f-803374daec36/import => '
               'generated 0 bytes in 806 msecs (HTTP/1.1 202) request id -\n'
               '[pid: 10709] 127.0.0.1 [Wed Dec  2 06:42:53 2026] GET '
               '/v2/images/39839285-5571-45c8-8f4f-803374daec36 => '
               'generated 9 bytes in 8 msecs (HTTP/1.1 200) request id -\n')
        self.assertEqual(['10708'], driver.IMPORT_POST.findall(log))


class SourceDataTest(testtools.TestCase):

    def test_sparse_source_has_a_zero_second_half(self):
        size = 64 * MiB
        data = b''.join(api.generated_data(size, size // 2))
        self.assertEqual(size, len(data))
        self.assertEqual(bytes(size // 2), data[size // 2:])
        # every store chunk size from 4 to 32 MiB: the first half's chunks
        # hold data, the second half's are all zero (what RBD's thin
        # provisioning skips)
        for chunk in (4 * MiB, 8 * MiB, 16 * MiB, 32 * MiB):
            zero = [data[i:i + chunk] == bytes(chunk)
                    for i in range(0, size, chunk)]
            half = len(zero) // 2
            self.assertEqual([False] * half + [True] * half, zero)

    def test_plain_source_has_no_zero_mib(self):
        data = b''.join(api.generated_data(4 * MiB))
        self.assertEqual(4 * MiB, len(data))
        self.assertTrue(all(any(data[i:i + MiB][:64])
                            for i in range(0, 4 * MiB, MiB)))

    def test_same_data_by_the_hash_both_have(self):
        src = {'size': 5, 'os_hash_algo': 'sha512', 'os_hash_value': 'a',
               'checksum': 'm'}
        self.assertTrue(api.same_data(dict(src), src))
        self.assertFalse(api.same_data(dict(src, os_hash_value='b'), src))
        self.assertFalse(api.same_data(dict(src, size=6), src))
        # RegionTwo hashing with sha256 (profile sha256): md5 decides
        other = dict(src, os_hash_algo='sha256', os_hash_value='c')
        self.assertTrue(api.same_data(other, src))
        self.assertFalse(api.same_data(dict(other, checksum='n'), src))


class PhasesTest(testtools.TestCase):
    """Where the staging-to-store copy starts when the bench cannot see
    the store's file (RBD, or RegionTwo's second store).
    """

    TARGET = '11111111-2222-3333-4444-555555555555'
    SRC = '66666666-7777-8888-9999-000000000000'
    TASK = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'

    def meter(self, store_start):
        lines = [
            '2026-01-02 10:00:01.000 7 DEBUG glance_download.tasks.download '
            '[-] Image %s: downloading from RegionOne' % self.TARGET,
            '2026-01-02 10:00:03.000 7 INFO glance_download.tasks.download '
            '[-] Image %s: staged' % self.TARGET,
            '2026-01-02 10:00:03.250 7 INFO glance.common.scripts.image_'
            'import.main [-] Task %s: Got image data uri file:///s/staging/'
            '%s to be imported' % (self.TASK, self.TARGET),
            '2026-01-02 10:00:07.000 7 INFO glance.async_.flows.api_image_'
            'import [-] %s of api_image_import completed' % self.TASK]
        sampler = type('Sampler', (), {'staged_full': {},
                                       'store_start': store_start})
        return type('Meter', (), {'sampler': sampler,
                                  'log_lines': lambda self: lines})()

    def phases(self, store_start):
        t0 = methods.log_time('2026-01-02 10:00:00.500 7 x')
        return methods.phases(self.meter(store_start), self.TARGET,
                              self.SRC, t0, t0 + 10, 'ours'), t0

    def test_from_glance_s_log_line_without_a_store_file(self):
        out, _ = self.phases({})
        self.assertAlmostEqual(2.5, out['download_s'], places=3)
        self.assertAlmostEqual(3.75, out['store_s'], places=3)
        self.assertAlmostEqual(6.5, out['seconds'], places=3)

    def test_the_store_file_seen_comes_first(self):
        t0 = methods.log_time('2026-01-02 10:00:00.500 7 x')
        out, _ = self.phases({self.TARGET: t0 + 3.0})
        self.assertAlmostEqual(3.5, out['store_s'], places=3)


class CommandLineTest(testtools.TestCase):

    def test_the_store_switches_are_part_of_the_command(self):
        env = {'GD_STORE': 'rbd', 'GD_GLANCE2_STORES': '2',
               'GD_CEPH_MON_PORT': '3905'}
        for name in cli.CLOUD_ENV:
            self.useFixture(fixtures.EnvironmentVariable(name,
                                                         env.get(name)))
        line = cli.command_line(['--sizes', '1G'])
        self.assertTrue(line.startswith('GD_STORE=rbd GD_GLANCE2_STORES=2 '
                                        'GD_CEPH_MON_PORT=3905 '), line)
        self.assertTrue(line.endswith(' tools/bench --sizes 1G'), line)


class ReplicationReportTest(testtools.TestCase):
    """tools/bench-replication report: the committed results as the
    documentation shows them.
    """

    def test_committed_results(self):
        from gdbench import replication_report
        from glance_download.replication import plan
        self.assertEqual(plan.IN_STEP, replication_report.IN_STEP)
        with open(os.path.join(REPO, 'doc',
                               'benchmarks-replication.json')) as f:
            results = json.load(f)
        text = replication_report.report(results)
        self.assertIn('Measured on %s' % results['machine']['cpu'], text)
        for run in results['passes']:
            self.assertRegex(text, r'\n%d +2 +%d ' % (
                run['images'], 2 * run['images']))
        results['events'] = {
            'latency': [{'event_delay': 2.0, 'images': 3,
                         'median_seconds': 2.5, 'p95_seconds': 3.25}],
            'burst': {'images': 50, 'per_region': 2, 'most_importing': 2,
                      'seconds_to_all_active': 61.4}}
        text = replication_report.report(results)
        self.assertIn('- event_delay 2.0 s: median 2.50 s, 95th percentile '
                      '3.25 s', text)
        self.assertIn('50 images published at once, per_region = 2: at '
                      'most 2 imports under way in RegionTwo at a time; '
                      'every copy active after 61 s.', text)
