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

"""Create the local test cloud's catalog, projects, users and roles.

Run by tools/cloud (gdcloud.catalog) with the cloud venv's python, once
Keystone answers (so, unlike the rest of the package, it may use
keystoneauth1):

    python catalog_apply.py SPEC.json

SPEC is the JSON written by tools/cloud (auth_url, admin_password, regions
with their glance URLs, identity_url, users). Every region gets the shared
identity endpoints and its image endpoint; RegionFaulty's image endpoint is
tools/faultproxy, in front of RegionOne's Glance. Every step is find-or-create,
and endpoint URLs are corrected when a port changed, so re-running it is
safe. One process with keystoneauth1 takes about a second; the equivalent
`openstack` CLI calls take ~3 s each.
"""

import json
import sys

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

INTERFACES = ('public', 'internal', 'admin')


class Keystone(object):

    def __init__(self, auth_url, password):
        auth = v3.Password(auth_url=auth_url, username='admin',
                           password=password, project_name='admin',
                           user_domain_name='Default',
                           project_domain_name='Default')
        self.sess = ks_session.Session(auth=auth)
        self.base = auth_url.rstrip('/')

    def _call(self, method, path, **kwargs):
        kwargs.setdefault('raise_exc', True)
        return self.sess.request(self.base + path, method, **kwargs)

    def get(self, path, **params):
        return self._call('GET', path, params=params).json()

    def post(self, path, body):
        return self._call('POST', path, json=body).json()

    def patch(self, path, body):
        return self._call('PATCH', path, json=body).json()

    def put(self, path):
        self._call('PUT', path)

    def find_or_create(self, collection, key, params, body):
        found = self.get('/' + collection, **params)[collection]
        if found:
            return found[0], False
        return self.post('/' + collection, {key: body})[key], True


def main(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    ks = Keystone(spec['auth_url'], spec['admin_password'])
    made = []

    domain_id = ks.get('/domains', name='Default')['domains'][0]['id']

    # Regions (RegionOne already exists from keystone-manage bootstrap).
    for region in spec['regions']:
        resp = ks._call('GET', '/regions/' + region['name'], raise_exc=False)
        if resp.status_code == 404:
            ks.post('/regions', {'region': {'id': region['name']}})
            made.append('region ' + region['name'])

    def ensure_endpoints(service, urls_by_region):
        existing = ks.get('/endpoints', service_id=service['id'])['endpoints']
        for region, url in urls_by_region.items():
            for interface in INTERFACES:
                matches = [e for e in existing
                           if e['interface'] == interface and
                           e.get('region_id', e.get('region')) == region]
                if not matches:
                    ks.post('/endpoints', {'endpoint': {
                        'service_id': service['id'], 'interface': interface,
                        'region_id': region, 'url': url, 'enabled': True}})
                    made.append('%s %s endpoint in %s' % (
                        service['type'], interface, region))
                    continue
                for endpoint in matches:
                    if endpoint['url'] != url:
                        ks.patch('/endpoints/' + endpoint['id'],
                                 {'endpoint': {'url': url}})
                        made.append('%s %s endpoint in %s: url' % (
                            service['type'], interface, region))

    # Identity in every region: a glance-api's keystonemiddleware looks the
    # identity endpoint up in its own region_name.
    identity = ks.get('/services', type='identity')['services'][0]
    ensure_endpoints(identity, {r['name']: spec['identity_url']
                                for r in spec['regions']})

    def ensure_service(service_type, name, description):
        service, created = ks.find_or_create(
            'services', 'service', {'type': service_type},
            {'type': service_type, 'name': name, 'enabled': True,
             'description': description})
        if created:
            made.append('%s service' % service_type)
        return service

    image = ensure_service('image', 'glance', 'Glance image service')
    ensure_endpoints(image, {r['name']: r['glance_url']
                             for r in spec['regions']})

    # A region's second glance-api node, for tempest's distributed import
    # tests (service type image_remote); its endpoints go with the node.
    remote_urls = spec.get('remote_image_endpoints') or {}
    remote = ensure_service('image_remote', 'glance-remote',
                            'A second glance-api node of the region')
    ensure_endpoints(remote, remote_urls)
    for endpoint in ks.get('/endpoints',
                           service_id=remote['id'])['endpoints']:
        if endpoint.get('region_id') not in remote_urls:
            ks._call('DELETE', '/endpoints/' + endpoint['id'])
            made.append('image_remote %s endpoint in %s: deleted' % (
                endpoint['interface'], endpoint.get('region_id')))

    roles = {}
    for role_name in ('admin', 'member', 'reader', 'service'):
        role, created = ks.find_or_create(
            'roles', 'role', {'name': role_name}, {'name': role_name})
        roles[role_name] = role['id']
        if created:
            made.append('role ' + role_name)

    for user in spec['users']:
        project, created = ks.find_or_create(
            'projects', 'project',
            {'name': user['project'], 'domain_id': domain_id},
            {'name': user['project'], 'domain_id': domain_id,
             'enabled': True})
        if created:
            made.append('project ' + user['project'])
        found = ks.get('/users', name=user['name'],
                       domain_id=domain_id)['users']
        if found:
            user_id = found[0]['id']
            # Cheap, and keeps the password in step with the rc files.
            ks.patch('/users/' + user_id,
                     {'user': {'password': user['password'],
                               'default_project_id': project['id']}})
        else:
            user_id = ks.post('/users', {'user': {
                'name': user['name'], 'domain_id': domain_id,
                'password': user['password'], 'enabled': True,
                'default_project_id': project['id']}})['user']['id']
            made.append('user ' + user['name'])
        for role_name in user['roles']:
            ks.put('/projects/%s/users/%s/roles/%s' % (
                project['id'], user_id, roles[role_name]))

    print('catalog: %s' % (', '.join(made) if made else 'nothing to change'))


if __name__ == '__main__':
    main(sys.argv[1])
