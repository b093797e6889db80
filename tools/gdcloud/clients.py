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

"""Files for clients: an rc file per user and one clouds.yaml."""

import json

from gdcloud import keystone
from gdcloud import util

RC_FILES = ['admin.rc', 'demo.rc', 'alt.rc', 'clouds.yaml']


def write(state, settings, regions):
    users = {'admin': ('admin', settings.admin_password)}
    for name, project, password, _ in keystone.USERS:
        if name != 'glance':
            users[name] = (project, password)
    clouds = ['clouds:']
    for name, (project, password) in users.items():
        util.write(state.path('%s.rc' % name), ''.join(
            'export %s=%s\n' % (k, util.shell_quote(v)) for k, v in [
                ('OS_AUTH_URL', settings.auth_url),
                ('OS_USERNAME', name),
                ('OS_PASSWORD', password),
                ('OS_PROJECT_NAME', project),
                ('OS_USER_DOMAIN_NAME', 'Default'),
                ('OS_PROJECT_DOMAIN_NAME', 'Default'),
                ('OS_IDENTITY_API_VERSION', '3'),
                ('OS_REGION_NAME', 'RegionOne'),
                ('OS_INTERFACE', 'public'),
            ]), mode=0o600)
        clouds += [
            '  %s:' % name,
            '    auth:',
            '      auth_url: %s' % settings.auth_url,
            '      username: %s' % json.dumps(name),
            '      password: %s' % json.dumps(password),
            '      project_name: %s' % json.dumps(project),
            '      user_domain_name: Default',
            '      project_domain_name: Default',
            '    identity_api_version: 3',
            '    interface: public',
            '    region_name: RegionOne',
            '    regions: [%s]' % ', '.join(regions),
        ]
    util.write(state.path('clouds.yaml'), '\n'.join(clouds) + '\n',
               mode=0o600)
