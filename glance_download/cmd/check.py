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

"""glance-download-check: tell an operator which plugin Glance will run.

Run it with the Python interpreter of Glance's environment, from a
directory that holds no copy of this project (metadata found earlier on
``sys.path`` changes the answer), for example::

    cd / && /opt/glance/bin/python -m glance_download.cmd.check

It also reads Glance's configuration files and warns about property
prefixes that reach core or reserved image attributes: Glance's own
metadata step copies those into the new image as properties (the plugin
removes them again), so the prefix does not do what its author meant.
"""

import argparse
import importlib
import os
import sys

from oslo_config import cfg

from glance_download import host
from glance_download import opts
from glance_download import selection
from glance_download.tasks import metadata

# Glance's own option for its metadata step, and ours (which reads it as a
# deprecated alias when ours is not set).
_PREFIX_OPTIONS = (
    ('extra_properties', "Glance's own metadata step writes the source's "
     'values of these into the new image as properties, and the plugin '
     'then removes them again'),
    ('extra_properties_prefixes', 'the plugin never copies these'),
)


def _describe(entry_point):
    if entry_point is None:
        return 'nothing (no plugin registered under that name)'
    try:
        where = importlib.import_module(entry_point.module).__file__
    except Exception as exc:  # report, do not hide, a broken install
        where = 'cannot be imported: %s' % exc
    return '%s (%s)' % (entry_point.value, where)


def _prefix_warnings(config_dir):
    """Warnings about ``[glance_download_properties]`` prefixes in the
    files Glance reads from ``config_dir`` (None: where Glance looks).
    """
    env = os.environ if config_dir is None else {
        'OS_GLANCE_CONFIG_DIR': config_dir}
    files = host.config_files(env)
    if config_dir is None and not all(os.path.exists(f) for f in files):
        return []  # no Glance configured on this machine
    conf = cfg.ConfigOpts()
    conf.register_opts(host.glance_download_opts(),
                       group=opts.PROPERTIES_GROUP)
    opts.register_opts(conf)
    try:
        conf([], project='glance', prog='glance-api',
             default_config_files=files)
    except (cfg.Error, OSError) as exc:
        return ['Could not read Glance\'s configuration (%s): %s'
                % (', '.join(files), exc)]
    warnings = []
    for name, consequence in _PREFIX_OPTIONS:
        for prefix in conf[opts.PROPERTIES_GROUP][name]:
            names = metadata.protected_names(prefix)
            if names:
                warnings.append(
                    'WARNING: [%s] %s: the prefix %r matches core or '
                    'reserved image attributes (%s); %s. Core and reserved '
                    'attributes are never copied: list the properties you '
                    'mean instead (such as os_distro, os_type).'
                    % (opts.PROPERTIES_GROUP, name, prefix,
                       ', '.join(names), consequence))
    return warnings


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='glance-download-check',
        description=(
            'Repeat the stevedore lookup that glance-api makes for the '
            'glance-download and web-download import methods, print which '
            'implementation each resolves to, and exit with status 1 when '
            'any of them is not the glance_download package. Run it with '
            "the python of Glance's environment, from a directory that "
            'does not contain a checkout of this project.'),
        epilog=('Exit status: 0 when Glance runs our plugins, 1 otherwise '
                '(warnings about property prefixes do not change it).'))
    parser.add_argument(
        '--method', action='append', choices=selection.METHODS,
        help='check only this method (repeatable; default: all)')
    parser.add_argument(
        '--config-dir', metavar='DIR',
        help=("Glance's configuration directory, read as glance-api reads "
              'it (glance-api.conf, glance-image-import.conf), for the '
              'property prefix warnings (default: $OS_GLANCE_CONFIG_DIR or '
              '/etc/glance, when there is one)'))
    args = parser.parse_args(argv)

    ok = True
    for method in args.method or selection.METHODS:
        entry_point = selection.lookup(method)
        ours = selection.is_ours(entry_point)
        ok = ok and ours
        print('%-16s %s -> %s' % (method, 'OK  ' if ours else 'NOT OURS',
                                  _describe(entry_point)))
    if not ok:
        print('Glance would not run the glance_download plugin for every '
              'method. Install it as the installation guide describes '
              '(doc/source/install/glance.rst: its own directory plus a '
              '.pth file in Glance\'s site-packages).',
              file=sys.stderr)
    for warning in _prefix_warnings(args.config_dir):
        print(warning, file=sys.stderr)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
