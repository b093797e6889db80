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

"""Tempest's own venv, with the pins it was tested with, and our plugin."""

import hashlib
import os
import subprocess
import sys
import time

from tempest_runner.common import clean_env
from tempest_runner.common import Error
from tempest_runner.common import read
from tempest_runner.common import REPO
from tempest_runner.common import say
from tempest_runner.common import write

PLUGIN_DIR = os.path.join(REPO, 'tempest-plugin')
# What decides the plugin's installed metadata (its entry point); the
# code itself is the working tree's, installed in develop mode.
PLUGIN_METADATA = ('setup.cfg', 'setup.py', 'pyproject.toml',
                   'requirements.txt')

TEMPEST_PACKAGES = ['tempest==47.0.0']
# Everything tempest 47.0.0 pulls in on Python 3.11, as `pip freeze` of a
# venv that passed this run gave it; oslo.* and friends agree with
# tools/cloud-constraints.txt. Applied with `pip install -c`.
CONSTRAINTS = """
attrs==26.1.0
autopage==0.6.0
bcrypt==5.0.0
certifi==2026.10.18
cffi==2.1.1
charset-normalizer==3.5.2
cliff==4.17.0
cmd2==4.3.1
cryptography==50.0.2
debtcollector==3.1.0
defusedxml==0.7.1
fasteners==0.20
fixtures==4.3.2
idna==3.20
invoke==3.0.3
iso8601==2.1.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
markdown-it-py==4.3.0
mdurl==0.1.2
msgpack==1.2.4
netaddr==1.3.0
oslo.concurrency==7.6.1
oslo.config==10.7.0
oslo.context==6.5.0
oslo.i18n==6.9.0
oslo.log==8.3.2
oslo.serialization==5.11.0
oslo.utils==10.2.0
packaging==26.3
paramiko==5.1.0
pbr==7.1.3
prettytable==3.18.0
prompt_toolkit==3.0.53
psutil==7.2.2
pycparser==3.12
Pygments==2.21.0
PyNaCl==1.6.2
pyparsing==3.3.3
pyperclip==1.11.0
python-dateutil==4.0.0
python-subunit==1.4.6
PyYAML==6.0.3
referencing==0.37.0
requests==2.34.2
rfc3986==2.0.0
rich==15.0.0
rich-argparse==1.8.0
rpds-py==2026.9.1
stestr==4.2.1
stevedore==5.10.0
testscenarios==0.7.0
testtools==2.9.1
tomlkit==0.15.2
typing_extensions==4.16.0
tzdata==2026.6
urllib3==2.8.0
voluptuous==0.16.0
wcwidth==0.9.4
wrapt==2.5.2
"""


def ensure_venv(venv):
    """Install tempest into VENV unless it is there with the same pins."""
    stamp_file = os.path.join(venv, '.gd-tempest-stamp')
    h = hashlib.sha256()
    h.update(' '.join(TEMPEST_PACKAGES).encode() + b'\0')
    h.update(CONSTRAINTS.encode())
    stamp = h.hexdigest()
    tempest = os.path.join(venv, 'bin', 'tempest')
    if os.path.exists(tempest) and read(stamp_file) == stamp:
        say('tempest venv %s is ready (%s)' % (venv,
                                               ' '.join(TEMPEST_PACKAGES)))
        return 0.0
    say('installing %s into %s' % (' '.join(TEMPEST_PACKAGES), venv))
    t0 = time.time()
    py = os.path.join(venv, 'bin', 'python')
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, '-m', 'venv', venv])
    constraints = os.path.join(venv, 'constraints.txt')
    write(constraints, CONSTRAINTS.strip() + '\n')
    _pip(venv, ['-c', constraints] + TEMPEST_PACKAGES,
         ' '.join(TEMPEST_PACKAGES))
    if not os.path.exists(tempest):
        raise Error('pip install left no %s' % tempest)
    write(stamp_file, stamp)
    took = time.time() - t0
    say('tempest venv ready in %.0f s' % took)
    return took


def _pip(venv, args, what):
    log = os.path.join(venv, 'pip.log')
    with open(log, 'w') as out:
        rc = subprocess.call(
            [os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install',
             '--quiet'] + args,
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=clean_env(venv))
    if rc != 0:
        raise Error('pip install of %s failed (exit %d); see %s:\n%s' % (
            what, rc, log, ''.join(read(log).splitlines(True)[-30:])))


def ensure_plugin(venv):
    """Install tempest-plugin/ into VENV in develop mode, once per version
    of its metadata (the tests are read from the working tree).
    """
    stamp_file = os.path.join(venv, '.gd-tempest-plugin-stamp')
    h = hashlib.sha256(PLUGIN_DIR.encode() + b'\0')
    for name in PLUGIN_METADATA:
        h.update(read(os.path.join(PLUGIN_DIR, name)).encode() + b'\0')
    stamp = h.hexdigest()
    if read(stamp_file) == stamp:
        return 0.0
    say('installing the tempest plugin %s into %s' % (PLUGIN_DIR, venv))
    t0 = time.time()
    _pip(venv, ['--no-deps', '-e', PLUGIN_DIR], 'the tempest plugin')
    write(stamp_file, stamp)
    return time.time() - t0
