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

"""tools/cloud's store switches (GD_STORE, GD_GLANCE2_STORES, GD_CONVERT):
what each region's glance-api.conf gets, what the environment may say, and
the Debian packages bindep.txt lists for them."""

import types

import fixtures
import testtools

from gdcloud import debian
from gdcloud import settings
from gdcloud import stores
from gdcloud import util
import tests

REPO = tests.REPO


class SettingsTest(testtools.TestCase):

    def settings(self, **env):
        for name in ('GD_STORE', 'GD_CONVERT', 'GD_GLANCE2_STORES',
                     'GD_CEPH_MON_PORT', 'GD_CEPH_PORT_MIN',
                     'GD_KEYSTONE_PORT'):
            self.useFixture(fixtures.EnvironmentVariable(name,
                                                         env.get(name)))
        return settings.Settings(REPO)

    def test_defaults(self):
        s = self.settings()
        self.assertEqual(('file', None, 1, 3300),
                         (s.store, s.convert, s.glance2_stores,
                          s.ceph_mon_port))

    def test_unknown_values_refused_in_words(self):
        for env, words in [({'GD_STORE': 'ceph'}, 'GD_STORE must be one of'),
                           ({'GD_CONVERT': 'vhd'}, 'GD_CONVERT must be one'),
                           ({'GD_GLANCE2_STORES': '3'},
                            'GD_GLANCE2_STORES must be 1 or 2')]:
            error = self.assertRaises(util.CloudError, self.settings, **env)
            self.assertIn(words, str(error))

    def test_ceph_ports_must_not_clash(self):
        # The OSD and manager bind in ten ports from GD_CEPH_PORT_MIN.
        error = self.assertRaises(util.CloudError, self.settings,
                                  GD_STORE='rbd', GD_CEPH_PORT_MIN='4995')
        self.assertIn('Ceph ports must differ', str(error))
        # Without RBD the Ceph ports are not used.
        self.settings(GD_CEPH_PORT_MIN='4995')


class StoresTest(testtools.TestCase):

    def glance(self, region, store='file', glance2_stores=1):
        ceph = types.SimpleNamespace(store_options=lambda g: {
            'rbd_store_pool': g.first.name})
        ctx = types.SimpleNamespace(
            settings=types.SimpleNamespace(store=store,
                                           glance2_stores=glance2_stores),
            state=types.SimpleNamespace(path=lambda *p: '/s/' + '/'.join(p)),
            ceph=ceph)
        glance = types.SimpleNamespace(ctx=ctx, region=region, name='g')
        glance.first = glance
        return glance

    def test_one_file_store_by_default(self):
        backends, sections = stores.conf(self.glance('RegionTwo'))
        self.assertEqual('fast:file', backends)
        self.assertEqual({'glance_store': {'default_backend': 'fast'},
                          'fast': {'filesystem_store_datadir':
                                   '/s/g/images/'}}, sections)

    def test_rbd_and_a_second_file_store_in_region_two_only(self):
        backends, sections = stores.conf(
            self.glance('RegionTwo', 'rbd', 2))
        self.assertEqual('fast:rbd,cheap:file', backends)
        self.assertEqual({'rbd_store_pool': 'g'}, sections['fast'])
        self.assertEqual({'filesystem_store_datadir': '/s/g/images-cheap/'},
                         sections['cheap'])
        self.assertEqual('fast:rbd', stores.conf(
            self.glance('RegionOne', 'rbd', 2))[0])


class BindepTest(testtools.TestCase):

    def test_profiles(self):
        self.assertEqual(['ceph-mon', 'ceph-mgr', 'ceph-osd',
                          'python3-rados', 'python3-rbd'],
                         debian.packages('rbd'))
        self.assertEqual(['qemu-utils'], debian.packages('convert'))
        self.assertEqual(['mariadb-server'], debian.packages('mariadb'))

    def test_unknown_profile(self):
        error = self.assertRaises(util.CloudError, debian.packages, 'nope')
        self.assertIn('no package for the profile nope', str(error))
