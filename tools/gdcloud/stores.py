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

"""A region's image stores in glance-api.conf: a file store by default,
Ceph RBD with GD_STORE=rbd (gdcloud.ceph), and in RegionTwo a second, file
store with GD_GLANCE2_STORES=2, so that imports with ``stores`` and
``all_stores`` can be tried. Staging and the task store stay on the file
system (glance.py) whatever the stores are.

The default store is named "fast" whatever its driver (the tests and
tools/gdbench name it), the second one "cheap".
"""

DEFAULT = 'fast'
SECOND = 'cheap'


def backends(glance):
    """{store name: (driver, {option: value})} of ``glance`` (a
    gdcloud.glance.GlanceApi), the default store first. A region's nodes
    share its stores: its first node's.
    """
    ctx = glance.ctx
    images = ctx.state.path(glance.first.name, 'images')
    if ctx.settings.store == 'rbd':
        stores = {DEFAULT: ('rbd', ctx.ceph.store_options(glance))}
    else:
        stores = {DEFAULT: ('file', {'filesystem_store_datadir':
                                     images + '/'})}
    if ctx.settings.glance2_stores == 2 and glance.region == 'RegionTwo':
        stores[SECOND] = ('file', {'filesystem_store_datadir':
                                   '%s-%s/' % (images, SECOND)})
    return stores


def conf(glance):
    """(enabled_backends, {section: options}) for glance-api.conf."""
    stores = backends(glance)
    sections = {'glance_store': {'default_backend': DEFAULT}}
    sections.update((name, options) for name, (_, options) in stores.items())
    return (','.join('%s:%s' % (name, driver)
                     for name, (driver, _) in stores.items()), sections)
