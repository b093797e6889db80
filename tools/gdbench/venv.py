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

"""Run the bench with the cloud venv's python: it imports the same
requests, keystoneauth1 and glanceclient the cloud runs, and matplotlib
from there for the plot.
"""

import os
import sys

from gdbench import context


def reexec():
    """Replace this process by the venv's python, before anything imports
    the clients (a no-op when already there).
    """
    if os.path.realpath(sys.prefix) == os.path.realpath(context.VENV) or \
            os.environ.get('GD_BENCH_REEXEC') == '1':
        return
    if not os.path.exists(context.VENV_PY):
        sys.exit('bench: no cloud venv at %s (tools/cloud up first)'
                 % context.VENV)
    os.environ['GD_BENCH_REEXEC'] = '1'
    os.execv(context.VENV_PY, [context.VENV_PY] + sys.argv)
