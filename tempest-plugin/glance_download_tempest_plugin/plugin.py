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

"""The entry point tempest finds (``tempest.test_plugins``)."""

import os

from tempest import config
from tempest.test_discover import plugins

from glance_download_tempest_plugin import config as gd_config

# Both sides are plain image API v2 clients of tempest.lib, registered once
# more under names of their own with the region of each side, so that a
# test asks for os_primary.glance_download_source.ImagesClient() and never
# builds a client by hand.
IMAGE_V2 = 'tempest.lib.services.image.v2'
SIDES = {
    'glance_download_source': ('source_region', ['ImagesClient']),
    'glance_download_target': ('target_region',
                               ['ImagesClient', 'TaskClient']),
}


class GlanceDownloadTempestPlugin(plugins.TempestPlugin):

    def load_tests(self):
        base_path = os.path.split(os.path.dirname(
            os.path.abspath(__file__)))[0]
        test_dir = 'glance_download_tempest_plugin/tests'
        return os.path.join(base_path, test_dir), base_path

    def register_opts(self, conf):
        conf.register_group(gd_config.group)
        conf.register_opts(gd_config.opts, group=gd_config.group)

    def get_opt_lists(self):
        return [(gd_config.group.name, gd_config.opts)]

    def get_service_clients(self):
        conf = config.CONF
        clients = []
        for name, (region_opt, client_names) in SIDES.items():
            params = config.service_client_config('image')
            region = getattr(conf.glance_download, region_opt)
            if region:
                params['region'] = region
            params.update({
                'name': name,
                'service_version': '%s.v2' % name,
                'module_path': IMAGE_V2,
                'client_names': client_names,
            })
            clients.append(params)
        return clients
