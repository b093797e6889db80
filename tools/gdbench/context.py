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

"""The benchmarked cloud as tools/cloud defines it (GD_* read once by
gdcloud.settings), and the units and labels every module prints."""

import os

from gdbench import units
from gdcloud import paths
from gdcloud import settings as settings_mod
from gdcloud import state as state_mod

REPO = paths.REPO
SETTINGS = settings_mod.Settings(REPO)
CLOUD_DIR = SETTINGS.dir
STATE = state_mod.StateDir(CLOUD_DIR)
VENV = SETTINGS.venv
VENV_PY = os.path.join(VENV, 'bin', 'python')
PORTS = {'RegionOne': SETTINGS.glance_ports[0],
         'RegionTwo': SETTINGS.glance_ports[1]}
SERVICE = {'RegionOne': 'glance1', 'RegionTwo': 'glance2'}

MiB = units.MiB
GiB = units.GiB
parse_size = units.parse_size
size_label = units.size_label


def say(msg):
    print('bench: %s' % msg, flush=True)
