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

"""``.. glance-series-table::``: the Glance releases the plugin supports.

Rendered from the local cloud's own table (``tools/gdcloud/series.py``),
the one every test stage installs Glance from: a series added there shows
up here, with the Glance version it runs, the ways glance-api runs it and
the changes its environment needs.
"""

import os
import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
sys.path.insert(0, os.path.join(REPO, 'tools'))

from gdcloud import series as series_mod  # noqa: E402


def _needs(series):
    """What Glance's environment of that series needs changed from
    upstream's constraints, and why: one bullet list item each.
    """
    changes = [reason for _pkg, reason in series.drop]
    changes += ['``%s``: %s' % (req, reason) for req, reason in series.add]
    return ['* %s' % change for change in changes] or ['nothing changed']


class GlanceSeriesTable(SphinxDirective):

    def run(self):
        self.env.note_dependency(series_mod.__file__)
        lines = ['.. list-table::', '   :header-rows: 1',
                 '   :widths: 10 10 20 60', '',
                 '   * - series', '     - Glance', '     - glance-api runs',
                 '     - upstream\'s constraints of the series changed']
        for series in series_mod.SERIES:
            modes = 'under uWSGI, or the standalone ``glance-api`` ' \
                'command (eventlet)' if series.eventlet else 'under uWSGI'
            needs = _needs(series)
            lines += ['   * - %s' % series.name,
                      '     - %s' % series.glance,
                      '     - %s' % modes,
                      '     - %s' % needs[0]]
            lines += ['       %s' % need for need in needs[1:]]
        node = nodes.container()
        self.state.nested_parse(StringList(lines, series_mod.__file__), 0,
                                node)
        return node.children


def setup(app):
    app.add_directive('glance-series-table', GlanceSeriesTable)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
