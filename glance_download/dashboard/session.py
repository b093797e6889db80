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

"""A keystoneauth session with the logged-in Horizon user's own token.

The dashboard holds no service credentials: every Glance call of a copy is
the user's, as if they ran ``openstack image copy`` themselves. Horizon
keeps the user's scoped token and its service catalog in the session; the
keystoneauth plugin below serves both as they are (no new token is asked
for), so endpoints per region are found by keystoneauth's catalog lookup.
"""

from django.conf import settings
from keystoneauth1 import access
from keystoneauth1.identity import access as access_plugin
from openstack_auth import utils as auth_utils

from glance_download.copying import regions

# OPENSTACK_ENDPOINT_TYPE spells interfaces the v2 way ("publicURL").
_INTERFACES = {'publicURL': 'public', 'internalURL': 'internal',
               'adminURL': 'admin'}


def endpoint_interface():
    """The catalog interface the dashboard itself uses to reach Glance."""
    interface = getattr(settings, 'OPENSTACK_ENDPOINT_TYPE', 'publicURL')
    return _INTERFACES.get(interface, interface)


def user_session(request):
    token = request.user.token
    auth_ref = access.AccessInfoV3({
        'token': {
            'catalog': token.serviceCatalog,
            'project': {'id': token.project['id'],
                        'name': token.project.get('name'),
                        'domain': {'id': token.project.get('domain_id')}},
            'user': {'id': token.user['id'], 'name': token.user['name']},
            'expires_at': token.expires.isoformat(),
        }}, auth_token=token.id)
    # get_session: Horizon's OPENSTACK_SSL_NO_VERIFY / OPENSTACK_SSL_CACERT.
    return auth_utils.get_session(
        auth=access_plugin.AccessInfoPlugin(auth_ref))


def glance_regions(request):
    return regions.GlanceRegions(user_session(request),
                                 endpoint_interface())
