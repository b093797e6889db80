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

"""tools/bench's command line: options, then a run (or a report from an
earlier run's JSON), then the files it writes."""

import argparse
import json
import os
import shlex
import sys

import gdbench
from gdbench import context
from gdbench import driver
from gdbench import layers
from gdbench import machine
from gdbench import plot
from gdbench import profiles as profiles_mod
from gdbench import report

METHODS = ('ours', 'in-tree', 'client', 'limit', 'direct-sparse')
PROFILE_METHODS = ('ours', 'in-tree', 'client', 'limit', 'direct',
                   'direct-sparse')
# The GD_* that name the cloud a run measured (tools/cloud --help)
CLOUD_ENV = ('GD_CLOUD_DIR', 'GD_KEYSTONE_PORT', 'GD_GLANCE1_PORT',
             'GD_GLANCE2_PORT', 'GD_STORE', 'GD_GLANCE2_STORES',
             'GD_CEPH_MON_PORT', 'GD_CEPH_PORT_MIN')


def parser():
    p = argparse.ArgumentParser(
        prog='tools/bench', description=gdbench.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sizes', default='256M,1G,4G')
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--repeat-of', action='append', default=[],
                   metavar='SIZE=N', help='N repetitions of SIZE instead of '
                   '--repeat (e.g. 4G=1)')
    p.add_argument('--scaling', default='1,2,4',
                   help='concurrent import counts ("" to skip)')
    p.add_argument('--scaling-size', default='1G')
    p.add_argument('--scaling-repeat', type=int, default=1)
    p.add_argument('--cloud-options', action='store_true',
                   help="keep the cloud's [glance_download] tuning for "
                   'fault tests (read_timeout = 3, ...) instead of the '
                   "plugin's defaults")
    p.add_argument('--scaling-methods', default='ours,in-tree',
                   help='which imports to run concurrently')
    p.add_argument('--max-load', type=float, default=1.0,
                   help='wait until the 1-minute load is below this')
    p.add_argument('--max-wait', type=float, default=900,
                   help='seconds to wait for the load at most')
    p.add_argument('--no-warmup', dest='warmup', action='store_false',
                   help='skip the unrecorded 64 MiB imports after each '
                   'restart')
    p.add_argument('--fresh-sources', action='store_true',
                   help='upload new source images even if earlier runs '
                   'left some')
    p.add_argument('--cleanup', action='store_true',
                   help='delete the source images at the end')
    p.add_argument('--json', default=os.path.join(context.REPO, 'doc',
                                                  'benchmarks.json'),
                   help='the results (default doc/benchmarks.json, which '
                   'the documentation renders: tox -e docs)')
    p.add_argument('--out', metavar='RST',
                   help='also write the report as a page of its own')
    p.add_argument('--plot', metavar='PNG',
                   help='also draw the plot (matplotlib in the cloud venv)')
    p.add_argument('--methods', default='',
                   help='comma list of ours, in-tree, client, limit, '
                   'direct-sparse (glance-direct of an image whose second '
                   'half is zero bytes) and --plugin names (default: all '
                   'but direct-sparse)')
    p.add_argument('--plugin', action='append', default=[],
                   metavar='NAME=DIR',
                   help='also measure the plugin installed in DIR (pip '
                   'install --no-deps --target DIR), as method NAME; '
                   'e.g. an older build, for before/after numbers')
    p.add_argument('--profiles', default='', metavar='NAME[,NAME...]',
                   help='also run --profile-methods under these tuning '
                   'profiles (the default profile always runs); '
                   '--list-profiles shows them')
    p.add_argument('--profile-methods', default='ours,direct',
                   help='what runs under a non-default profile: comma list '
                   'of %s (direct: the glance-direct half of the limit)'
                   % ', '.join(PROFILE_METHODS))
    p.add_argument('--profile-sizes', default='',
                   help='sizes the profiles run at (default: every size)')
    p.add_argument('--list-profiles', action='store_true',
                   help='list the tuning profiles and exit')
    p.add_argument('--py-spy', metavar='DIR',
                   help='instead of the benchmark: one import of the first '
                   'size per profile and --profile-methods (direct, '
                   'direct-sparse, ours, in-tree) under py-spy; writes the '
                   'copy thread\'s stacks and DIR/py-spy.json (the '
                   'documentation renders it)')
    p.add_argument('--layers', metavar='RST',
                   help="instead of the benchmark: time Glance's staging-to-"
                   'store read path outside the cloud (its own classes, '
                   'with and without sleep(0), per chunk size) on a file of '
                   'the first size, best of --repeat; writes the table to '
                   'RST')
    p.add_argument('--note', action='append', default=[],
                   help='a paragraph for the Notes section')
    p.add_argument('--from-json', metavar='FILE',
                   help='only write --out and --plot from earlier results')
    return p


def command_line(argv):
    """How to run this again: the GD_* that name the cloud, then argv."""
    env = ' '.join('%s=%s' % (k, os.path.relpath(os.environ[k], context.REPO)
                              if k == 'GD_CLOUD_DIR' else os.environ[k])
                   for k in CLOUD_ENV if k in os.environ)
    return ' '.join(filter(None, [env, 'tools/bench'] +
                           [shlex.quote(a) for a in argv]))


def run(args):
    if args.py_spy:
        os.makedirs(args.py_spy, exist_ok=True)
        args.json = os.path.join(args.py_spy, 'py-spy.json')
    extra = dict(p.split('=', 1) for p in args.plugin)
    for name, path in extra.items():
        if not os.path.isdir(os.path.join(path, 'glance_download')):
            raise SystemExit('bench: no glance_download in %s' % path)
    methods = args.methods.split(',') if args.methods else \
        list(driver.MODES) + list(extra) + ['client', 'limit']
    unknown = set(methods) - set(METHODS) - set(extra)
    unknown |= set(args.profile_methods.split(',')) - set(PROFILE_METHODS) \
        - set(extra)
    if unknown:
        raise SystemExit('bench: unknown methods %s' % ', '.join(unknown))
    import_modes = [m for m in list(driver.MODES) + list(extra)
                    if m in methods + args.profile_methods.split(',')]
    profiles = profiles_mod.parse(args.profiles)
    bench = driver.Run(args, extra, profiles)
    if args.py_spy:
        results = bench.spy(args.py_spy, context.parse_size(
            args.sizes.split(',')[0]), args.profile_methods.split(','))
    else:
        results = bench.measure(methods, import_modes)
    results['extra_plugins'] = extra
    results['command'] = command_line(sys.argv[1:])
    results['args'] = vars(args)
    results['machine'] = machine.describe()
    results['notes'] = args.note
    for d in filter(None, (args.json, args.out, args.plot)):
        os.makedirs(os.path.dirname(os.path.abspath(d)), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
    if os.path.exists(args.json + '.partial'):
        os.unlink(args.json + '.partial')
    context.say('raw results in %s' % args.json)
    return results


def main():
    args = parser().parse_args()
    if args.layers:
        size = context.parse_size(args.sizes.split(',')[0])
        report.write_layers_rst(args.layers, layers.measure(
            size, args.repeat), size, args.repeat, command_line(sys.argv[1:]),
            machine.describe())
        context.say('wrote %s' % args.layers)
        return 0
    if args.list_profiles:
        for p in profiles_mod.PROFILES.values():
            print('%-12s %s' % (p.name, p.help))
        return 0
    if args.plot:
        try:
            import matplotlib  # noqa: F401  (the plot, at the very end)
        except ImportError:
            sys.exit('bench: matplotlib is missing in %s: %s -m pip install '
                     'matplotlib' % (context.VENV, context.VENV_PY))
    if args.from_json:
        if not (args.out or args.plot):
            sys.exit('bench: --from-json writes only --out and --plot; '
                     'give one of them')
        with open(args.from_json) as f:
            results = json.load(f)
        if args.note:
            results['notes'] = args.note
    else:
        results = run(args)
    if results.get('py_spy') is not None:
        if args.out:
            report.write_page(args.out, 'py-spy profile',
                              report.spy_page(results))
            context.say('wrote %s' % args.out)
        return 0
    if args.out:
        report.write_page(args.out, 'Benchmarks', report.page(
            results, args.plot and os.path.relpath(
                args.plot, os.path.dirname(os.path.abspath(args.out))),
            driver.ATTEMPTS))
        context.say('wrote %s' % args.out)
    if args.plot:
        rows, scaling = report.summarize(results)
        plot.plot(args.plot, results, rows, scaling)
        context.say('wrote %s' % args.plot)
    return 0
