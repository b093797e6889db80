"""The benchmarked cloud as tools/cloud defines it (GD_* read once by
gdcloud.settings), and the units and labels every module prints."""

import os

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

MiB = 1024 * 1024
GiB = 1024 * MiB


def say(msg):
    print('bench: %s' % msg, flush=True)


def parse_size(text):
    text = text.strip().upper().rstrip('B').rstrip('I')
    units = {'K': 1024, 'M': MiB, 'G': GiB}
    if text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def size_label(size):
    if size % GiB == 0:
        return '%d GiB' % (size // GiB)
    return '%d MiB' % (size // MiB)
