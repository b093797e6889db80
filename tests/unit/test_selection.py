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

"""selection and glance-download-check: which plugin Glance runs."""

import io
import os
import subprocess
import sys
from unittest import mock

import fixtures

from glance_download.cmd import check
from glance_download import selection
import tests
from tests.unit import base
from tests.unit import fakes

entry_point = fakes.entry_point
OURS = fakes.OURS


GLANCE = {
    method: entry_point('glance.async_.flows._internal_plugins.%s:get_flow'
                        % method, method)
    for method in selection.METHODS
}


class SelectionTest(base.TestCase):

    def test_lookup_repeats_glances_call(self):
        # Whatever is installed here, lookup() must ask stevedore exactly
        # as Glance 33's get_import_plugin does, and take the first
        # extension left.
        extension = mock.Mock(entry_point=GLANCE['glance_download'])
        with mock.patch('stevedore.named.NamedExtensionManager') as manager:
            manager.return_value.extensions = [extension]
            self.assertIs(GLANCE['glance_download'],
                          selection.lookup('glance_download'))
            manager.return_value.extensions = []
            self.assertIsNone(selection.lookup('glance_download'))
        manager.assert_called_with(
            'glance.image_import.internal_plugins', names=['glance_download'],
            name_order=True, invoke_on_load=False)

    def test_selected_elsewhere_names_the_winner(self):
        with mock.patch.object(selection, 'lookup',
                               side_effect=GLANCE.get):
            for method in selection.METHODS:
                self.assertEqual(GLANCE[method],
                                 selection.selected_elsewhere(method))

    def test_unknown_method(self):
        self.assertIsNone(selection.lookup('no_such_method'))
        self.assertFalse(selection.is_ours(None))

    def test_ours(self):
        self.assertTrue(selection.is_ours(OURS['glance_download']))
        self.assertFalse(selection.is_ours(entry_point(
            'glance_download_other.x:get_flow')))

    def test_selected_elsewhere_is_cached(self):
        with mock.patch.object(selection, 'lookup',
                               return_value=OURS['web_download']) as lookup:
            self.assertIsNone(selection.selected_elsewhere('web_download'))
            self.assertIsNone(selection.selected_elsewhere('web_download'))
        lookup.assert_called_once_with('web_download')


class CheckCommandTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.stdout = self.useFixture(fixtures.MonkeyPatch(
            'sys.stdout', io.StringIO())).new_value
        self.stderr = self.useFixture(fixtures.MonkeyPatch(
            'sys.stderr', io.StringIO())).new_value

    def test_not_ours(self):
        with mock.patch.object(selection, 'lookup', side_effect=GLANCE.get):
            self.assertEqual(1, check.main([]))
        lines = self.stdout.getvalue().splitlines()
        self.assertEqual(2, len(lines))
        for line, method in zip(lines, selection.METHODS):
            self.assertTrue(line.startswith(method), line)
            self.assertIn('NOT OURS -> glance.async_.flows._internal_plugins'
                          '.%s:get_flow (' % method, line)
            self.assertIn('site-packages/glance/async_/flows/'
                          '_internal_plugins/%s.py)' % method, line)
        self.assertIn('Install it as the installation guide describes '
                      '(doc/source/install/glance.rst',
                      self.stderr.getvalue())

    def test_ours(self):
        with mock.patch.object(selection, 'lookup',
                               side_effect=OURS.get) as lookup:
            self.assertEqual(0, check.main([]))
        self.assertEqual([mock.call('glance_download'),
                          mock.call('web_download')], lookup.call_args_list)
        out = self.stdout.getvalue()
        self.assertEqual(2, out.count('OK   -> glance_download.plugins.'))
        self.assertIn('glance_download/plugins/glance_download.py)', out)
        self.assertEqual('', self.stderr.getvalue())

    def test_one_method(self):
        with mock.patch.object(selection, 'lookup',
                               side_effect=OURS.get):
            self.assertEqual(0, check.main(['--method', 'web_download']))
        self.assertEqual(1, len(self.stdout.getvalue().splitlines()))
        self.assertTrue(self.stdout.getvalue().startswith('web_download'))

    def test_nothing_registered_and_broken_install(self):
        broken = entry_point('glance_download.no_such_module:get_flow')
        with mock.patch.object(selection, 'lookup',
                               side_effect=[None, broken]):
            self.assertEqual(1, check.main([]))
        out = self.stdout.getvalue()
        self.assertIn('NOT OURS -> nothing (no plugin registered under that '
                      'name)', out)
        self.assertIn('OK   -> glance_download.no_such_module:get_flow '
                      '(cannot be imported: No module named', out)


class CheckScriptTest(base.TestCase):

    def test_exit_status_of_the_module(self):
        # As operators run it: python -m glance_download.cmd.check. Which
        # plugin wins depends on how this environment was installed; the
        # exit status must say the same as the lines printed.
        result = subprocess.run(
            [sys.executable, '-m', 'glance_download.cmd.check',
             '--method', 'web_download'],
            capture_output=True, text=True, timeout=60,
            cwd=tests.REPO,
            env=dict(os.environ, PYTHONWARNINGS='ignore'))
        self.assertIn(result.returncode, (0, 1), result.stderr)
        ours = 'web_download     OK   -> glance_download.' in result.stdout
        not_ours = 'web_download     NOT OURS -> ' in result.stdout
        self.assertNotEqual(ours, not_ours, result.stdout)
        self.assertEqual(0 if ours else 1, result.returncode)
