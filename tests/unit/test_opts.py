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

"""opts: option registration, listing and the old option name."""

import os

import fixtures
from glance.async_.flows import api_image_import
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
import testtools

from glance_download import opts
from tests.unit import base


class OptsTest(testtools.TestCase):

    def conf_with(self, text, glance_too=False):
        conf = cfg.ConfigOpts()
        if glance_too:
            # Inside Glance its own [glance_download_properties]
            # extra_properties is registered too.
            conf.register_opts(api_image_import.glance_download_opts,
                               group=opts.PROPERTIES_GROUP)
        opts.register_opts(conf)
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'glance-api.conf')
        with open(path, 'w') as f:
            f.write(text)
        conf(args=[], default_config_files=[path])
        return conf

    def test_list_opts_groups_and_names(self):
        listed = {getattr(group, 'name', group): [o.dest for o in options]
                  for group, options in opts.list_opts()}
        self.assertEqual([opts.PROPERTIES_GROUP, opts.TRANSFER_GROUP,
                          opts.WEB_GROUP, opts.SERVICE_USER_GROUP],
                         list(listed))
        self.assertEqual(['extra_properties_prefixes'],
                         listed[opts.PROPERTIES_GROUP])
        self.assertEqual(
            ['chunk_size', 'connect_timeout', 'read_timeout', 'max_retries',
             'retry_delay', 'max_retry_delay', 'verify_checksum',
             'require_source_hash', 'progress_interval'],
            listed[opts.TRANSFER_GROUP][:9])
        # keystoneauth1's own session options, all of them, in both TLS
        # scopes: the source regions' and web-download's.
        session_opts = [o.dest for o in
                        ks_loading.get_session_conf_options()]
        self.assertEqual(session_opts, listed[opts.TRANSFER_GROUP][9:])
        self.assertEqual(session_opts, listed[opts.WEB_GROUP])
        self.assertEqual(base.KSA_TLS_OPTIONS,
                         'tls_min_version' in session_opts)
        service = listed[opts.SERVICE_USER_GROUP]
        self.assertEqual('send_service_user_token', service[0])
        for name in ('auth_type', 'auth_section', 'auth_url', 'username',
                     'password', 'project_name', 'user_domain_name',
                     'project_domain_name'):
            self.assertIn(name, service)

    def test_group_help_says_which_tls_applies_where(self):
        helps = {getattr(group, 'name', group): getattr(group, 'help', None)
                 for group, _o in opts.list_opts()}
        self.assertIn('never to web-download', helps[opts.TRANSFER_GROUP])
        # keystoneauth's single 'timeout' is registered with its TLS
        # options, but our requests carry (connect, read) timeouts.
        self.assertIn("keystoneauth1's ``timeout`` only bounds the service\n"
                      "user's token requests", helps[opts.TRANSFER_GROUP])
        self.assertIn('``timeout`` is\nnot used', helps[opts.WEB_GROUP])
        self.assertIn('``insecure = true`` turns verification off',
                      helps[opts.WEB_GROUP])

    def test_list_opts_returns_copies(self):
        (_g, listed), _t, _w, _s = opts.list_opts()
        listed[0].default = ['changed']
        self.assertEqual(opts.DEFAULT_PREFIXES,
                         opts.properties_opts[0].default)

    def test_defaults(self):
        conf = self.conf_with('')
        self.assertEqual(opts.DEFAULT_PREFIXES,
                         conf.glance_download_properties
                         .extra_properties_prefixes)
        settings = conf[opts.TRANSFER_GROUP]
        self.assertEqual(1024 * 1024, settings.chunk_size)
        self.assertEqual(5, settings.max_retries)
        self.assertTrue(settings.verify_checksum)
        self.assertFalse(settings.require_source_hash)
        self.assertFalse(conf[opts.SERVICE_USER_GROUP]
                         .send_service_user_token)
        for tls_group in (opts.TRANSFER_GROUP, opts.WEB_GROUP):
            self.assertFalse(conf[tls_group].insecure)
            self.assertIsNone(conf[tls_group].cafile)
            self.assertIsNone(conf[tls_group].certfile)
        self.assertIsNone(conf[opts.SERVICE_USER_GROUP].auth_type)

    def test_register_twice_is_fine(self):
        conf = cfg.ConfigOpts()
        opts.register_opts(conf)
        opts.register_opts(conf)
        conf(args=[])
        self.assertEqual(60.0, conf.glance_download.read_timeout)

    def test_old_option_name_is_honoured(self):
        for glance_too in (False, True):
            conf = self.conf_with('[glance_download_properties]\n'
                                  'extra_properties = [hw_,foo]\n',
                                  glance_too=glance_too)
            self.assertEqual(['hw_', 'foo'], conf.glance_download_properties
                             .extra_properties_prefixes)

    def test_new_option_name_wins(self):
        conf = self.conf_with('[glance_download_properties]\n'
                              'extra_properties = [hw_,foo]\n'
                              "extra_properties_prefixes = ['os_', \"img_\"]"
                              '\n', glance_too=True)
        self.assertEqual(['os_', 'img_'], conf.glance_download_properties
                         .extra_properties_prefixes)

    def test_limits_are_enforced(self):
        conf = self.conf_with('[glance_download]\nchunk_size = 10\n')
        self.assertRaises(cfg.ConfigFileValueError,
                          lambda: conf.glance_download.chunk_size)
