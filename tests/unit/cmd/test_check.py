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

"""glance-download-check: warnings about Glance's configuration."""

import io
import os
from unittest import mock

import fixtures

from glance_download.cmd import check
from glance_download import host
from glance_download import selection
from tests.unit import base
from tests.unit import fakes


class PrefixWarningTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.stderr = self.useFixture(fixtures.MonkeyPatch(
            'sys.stderr', io.StringIO())).new_value
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', io.StringIO()))
        self.useFixture(fixtures.MockPatchObject(
            selection, 'lookup', side_effect=fakes.OURS.get))
        self.dir = self.useFixture(fixtures.TempDir()).path

    def write(self, name, text):
        with open(os.path.join(self.dir, name), 'w') as f:
            f.write(text)
        if name == 'glance-api.conf':
            # Glance 28 also reads glance-api-paste.ini, which a 28
            # deployment has next to glance-api.conf.
            for path in self.glance_files():
                if not os.path.exists(path):
                    open(path, 'w').close()

    def glance_files(self):
        return host.config_files({'OS_GLANCE_CONFIG_DIR': self.dir})

    def warnings(self):
        return [line for line in self.stderr.getvalue().splitlines()
                if line.startswith('WARNING')]

    def test_glances_option_with_a_broad_prefix(self):
        # The one option name sets both: Glance's, and ours by its alias.
        self.write('glance-api.conf', '[glance_download_properties]\n'
                   'extra_properties = [hw_,os_,trait:]\n')
        self.assertEqual(0, check.main(['--config-dir', self.dir]))
        glances, ours = self.warnings()
        self.assertEqual(
            "WARNING: [glance_download_properties] extra_properties: the "
            "prefix 'os_' matches core or reserved image attributes "
            "(os_hash_algo, os_hash_value, os_hidden, os_glance*); Glance's "
            "own metadata step writes the source's values of these into the "
            "new image as properties, and the plugin then removes them "
            "again. Core and reserved attributes are never copied: list the "
            "properties you mean instead (such as os_distro, os_type).",
            glances)
        self.assertIn('extra_properties_prefixes: the prefix \'os_\'', ours)
        self.assertIn('the plugin never copies these', ours)

    def test_image_import_conf_and_our_option(self):
        self.write('glance-api.conf', '[DEFAULT]\n')
        self.write('glance-image-import.conf',
                   '[glance_download_properties]\n'
                   'extra_properties_prefixes = [s,os_glance_x,hw_]\n')
        self.assertEqual(0, check.main(['--config-dir', self.dir]))
        first, second = self.warnings()
        self.assertIn("extra_properties_prefixes: the prefix 's' matches "
                      'core or reserved image attributes (schema, self, '
                      'size, status, stores)', first)
        self.assertIn("'os_glance_x' matches core or reserved image "
                      'attributes (os_glance*)', second)

    def test_defaults_say_nothing(self):
        self.write('glance-api.conf', '[DEFAULT]\n')
        self.assertEqual(0, check.main(['--config-dir', self.dir]))
        self.assertEqual('', self.stderr.getvalue())

    def test_unreadable_configuration(self):
        self.assertEqual(0, check.main(['--config-dir', self.dir]))
        self.assertIn("Could not read Glance's configuration (%s)"
                      % ', '.join(self.glance_files()), self.stderr.getvalue())
        self.assertIn('%s/glance-api.conf' % self.dir, self.glance_files())

    def test_no_glance_configured_here(self):
        with mock.patch.dict(os.environ, {'OS_GLANCE_CONFIG_DIR': self.dir}):
            self.assertEqual(0, check.main([]))
        self.assertEqual('', self.stderr.getvalue())
        self.write('glance-api.conf', '[glance_download_properties]\n'
                   'extra_properties = [os_]\n')
        with mock.patch.dict(os.environ, {'OS_GLANCE_CONFIG_DIR': self.dir}):
            self.assertEqual(0, check.main([]))
        self.assertEqual(2, len(self.warnings()))
