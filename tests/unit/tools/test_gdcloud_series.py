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

"""tools/constraints/<series>.txt are what tools/gdcloud/series.py derives
from upstream's upper-constraints (../shared/upper-constraints/), so a
change of the table or of upstream's files cannot be forgotten: run
`tools/cloud constraints` and commit the result."""

import os

import testtools

from gdcloud import series


class DerivedConstraintsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if not os.path.isdir(series.UPSTREAM_DIR):
            self.skipTest('no upstream constraints at %s (the shared '
                          'checkout beside the repo, as in CI)'
                          % series.UPSTREAM_DIR)

    def test_committed_files_are_derived(self):
        for s in series.SERIES:
            with open(series.derived_path(s)) as f:
                committed = f.read()
            self.assertEqual(
                series.derive(s, series.upstream_text(s)), committed,
                '%s is stale: run `tools/cloud constraints`'
                % series.derived_path(s))

    def test_every_edit_changes_something(self):
        # A dropped line upstream does not have, or an added pin upstream
        # already has, would be a table entry that does nothing.
        for s in series.SERIES:
            upstream = [series._name(line) for line in
                        series.upstream_text(s).splitlines()]
            derived = [series._name(line) for line in
                       series.derive(s, series.upstream_text(s)).splitlines()]
            for pkg, _ in s.drop:
                self.assertIn(series._name(pkg), upstream, s.name)
                self.assertNotIn(series._name(pkg), derived, s.name)
            for req, _ in s.add:
                self.assertNotIn(series._name(req), upstream, s.name)
                self.assertIn(series._name(req), derived, s.name)

    def test_each_series_pins_its_own_glance_store(self):
        # The files differ per series: glance_store is pinned in each, and
        # not the same in any two.
        pins = set()
        for s in series.SERIES:
            text = series.derive(s, series.upstream_text(s))
            pins.add(tuple(line for line in text.splitlines()
                           if series._name(line) == 'glance-store'))
        self.assertEqual(len(series.SERIES), len(pins))
