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

"""The Glance series the local cloud can run, and the pip constraints of
each, derived from upstream's upper-constraints.

Upstream's files (../shared/upper-constraints/, beside the clone in CI)
pin what each series was tested with; a few lines need changing to
install that Glance with this package on Python 3.11. Each change is
listed here with its reason; ``tools/cloud constraints`` writes the
results to tools/constraints/<series>.txt (committed, so installs need
no ../shared) and ``tools/cloud constraints --check`` compares them.
"""

import collections
import os
import re

from gdcloud import paths
from gdcloud import util

UPSTREAM_DIR = os.path.join(os.path.dirname(paths.REPO), 'shared',
                            'upper-constraints')
DERIVED_DIR = os.path.join(paths.TOOLS, 'constraints')

# (package, reason): upstream lines dropped.
URLLIB3 = ('urllib3', 'this package needs urllib3>=2.2 (HTTPResponse.read1, '
                      'resuming at the exact byte); upstream pins 1.26')
REQUESTS = ('requests', 'this package needs requests>=2.32.3 '
                        '(HTTPAdapter.build_connection_pool_key_attributes, '
                        'address pinning); upstream pins 2.31.0')
# (requirement, reason): lines added.
SETUPTOOLS = ('setuptools<82', 'setuptools 82 dropped pkg_resources, which '
                               'os_win (glance/common/wsgi.py) and '
                               'keystonemiddleware 10.6/10.7 import')

Series = collections.namedtuple(
    'Series', 'name glance upstream drop add eventlet')

SERIES = [
    Series('2024.1', '28.2.0', '2024.1.txt', [URLLIB3, REQUESTS],
           [SETUPTOOLS], True),
    Series('2024.2', '29.2.1', '2024.2.txt', [URLLIB3], [SETUPTOOLS], True),
    Series('2025.1', '30.2.0', '2025.1.txt', [URLLIB3], [], True),
    Series('2025.2', '31.1.0', '2025.2.txt', [URLLIB3], [], True),
    Series('2026.1', '32.0.0', '2026.1.txt', [], [], True),
    Series('2026.2', '33.0.0', 'master.txt', [], [], False),
]
BY_NAME = {s.name: s for s in SERIES}
NEWEST = SERIES[-1]


def get(name):
    try:
        return BY_NAME[name]
    except KeyError:
        raise util.CloudError('GD_GLANCE_SERIES=%s is not a series this tool '
                              'runs; one of %s' % (name, ', '.join(BY_NAME)))


def derived_path(series):
    return os.path.join(DERIVED_DIR, '%s.txt' % series.name)


def _name(line):
    """The normalised project name a constraint line is about, or None."""
    m = re.match(r'\s*([A-Za-z0-9][A-Za-z0-9._-]*)', line)
    if not m or line.lstrip().startswith('#'):
        return None
    return re.sub(r'[-_.]+', '-', m.group(1)).lower()


def derive(series, upstream_text):
    """The text of tools/constraints/<series>.txt."""
    dropped = {_name(pkg): reason for pkg, reason in series.drop}
    out = ['# pip constraints for Glance %s (series %s) with glance_download '
           'on' % (series.glance, series.name),
           '# Python 3.11. Derived from openstack/requirements\' '
           'upper-constraints.txt',
           '# (../shared/upper-constraints/%s) by tools/gdcloud/series.py;'
           % series.upstream,
           '# regenerate with `tools/cloud constraints`, do not edit.']
    for pkg, reason in series.drop:
        out.append('# dropped %s: %s' % (pkg, reason))
    for req, reason in series.add:
        out.append('# added %s: %s' % (req, reason))
    out += [req for req, _ in series.add]
    for line in upstream_text.splitlines():
        if _name(line) in dropped:
            continue
        out.append(line)
    return '\n'.join(out) + '\n'


def upstream_text(series):
    path = os.path.join(UPSTREAM_DIR, series.upstream)
    text = util.read(path)
    if text is None:
        raise util.CloudError('no upstream constraints at %s (the shared '
                              'upper-constraints checkout beside the repo)'
                              % path)
    return text


def write_all(check=False):
    """Write (or with check, compare) every derived file; return the
    names of files that differ.
    """
    os.makedirs(DERIVED_DIR, exist_ok=True)
    stale = []
    for series in SERIES:
        text = derive(series, upstream_text(series))
        path = derived_path(series)
        if util.read(path) != text:
            stale.append(path)
            if not check:
                util.write(path, text)
    return stale
