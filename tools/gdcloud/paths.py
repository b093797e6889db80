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

"""Where the rest of the repository is, seen from this package."""

import os

PACKAGE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(PACKAGE)
REPO = os.path.dirname(TOOLS)
INSTALLER = os.path.join(TOOLS, 'install-into-glance')
FAULTPROXY = os.path.join(TOOLS, 'faultproxy')
FAULTS = os.path.join(REPO, 'tests', 'faults.py')
