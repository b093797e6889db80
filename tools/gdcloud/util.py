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

"""Small file and text helpers every module of the cloud tool uses."""

import hashlib
import os
import shlex


class CloudError(Exception):
    """A failure the CLI reports in one message, without a traceback."""


def log(msg):
    print('cloud: %s' % msg, flush=True)


def env_int(name, default):
    """A GD_* number (port, count, seconds), refused in one message if it
    is not one; tools/tempest and tools/bench read theirs with it too.
    """
    value = os.environ.get(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise CloudError('%s must be a whole number, not %r' % (name, value))


def read(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None


def write(path, text, mode=0o644):
    """Replace PATH atomically, so a reader never sees half a file."""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def ini(sections):
    out = []
    for section, opts in sections.items():
        out.append('[%s]' % section)
        out += ['%s = %s' % kv for kv in opts.items()]
        out.append('')
    return '\n'.join(out)


def shell_quote(s):
    return shlex.quote(str(s))


def indent(text):
    return ''.join('    %s\n' % line for line in text.splitlines())


def tail(path, lines):
    text = read(path)
    if text is None:
        return '(no log at %s)' % path
    return '\n'.join(text.splitlines()[-lines:])
