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

"""What every step of tools/tempest shares: messages, files, the cloud's
rc files, a clean environment for the programs it starts."""

import os
import shlex

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class Error(Exception):
    pass


def say(msg):
    print('tempest: %s' % msg, flush=True)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode),
              'w') as f:
        f.write(text)
    os.replace(tmp, path)


def parse_rc(path):
    """The OS_* variables of an rc file written by tools/cloud."""
    text = read(path)
    if text is None:
        raise Error('%s is missing: is the cloud up? (tools/cloud up)' % path)
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('export '):
            line = line[len('export '):]
        if '=' not in line or line.startswith('#'):
            continue
        key, _, value = line.partition('=')
        words = shlex.split(value)
        values[key] = words[0] if words else ''
    return values


def clean_env(venv, **extra):
    """No OS_* or PYTHON* from the caller's shell; the venv first on PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('OS_', 'PYTHON', 'VIRTUAL_ENV',
                                'TEMPEST_'))}
    env['PYTHONWARNINGS'] = 'ignore'
    env['PATH'] = os.path.join(venv, 'bin') + os.pathsep + \
        env.get('PATH', '/usr/bin:/bin')
    env.update(extra)
    return env
