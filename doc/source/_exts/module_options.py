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

"""``.. show-module-options:: package.module:list_opts``

oslo.config's ``show-options`` reads options through the
``oslo.config.opts`` entry points of installed distributions. The tempest
plugin is a distribution of its own that installs into tempest's
environment, not into the documentation's, and registers no such entry
point; this directive renders the ``(group, options)`` list that its
``list_opts`` returns, so its reference is generated from the code too.

It writes plain definition lists, not oslo.config's ``group`` and
``option`` objects: the tempest plugin's group is called
``glance_download`` like the Glance plugin's, and cross-references to the
Glance plugin's options must keep pointing at those.
"""

import importlib

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util import nodes as sphinx_nodes


def _value(value):
    if isinstance(value, (list, tuple)):
        value = ','.join(str(v) for v in value)
    return '``%s``' % value if value not in (None, '') else '(unset)'


def _option(opt):
    lines = ['``%s``' % opt.dest,
             '   :Type: %s' % getattr(opt.type, 'type_name', 'value'),
             '   :Default: %s' % _value(opt.default)]
    choices = getattr(opt.type, 'choices', None)
    if choices:
        lines.append('   :Choices: %s' % ', '.join(
            '``%s``' % choice for choice in choices))
    lines.append('')
    lines += ['   ' + line for line in (opt.help or '').splitlines()]
    return lines + ['']


class ShowModuleOptions(SphinxDirective):

    required_arguments = 1

    def run(self):
        module_name, _sep, function = self.arguments[0].partition(':')
        module = importlib.import_module(module_name)
        self.env.note_dependency(module.__file__)
        lines = []
        for group, opts in getattr(module, function or 'list_opts')():
            title = '[%s]' % group.name
            lines += [title, '-' * len(title), '']
            lines += (group.help or '').splitlines() + ['']
            for opt in opts:
                lines += _option(opt)
        node = nodes.section()
        node.document = self.state.document
        sphinx_nodes.nested_parse_with_titles(
            self.state, StringList(lines, module.__file__), node)
        return node.children


def setup(app):
    app.add_directive('show-module-options', ShowModuleOptions)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
