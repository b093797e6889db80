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

"""The Keystone catalog, projects and users: a spec handed to
catalog_apply.py (run with the venv's keystoneauth1), re-applied only when
it changed.
"""

import json
import os

from gdcloud import keystone
from gdcloud import paths
from gdcloud import util

APPLY_SCRIPT = os.path.join(paths.PACKAGE, 'catalog_apply.py')


def spec(settings, image_endpoints, remote_endpoints):
    """image_endpoints: [(region, glance_url)]; remote_endpoints: the
    same for each region's second glance-api node, registered as service
    type ``image_remote`` as devstack does for tempest's distributed
    import tests.
    """
    return {
        'auth_url': settings.auth_url,
        'admin_password': settings.admin_password,
        'identity_url': settings.auth_url,
        'regions': [{'name': region, 'glance_url': url}
                    for region, url in image_endpoints],
        'remote_image_endpoints': dict(remote_endpoints),
        'users': [{'name': n, 'project': p, 'password': pw, 'roles': rl}
                  for n, p, pw, rl in keystone.USERS],
        # Not read by catalog_apply.py; a new cost re-runs it, which sets
        # the users' passwords again, hashed at that cost.
        'password_hash_rounds': keystone.HASH_ROUNDS,
    }


def ensure(ctx, image_endpoints, remote_endpoints):
    text = json.dumps(spec(ctx.settings, image_endpoints, remote_endpoints),
                      sort_keys=True, indent=1)
    stamp_file = ctx.state.path('keystone', '.catalog')
    if util.read(stamp_file) == util.sha(text):
        return
    spec_file = ctx.state.path('run', 'catalog.json')
    util.write(spec_file, text, mode=0o600)
    try:
        ctx.setup.check_call('catalog', [ctx.venv.py, APPLY_SCRIPT,
                                         spec_file])
    finally:
        os.unlink(spec_file)
    util.write(stamp_file, util.sha(text))
    util.log(util.read(os.path.join(ctx.state.logs, 'setup-catalog.log'))
             .strip().splitlines()[-1])
