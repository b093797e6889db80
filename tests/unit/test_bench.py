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
import sys
import tempfile

import testtools

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'tools'))
from gdbench import cloud_control  # noqa: E402
from gdbench import driver  # noqa: E402
from gdbench import profiles  # noqa: E402
from gdbench import pyspy  # noqa: E402
from gdbench import report  # noqa: E402

GiB = 1024 ** 3
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


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
