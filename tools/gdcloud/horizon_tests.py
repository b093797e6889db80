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

"""`tools/dashboard test`: tests/dashboard in Horizon's venv, against the
cloud and its Horizon (both brought up first), in headless Chromium.

Debian's chromium and chromium-driver (bindep.txt, profile dashboard) are
installed with apt-get when missing (Selenium is in Horizon's venv:
gdcloud.horizon). The tests run one at a time: they take turns on the one
cloud.
"""

import shutil
import subprocess

from gdcloud import cloud
from gdcloud import debian
from gdcloud import horizon
from gdcloud import paths


def ensure_browser(setup):
    if shutil.which('chromium') and shutil.which('chromedriver'):
        return
    debian.ensure('dashboard', 'tools/dashboard test', setup)


def run(regex=None):
    """The exit status of stestr over tests/dashboard (or those of its
    tests whose id matches ``regex``).
    """
    the_cloud = cloud.Cloud()
    the_cloud.up()
    dashboard = horizon.Dashboard(the_cloud.settings)
    dashboard.up()
    ensure_browser(dashboard.setup)
    env = dashboard.server.env()
    env['GD_HORIZON_PORT'] = str(dashboard.server.port)
    argv = [dashboard.venv.py, '-m', 'stestr', '--test-path',
            './tests/dashboard', '--top-dir', './', 'run',
            '--concurrency', '1'] + ([regex] if regex else [])
    return subprocess.call(argv, cwd=paths.REPO, env=env)
