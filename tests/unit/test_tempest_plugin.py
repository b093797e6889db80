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

"""The tempest plugin's idempotent ids: one per test, each a UUID of its
own, as tempest's ``check-uuid`` demands (new ones come from ``uuidgen``
or ``check-uuid --fix``, never typed by hand)."""

import ast
import glob
import os
import uuid

import testtools

import tests

PLUGIN_TESTS = os.path.join(
    tests.REPO, 'tempest-plugin', 'glance_download_tempest_plugin', 'tests')


def _ids(function):
    return [decorator.args[0].value for decorator in function.decorator_list
            if isinstance(decorator, ast.Call) and
            getattr(decorator.func, 'attr', None) == 'idempotent_id']


class IdempotentIdTest(testtools.TestCase):

    def test_every_test_has_one_id_of_its_own(self):
        seen = {}
        for path in sorted(glob.glob(os.path.join(PLUGIN_TESTS, '**',
                                                  'test_*.py'),
                                     recursive=True)):
            with open(path) as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                if not (isinstance(node, ast.FunctionDef) and
                        node.name.startswith('test_')):
                    continue
                where = '%s:%s' % (os.path.basename(path), node.name)
                ids = _ids(node)
                self.assertEqual(1, len(ids), where)
                self.assertEqual(4, uuid.UUID(ids[0]).version, where)
                self.assertNotIn(ids[0], seen, where)
                seen[ids[0]] = where
        self.assertGreater(len(seen), 5)
