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

"""The glance-download plugin's progress message, as the tests read it.

The plugin writes "Downloaded 512 of 4096 MiB from RegionOne" into the
import task while the data arrives ("Downloaded 512 MiB from <host>" when
the size is not known). This distribution installs into tempest's
environment without the plugin, so it cannot import the plugin's own
parser (``glance_download.records``); the project's unit tests check that
this one reads what that one writes.
"""

import re

_DOWNLOADED = re.compile(r'Downloaded (\d+)(?: of (\d+))? MiB')


def downloaded(message):
    """``(downloaded MiB, total MiB or None)`` of a progress message, or
    None for any other message.
    """
    match = _DOWNLOADED.search(message or '')
    if match:
        return int(match.group(1)), match.group(2) and int(match.group(2))
    return None
