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

"""Benchmark figures in the documentation, rendered from committed results.

``tools/bench`` writes what it measured as JSON (``doc/benchmarks.json``;
``--py-spy`` writes ``doc/profile/py-spy.json``). The pages show those
files through the bench's own report code (``tools/gdbench/report.py`` and
``plot.py``), so every table, plot and figure in the text is the committed
run's: a new run changes the pages with nothing typed by hand, and a
figure the results no longer hold fails the build.

Two result sets: ``file``, the run on the cloud's file stores, and
``rbd``, the run with Ceph RBD stores (``GD_STORE=rbd``), each a results
file and a py-spy file (:data:`SETS`, paths in conf.py). Every directive
takes ``:results: rbd`` (default ``file``); every role has an ``-rbd``
twin (``:bench-rbd:``, ``:bench-rbd-machine:``, ...).

``.. benchmark-report::``
    The report of ``doc/benchmarks.json``: its parts (option ``:parts:``,
    names from ``gdbench.report.PARTS``; default all), the plot drawn at
    build time.

``.. benchmark-spy::``
    The py-spy tables of ``doc/profile/py-spy.json``.

``:bench:`FIELD METHOD SIZE [PROFILE]```
    One figure of the summary, e.g. ``:bench:`median ours 1G store-1m```
    ("7.33 s"); fields and their units in :data:`FIELDS`.

``:bench-machine:`NAME```
    A figure of the machine the run measured (:data:`MACHINE`).

``:bench-spy:`PROFILE [METHOD] FILE:LINE```
    The share of the copy thread's py-spy samples on that line (in the
    first recording of PROFILE, or of PROFILE and METHOD).

``:bench-spy-s:`PROFILE [METHOD] FILE:LINE```
    The same as seconds of the copy thread.

Paths in ``benchmark_results``, ``benchmark_spy``,
``benchmark_rbd_results`` and ``benchmark_rbd_spy`` (conf.py) are relative
to the repository root.
"""

import functools
import json
import os
import sys

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util import nodes as sphinx_nodes

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
sys.path.insert(0, os.path.join(REPO, 'tools'))

from gdbench import plot  # noqa: E402
from gdbench import report  # noqa: E402
from gdbench import units  # noqa: E402

# Where the plot is drawn, inside the source tree (Sphinx copies images
# from there); excluded from the sources and from git.
GENERATED = '_generated'

# Result set -> (config value of its results, of its py-spy summary)
SETS = {
    'file': ('benchmark_results', 'benchmark_spy'),
    'rbd': ('benchmark_rbd_results', 'benchmark_rbd_spy'),
}
DEFAULT_SET = 'file'

FIELDS = {
    'median': '%.2f s', 'min': '%.2f s', 'max': '%.2f s',
    'download_s': '%.2f s',
    'store_s': '%.2f s', 'mib_s': '%.0f MiB/s', 'cpu_r2_s': '%.1f CPU-s',
    'cpu_osd_s': '%.1f CPU-s',
    'rss_mib': '%.1f MiB', 'rss_median_mib': '%.1f MiB',
    'vs_intree': '%.2f', 'vs_default': '%.2f', 'store_vs_default': '%.2f',
}

MACHINE = {
    'cpu': lambda m: m['cpu'],
    'sleep0_us': lambda m: '%.0f us' % m['sleep0_us'],
    'timer_slack_us': lambda m: '%.0f us' % (m['timer_slack_ns'] / 1000),
    'sha512': lambda m: '%.2f CPU-s/GiB' % m['hash_cpu_s_per_gib']['sha512'],
    'md5': lambda m: '%.2f CPU-s/GiB' % m['hash_cpu_s_per_gib']['md5'],
}


def _load(app, option):
    path = os.path.join(REPO, getattr(app.config, option))
    with open(path) as f:
        return path, json.load(f)


def _results(app, name):
    return _load(app, SETS[name][0])


def _spy(app, name):
    return _load(app, SETS[name][1])


class _Report(SphinxDirective):

    option_spec = {'results': lambda arg: directives.choice(arg,
                                                            tuple(SETS))}

    @property
    def set_name(self):
        return self.options.get('results', DEFAULT_SET)

    def _parse(self, lines, source):
        # The report's tables are one string each, lines and all.
        lines = [line for text in lines for line in text.split('\n')]
        self.env.note_dependency(source)
        node = nodes.section()
        node.document = self.state.document
        sphinx_nodes.nested_parse_with_titles(
            self.state, StringList(lines, source), node)
        return node.children


class BenchmarkReport(_Report):
    """The report of the committed benchmark run."""

    option_spec = dict(_Report.option_spec, parts=directives.unchanged)

    def run(self):
        source, results = _results(self.env.app, self.set_name)
        parts = self.options.get('parts')
        parts = [p.strip() for p in parts.split(',')] if parts else \
            report.PARTS
        unknown = set(parts) - set(report.PARTS)
        if unknown:
            raise self.error('unknown parts %s (known: %s)' % (
                ', '.join(sorted(unknown)), ', '.join(report.PARTS)))
        image = None
        if 'plot' in parts:
            png = 'benchmarks-%s.png' % self.set_name
            image = '/%s/%s' % (GENERATED, png)
            out = os.path.join(self.env.srcdir, GENERATED, png)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            rows, scaling = report.summarize(results)
            plot.plot(out, results, rows, scaling)
        return self._parse(report.page(results, image, parts=parts), source)


class BenchmarkSpy(_Report):
    """The py-spy tables of the committed --py-spy run."""

    def run(self):
        source, results = _spy(self.env.app, self.set_name)
        return self._parse(report.spy_page(results), source)


def _role(compute):
    """A role whose text ``compute(app, text)`` turns into a figure; a
    figure the results do not hold is an error, shown where it is used.
    """

    def role(name, rawtext, text, lineno, inliner, options=None,
             content=None):
        app = inliner.document.settings.env.app
        try:
            value = compute(app, text)
        except (KeyError, ValueError, TypeError) as exc:
            msg = inliner.reporter.error(
                ':%s:`%s`: not in the committed results (%s)'
                % (name, text, exc), line=lineno)
            return [inliner.problematic(rawtext, rawtext, msg)], [msg]
        return [nodes.inline(rawtext, value)], []
    return role


def _figure(app, text, name):
    words = text.split()
    if len(words) not in (3, 4):
        raise ValueError('give FIELD METHOD SIZE [PROFILE]')
    field, method, size = words[:3]
    profile = words[3] if len(words) == 4 else report.DEFAULT
    rows, _scaling = report.summarize(_results(app, name)[1])
    row = report.find(rows, units.parse_size(size), method, profile)
    if row is None:
        raise KeyError('no %s row at %s under %s' % (method, size, profile))
    if row.get(field) is None:
        raise KeyError(field)
    return FIELDS[field] % row[field]


def _machine(app, text, name):
    return MACHINE[text.strip()](_results(app, name)[1]['machine'])


def _spy_line(app, text, name):
    """(share of the copy thread's samples, the recording) of the line in
    TEXT, "PROFILE [METHOD] FILE:LINE".
    """
    words = text.split()
    if len(words) not in (2, 3):
        raise ValueError('give PROFILE [METHOD] FILE:LINE')
    profile, line = words[0], words[-1]
    method = words[1] if len(words) == 3 else None
    for run in _spy(app, name)[1]['py_spy']:
        if run['profile'] != profile or method not in (None, run['method']):
            continue
        for share, frame, _source in run['leaf']:
            if frame.endswith('(%s)' % line):
                return share, run
        raise KeyError('no sample on %s under %s' % (line, profile))
    raise KeyError('no py-spy run of profile %s%s' % (
        profile, ' and method %s' % method if method else ''))


def _spy_share(app, text, name):
    return '%.1f%%' % (100 * _spy_line(app, text, name)[0])


def _spy_seconds(app, text, name):
    share, run = _spy_line(app, text, name)
    return '%.1f s' % (share * run['seconds'])


ROLES = {'': _figure, '-machine': _machine, '-spy': _spy_share,
         '-spy-s': _spy_seconds}


def setup(app):
    app.add_config_value('benchmark_results', 'doc/benchmarks.json', 'env')
    app.add_config_value('benchmark_spy', 'doc/profile/py-spy.json', 'env')
    app.add_config_value('benchmark_rbd_results', 'doc/benchmarks-rbd.json',
                         'env')
    app.add_config_value('benchmark_rbd_spy', 'doc/profile/rbd/py-spy.json',
                         'env')
    app.add_directive('benchmark-report', BenchmarkReport)
    app.add_directive('benchmark-spy', BenchmarkSpy)
    for name in SETS:
        infix = '' if name == DEFAULT_SET else '-' + name
        for suffix, compute in ROLES.items():
            app.add_role('bench%s%s' % (infix, suffix),
                         _role(functools.partial(compute, name=name)))
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
