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

"""Which implementation of an import method Glance will actually run.

Stock Glance registers its own ``glance_download`` and ``web_download`` in
the same stevedore namespace as ours. Glance asks stevedore for the method
by name and takes the single extension left after stevedore's default
conflict resolution, which keeps the *last* entry point discovered. The
discovery order follows ``sys.path`` and, inside one directory, the order in
which the file system lists ``*.dist-info`` folders, so a plain ``pip
install`` next to Glance is a lottery. This module repeats Glance's own
lookup so that both operators (through ``glance-download-check``) and the
plugin itself (at flow-build time) can see who won.
"""

import functools

from stevedore import named

NAMESPACE = 'glance.image_import.internal_plugins'
METHODS = ('glance_download', 'web_download')
OUR_PACKAGE = 'glance_download'


def lookup(method):
    """Return the entry point Glance selects for ``method``, or None.

    This is the call Glance 33 makes in
    ``glance.async_.flows._internal_plugins.get_import_plugin``, without
    invoking the plugins.
    """
    manager = named.NamedExtensionManager(
        NAMESPACE, names=[method], name_order=True, invoke_on_load=False)
    for extension in manager.extensions:
        return extension.entry_point
    return None


def is_ours(entry_point):
    return (entry_point is not None and
            entry_point.module.split('.')[0] == OUR_PACKAGE)


@functools.lru_cache(maxsize=None)
def selected_elsewhere(method):
    """Return the winning entry point when it is not ours, else None.

    Cached: the set of installed distributions does not change while a
    glance-api worker runs, and the lookup scans every entry point.
    """
    entry_point = lookup(method)
    return None if is_ours(entry_point) else entry_point
