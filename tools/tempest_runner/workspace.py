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

"""The tempest workspace and the tempest.conf written into it."""

import os
import subprocess

from tempest_runner.common import clean_env
from tempest_runner.common import Error
from tempest_runner.common import read
from tempest_runner.common import say

# RegionTwo's [glance_download_properties] extra_properties_prefixes, as
# tools/cloud writes them: what the plugin's copy tests expect copied.
TARGET_PREFIXES = 'hw_,trait:,os_distro,os_secure_boot,os_type'


def ensure_workspace(venv, cloud_dir, workspace):
    """`tempest init` the workspace once (registered in our own yaml)."""
    if os.path.exists(os.path.join(workspace, '.stestr.conf')):
        return
    if os.path.isdir(workspace) and os.listdir(workspace):
        raise Error('%s exists but is no tempest workspace; remove it'
                    % workspace)
    registry = os.path.join(cloud_dir, 'tempest-workspaces.yaml')
    subprocess.check_call(
        [os.path.join(venv, 'bin', 'tempest'), 'init',
         '--workspace-path', registry, '--name', 'glance-download-local',
         workspace],
        cwd=cloud_dir, env=clean_env(venv), stdin=subprocess.DEVNULL)
    say('tempest workspace %s created' % workspace)


def second_node_running(cloud_dir):
    """Whether RegionTwo's second glance-api node (tools/cloud up with
    GD_GLANCE2_NODES=2) runs: the catalog then has it as image_remote.
    """
    pid = (read(os.path.join(cloud_dir, 'run', 'glance2b.pid')) or '').strip()
    return pid.isdigit() and os.path.exists('/proc/%s' % pid)


def tempest_conf(workspace, admin, region, source_region, web_url,
                 large_mib, remote=False):
    auth_url = admin['OS_AUTH_URL'].rstrip('/')
    if not auth_url.endswith('/v3'):
        auth_url += '/v3'
    sections = [
        ('DEFAULT', [
            ('log_dir', os.path.join(workspace, 'logs')),
            ('log_file', 'tempest.log'),
            ('debug', 'True'),
            ('use_stderr', 'False'),
        ]),
        ('oslo_concurrency', [
            ('lock_path', os.path.join(workspace, 'tempest_lock')),
        ]),
        ('auth', [
            # Each test class gets its own projects and users, made with
            # the admin account.
            ('use_dynamic_credentials', 'True'),
            ('admin_username', admin['OS_USERNAME']),
            ('admin_password', admin['OS_PASSWORD']),
            ('admin_project_name', admin['OS_PROJECT_NAME']),
            ('admin_domain_name', admin.get('OS_USER_DOMAIN_NAME',
                                            'Default')),
            ('default_credentials_domain_name', 'Default'),
            ('create_isolated_networks', 'False'),
        ]),
        ('identity', [
            ('uri_v3', auth_url),
            ('auth_version', 'v3'),
            ('region', region),
            ('v3_endpoint_type', 'public'),
            ('admin_role', 'admin'),
            ('default_domain_id', 'default'),
            ('disable_ssl_certificate_validation', 'True'),
        ]),
        ('identity-feature-enabled', [
            ('api_v2', 'False'),
        ]),
        ('image', [
            ('region', region),
            ('endpoint_type', 'public'),
            # web-download (ImportImagesTest) imports http_qcow2_image;
            # ImageTaskCreate needs http_image set. Both are served by
            # this script; Glance's import filter allows the port.
            ('http_image', web_url + '/tempest-small.raw'),
            ('http_qcow2_image', web_url + '/tempest-small.qcow2'),
            # Tempest's images are small (1 KiB - 256 KiB): an import
            # that is not done in 90 s is stuck (see "Flaky failures" in
            # doc/source/contributor/tempest-skips.rst); no need to wait
            # tempest's 300 s.
            ('build_timeout', '90'),
            ('build_interval', '1'),
        ] + ([
            # test_remote_import/test_remote_delete: stage on one node,
            # import or delete through the other (distributed import).
            ('alternate_image_endpoint', 'image_remote'),
            ('alternate_image_endpoint_type', 'public'),
        ] if remote else [])),
        ('image-feature-enabled', [
            ('import_image', 'True'),
            ('api_v2', 'True'),
            # Glance 33's defaults, as the cloud runs it.
            ('os_glance_reserved', 'True'),
            ('do_secure_hash', 'True'),
            ('image_format_enforcement', 'True'),
            ('manage_locations', 'False'),
            ('http_store_enabled', 'False'),
            ('image_conversion', 'False'),
            ('store_weight_enabled', 'False'),
        ]),
        ('enforce_scope', [
            # Glance 33 enforces the new RBAC defaults (scope + roles).
            ('glance', 'True'),
        ]),
        ('service_available', [
            ('glance', 'True'),
            ('nova', 'False'),
            ('cinder', 'False'),
            ('neutron', 'False'),
            ('swift', 'False'),
            ('horizon', 'False'),
            ('placement', 'False'),
        ]),
        ('validation', [
            ('run_validation', 'False'),
        ]),
        # This project's tempest plugin (tempest-plugin/).
        ('glance_download', [
            ('source_region', source_region),
            ('source_interface', 'public'),
            ('properties_prefixes', TARGET_PREFIXES),
            # Loopback copies run at 100-200 MiB/s and the cloud reports
            # progress every second: 512 MiB stays in progress for a few
            # seconds even on an idle machine.
            ('large_image_size', str(large_mib)),
            ('admin_tests', 'True'),
            ('second_project_tests', 'True'),
            ('web_download_url', web_url + '/tempest-small.raw'),
            ('web_download_disk_format', 'raw'),
        ]),
    ]
    lines = ['# Generated by tools/tempest; rewritten on every run.']
    for name, options in sections:
        lines.append('')
        lines.append('[%s]' % name)
        lines.extend('%s = %s' % kv for kv in options)
    return '\n'.join(lines) + '\n'
