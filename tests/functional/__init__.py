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

"""Functional tests: the plugin inside real Glances, through the real APIs.

They run against the local two-region cloud of ``tools/cloud`` (Keystone,
RegionOne and RegionTwo glance-api on 127.0.0.1) and fail, rather than
skip, when it cannot be reached::

    tools/cloud up
    tox -e functional
    # or, with the cloud's own venv (pip install stestr into it once):
    .cloud/venv/bin/python -m stestr --test-path ./tests/functional \\
        --top-dir ./ run

Environment:
    GD_CLOUD_DIR       the cloud's state directory (default <repo>/.cloud,
                       or <repo>/.cloud/<series> for GD_GLANCE_SERIES)
    GD_GLANCE_SERIES   the Glance series of the cloud (tools/cloud --help)
    GD_WEB_PORT        port of the web-download tests' HTTP server (8090,
                       the one Glance's import filter allows here)
    GD_WEB_PORT_WAIT   seconds to wait for that port if busy (150)
    GD_IMPORT_TIMEOUT  seconds an import may take (60)
    GD_START_TIMEOUT   seconds an import task may stay pending (20)
"""
