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

"""openstack image copy: the OSC plugin module, the command's options and
output, the progress reporters, and the client-only imports.
"""

import argparse
import configparser
import datetime
import io
import os
import subprocess
import sys
import time
from unittest import mock

from docutils import core as docutils_core
import fixtures
from osc_lib import exceptions as osc_exceptions
import testtools

from glance_download.copying import logic
from glance_download.osc import copy as copy_cmd
from glance_download.osc import plugin
from glance_download.osc import progress
import tests
from tests import terminal
from tests.unit.copying import fakes

REPO = tests.REPO


class PluginTest(testtools.TestCase):

    def test_module_declares_what_osc_reads(self):
        self.assertEqual('image_copy', plugin.API_NAME)
        self.assertEqual('os_image_copy_api_version',
                         plugin.API_VERSION_OPTION)
        self.assertEqual(('1',), plugin.API_VERSIONS)
        self.assertEqual('1', plugin.DEFAULT_API_VERSION)

    def test_global_option(self):
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        self.assertEqual('1', parser.parse_args([]).os_image_copy_api_version)

    def test_make_client_uses_the_osc_session(self):
        instance = mock.Mock(interface='internal')
        regions = plugin.make_client(instance)
        self.assertIs(instance.session, regions.session)
        self.assertEqual('internal', regions.interface)
        with mock.patch('glanceclient.client.Client') as client:
            self.assertIs(regions.glance('R2'), regions.glance('R2'))
        client.assert_called_once_with('2', session=instance.session,
                                       region_name='R2',
                                       interface='internal')

    def test_entry_points(self):
        cfg = configparser.ConfigParser()
        cfg.read(os.path.join(REPO, 'setup.cfg'))
        entry_points = cfg['entry_points']
        self.assertEqual('image_copy = glance_download.osc.plugin',
                         entry_points['openstack.cli.extension'].strip())
        self.assertEqual(
            ['image_copy = glance_download.osc.copy:CopyImage',
             'image_replicate = glance_download.osc.replicate:Replicate',
             'image_replication_status = '
             'glance_download.osc.replicate:ReplicationStatus'],
            entry_points['openstack.image_copy.v1'].strip().splitlines())
        client = cfg['extras']['client'].split()
        for requirement in ('osc-lib', 'python-glanceclient', 'rich',
                            'PyYAML'):
            self.assertTrue(any(r.startswith(requirement + '>=')
                                for r in client), requirement)

    def assert_imports_nothing_of(self, modules, bad):
        """Importing ``modules`` in a fresh interpreter loads no module
        for which the Python expression ``bad`` (over ``m``) holds.
        """
        code = ('import sys\n'
                'import %s\n'
                'print(sorted(m for m in sys.modules if %s))\n'
                % (', '.join(modules), bad))
        out = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                             capture_output=True, text=True, check=True)
        self.assertEqual('[]', out.stdout.strip(), out.stderr)

    def test_client_side_imports_nothing_server_side(self):
        self.assert_imports_nothing_of(
            ['glance_download.osc.copy', 'glance_download.osc.plugin',
             'glance_download.osc.replicate'],
            'm == "glance" or '
            'm.startswith(("glance.", "taskflow", "glance_store")) or '
            '(m.startswith("glance_download.") and '
            'not m.startswith(("glance_download.osc", '
            '"glance_download.copying", "glance_download.replication", '
            '"glance_download.records")))')

    def test_shared_copy_logic_imports_no_front_end_framework(self):
        # glance_download.copying is what the command and the dashboard
        # share: neither's framework, nor Glance, may come with it.
        self.assert_imports_nothing_of(
            ['glance_download.copying.%s' % m
             for m in ('copier', 'logic', 'regions', 'state')],
            'm.split(".")[0] in ("osc_lib", "cliff", "rich", "django", '
            '"openstack_dashboard", "horizon", "glance", "taskflow", '
            '"glance_store") or (m.startswith("glance_download.") and '
            'not m.startswith(("glance_download.copying", '
            '"glance_download.records")))')


class FakeApp:
    def __init__(self, regions, region_name='RegionOne'):
        session = mock.Mock()
        session.get_project_id.return_value = fakes.PROJECT
        self.client_manager = mock.Mock(region_name=region_name,
                                        session=session,
                                        image_copy=regions)
        self.options = mock.Mock()
        self.stdout = io.StringIO()


class CommandTest(fakes.Base):

    def setUp(self):
        super().setUp()
        self.app = FakeApp(self.regions)
        self.cmd = copy_cmd.CopyImage(self.app, None)
        self.parser = self.cmd.get_parser('openstack image copy')
        self.useFixture(fixtures.MockPatchObject(
            progress, 'make_reporter',
            lambda: progress.LineReporter(self.err)))
        # The command's copier reads this machine's clock.
        for fake in (self.r1, self.r2, self.r3):
            fake.now = logic.utcnow

    def take(self, *argv):
        args = self.parser.parse_args(list(argv))
        columns, rows = self.cmd.take_action(args)
        self.assertEqual(logic.COLUMNS, columns)
        return [dict(zip(columns, row)) for row in rows]

    def test_defaults(self):
        args = self.parser.parse_args(['x', '--to-region', 'R2'])
        self.assertEqual(
            (['x'], ['R2'], None, False, [], [], 'private', 'public', 4,
             True, False, None, 3600),
            (args.images, args.to_regions, args.from_region, args.public,
             args.tags, args.properties, args.visibility,
             args.remote_service_interface, args.parallel, args.wait,
             args.dry_run, args.timeout, args.dead_after))

    def test_stores(self):
        args = self.parser.parse_args(['x', '--to-region', 'R2'])
        self.assertEqual(([], False, True), (args.stores, args.all_stores,
                                             args.allow_failure))
        args = self.parser.parse_args(['x', '--to-region', 'R2', '--store',
                                       'a', '--store', 'b',
                                       '--disallow-failure'])
        self.assertEqual((['a', 'b'], False, False),
                         (args.stores, args.all_stores, args.allow_failure))

    def test_bad_options(self):
        for argv in (['x'], ['x', '--to-region', 'R', '--parallel', '0'],
                     ['x', '--to-region', 'R', '--timeout', '-1'],
                     ['x', '--to-region', 'R', '--dead-after', '0'],
                     ['x', '--to-region', 'R', '--visibility', 'all']):
            with mock.patch('sys.stderr', io.StringIO()):
                self.assertRaises(SystemExit, self.parser.parse_args, argv)

    def test_every_option_has_an_example(self):
        for action in self.parser._actions:
            if action.dest in ('help', 'formatter', 'columns', 'quote_mode',
                               'noindent', 'max_width', 'fit_width',
                               'print_empty', 'sort_columns',
                               'sort_direction'):
                continue
            self.assertIn('Example: ', action.help, action.dest)
        help_text = self.parser.format_help()
        self.assertIn('glance_download_source_hash', help_text)
        self.assertIn('openstack image copy --tag golden --to-region '
                      'RegionTwo -f json', help_text)

    def test_help_is_restructuredtext(self):
        # The documentation renders the description and the epilog with
        # cliff's autoprogram-cliff, warnings as errors (tox -e docs).
        for text in (copy_cmd.DESCRIPTION, copy_cmd.EPILOG):
            warnings = io.StringIO()
            docutils_core.publish_doctree(text, settings_overrides={
                'warning_stream': warnings, 'report_level': 2})
            self.assertEqual('', warnings.getvalue(), text)

    def test_help_reads_plainly_in_a_terminal(self):
        # reStructuredText's literal-block marker shows as a colon.
        help_text = self.parser.format_help()
        self.assertIn('three properties:\n', help_text)
        self.assertIn('Examples:\n', help_text)
        self.assertNotIn('::', help_text)

    def test_copy_and_rows(self):
        rows = self.take('cirros', '--to-region', 'RegionTwo',
                         '--to-region', 'Nowhere', '--to-region',
                         'RegionTwo')
        self.assertEqual([('RegionTwo', 'copied', True),
                          ('Nowhere', 'failed', None)],
                         [(r['Region'], r['Status'], r['Verified'])
                          for r in rows])
        self.assertEqual(1, self.cmd.exit_code)

    def test_to_region_spellings_of_one_region_are_one_job(self):
        # Copy ids lower-case the region: two spellings would be two jobs
        # racing on one copy.
        rows = self.take('cirros', '--to-region', 'RegionTwo',
                         '--to-region', 'regiontwo', '--to-region',
                         'REGIONTWO')
        self.assertEqual([('RegionTwo', 'copied')],
                         [(r['Region'], r['Status']) for r in rows])
        self.assertEqual(1, len(self.r2.imports))

    def test_dead_after(self):
        # An import whose task was last written 40 s ago: under way by
        # default, dead with --dead-after 30.
        written = (logic.utcnow() - datetime.timedelta(seconds=40)).strftime(
            '%Y-%m-%dT%H:%M:%S.%f')
        copy, task = self.importing_copy(written=written)
        [row] = self.take('cirros', '--to-region', 'RegionTwo', '--dry-run')
        self.assertEqual('would-follow', row['Status'])
        [row] = self.take('cirros', '--to-region', 'RegionTwo',
                          '--dead-after', '30')
        self.assertEqual(('failed', copy['id']),
                         (row['Status'], row['Target ID']))
        self.assertIn('the import into %s is dead: its task %s (processing)'
                      % (copy['id'], task['id']), row['Message'])
        self.assertEqual(1, self.cmd.exit_code)
        [row] = self.take('cirros', '--to-region', 'RegionTwo',
                          '--dead-after', '30', '--replace')
        self.assertEqual(('copied', True), (row['Status'], row['Verified']))
        self.assertEqual([copy['id']], self.r2.deleted)

    def test_bad_source_reported_per_region_others_copied(self):
        rows = self.take('nope', 'cirros', '--to-region', 'RegionTwo')
        self.assertEqual(
            [('nope', None, 'failed',
              "source: no image with name or ID 'nope' in RegionOne"),
             ('cirros', self.source['id'], 'copied', 'sha512 equal')],
            [(r['Image'], r['Source ID'], r['Status'], r['Message'])
             for r in rows])
        self.assertEqual(1, self.cmd.exit_code)

    def test_bulk_from_region(self):
        self.make_source('ubuntu', tags=['golden', 'lts'],
                         os_distro='ubuntu')
        app = FakeApp(self.regions, region_name='RegionTwo')
        cmd = copy_cmd.CopyImage(app, None)
        args = self.parser.parse_args(
            ['--from-region', 'RegionOne', '--tag', 'golden', '--property',
             'os_distro=ubuntu', '--to-region', 'RegionTwo'])
        _columns, rows = cmd.take_action(args)
        self.assertEqual([('ubuntu', 'copied')], [(r[0], r[4])
                                                  for r in rows])
        self.assertEqual(0, cmd.exit_code)

    def test_nothing_selected(self):
        error = self.assertRaises(osc_exceptions.CommandError, self.take,
                                  '--to-region', 'RegionTwo')
        self.assertIn('Nothing to copy', str(error))

    def test_stores_reach_the_import_call(self):
        [row] = self.take('cirros', '--to-region', 'RegionTwo', '--store',
                          'ceph', '--store', 'fast', '--disallow-failure')
        self.assertEqual('copied', row['Status'], row['Message'])
        self.assertIn('stores: ceph ok, fast ok', row['Message'])
        self.assertEqual((['ceph', 'fast'], False), self.r2.wanted[
            row['Target ID']])
        error = self.assertRaises(osc_exceptions.CommandError, self.take,
                                  'cirros', '--to-region', 'RegionTwo',
                                  '--store', 'ceph', '--all-stores')
        self.assertEqual('Give --store or --all-stores, not both.',
                         str(error))

    def test_bad_property(self):
        error = self.assertRaises(osc_exceptions.CommandError, self.take,
                                  '--property', 'x', '--to-region', 'R')
        self.assertIn('KEY=VALUE', str(error))

    def test_no_source_region(self):
        self.app.client_manager.region_name = None
        error = self.assertRaises(osc_exceptions.CommandError, self.take,
                                  'cirros', '--to-region', 'RegionTwo')
        self.assertIn('--from-region', str(error))

    def test_run_returns_the_exit_code(self):
        args = self.parser.parse_args(['cirros', '--to-region', 'Nowhere',
                                       '-f', 'json'])
        self.assertEqual(1, self.cmd.run(args))
        self.assertIn('"Status": "failed"', self.app.stdout.getvalue())


class ReporterTest(testtools.TestCase):

    def test_lines(self):
        out = io.StringIO()
        reporter = progress.LineReporter(
            out, clock=lambda: time.struct_time((2026, 1, 2, 3, 4, 5, 0, 2,
                                                 0)))
        with reporter:
            reporter.add('k', 'cirros -> R2', 3)
            reporter.update('k', 'Downloaded 1 of 3 MiB from R1', 1, 3)
            reporter.update('k', 'Downloaded 1 of 3 MiB from R1', 1, 3)
            reporter.finish('k', 'copied', 'sha512 equal')
            reporter.note('Interrupted')
        self.assertEqual(
            '03:04:05 cirros -> R2: Downloaded 1 of 3 MiB from R1\n'
            '03:04:05 cirros -> R2: copied: sha512 equal\n'
            '03:04:05 Interrupted\n', out.getvalue())

    def test_terminal_or_not(self):
        self.assertIsInstance(progress.make_reporter(io.StringIO()),
                              progress.LineReporter)
        self.assertIsInstance(
            progress.make_reporter(io.StringIO(), terminal=True),
            progress.LiveReporter)

    def test_live(self):
        out = io.StringIO()
        reporter = progress.LiveReporter(out)
        with reporter:
            reporter.add('k', 'cirros -> R2', 3)
            reporter.update('k', 'Downloaded 1 of 3 MiB', 1, 3)
            reporter.finish('k', 'copied', 'sha512 equal')
            reporter.note('done')
        self.assertIn('cirros -> R2', out.getvalue())
        self.assertIn('copied: sha512 equal', out.getvalue())
        self.assertEqual(3, reporter.progress.tasks[0].completed)


class LiveOnATerminalTest(testtools.TestCase):
    """The live display as a user's terminal gets it: on a real
    pseudo-terminal, where rich draws (a StringIO or a pipe gets lines).
    """

    def setUp(self):
        super().setUp()
        # rich's own switches, as a plain terminal session has them; it
        # reads the width from the process's stdin, stdout or stderr (not
        # the terminal here), or else from COLUMNS.
        for name, value in (('TERM', 'xterm'), ('COLUMNS', '200'),
                            ('LINES', None), ('FORCE_COLOR', None),
                            ('TTY_COMPATIBLE', None),
                            ('TTY_INTERACTIVE', None)):
            self.useFixture(fixtures.EnvironmentVariable(name, value))

    def test_names_and_messages_are_plain_text(self):
        # Brackets are rich markup: "[/uefi]" closes a tag never opened
        # (MarkupError), "[import_filtering_opts]" opens a style (gone).
        screen = terminal.Terminal()
        with os.fdopen(screen.slave, 'w') as stream:
            reporter = progress.make_reporter(stream)
            self.assertIsInstance(reporter, progress.LiveReporter)
            with reporter:
                reporter.add('k', 'win2019 [/uefi] -> RegionTwo', 3)
                reporter.update('k', 'Downloaded 1 of 3 MiB [bold]', 1, 3)
                reporter.finish('k', 'failed', 'refused by the '
                                '[import_filtering_opts] of RegionTwo')
                reporter.note('[red]kept[/red] as written')
        text = screen.text()
        self.assertIn('win2019 [/uefi] -> RegionTwo', text)
        self.assertIn('failed: refused by the [import_filtering_opts] of '
                      'RegionTwo', text)
        self.assertIn('[red]kept[/red] as written', text)
