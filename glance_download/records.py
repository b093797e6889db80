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

"""What the server plugin leaves in Glance for clients to read.

The plugin runs inside glance-api; ``openstack image copy``, the dashboard
and the tempest plugin read what it wrote through Glance's API. The names
and formats they share are defined here once, in a module that imports
nothing, so that the client side can use it without any server code.
"""

import re

# The hash the downloaded data was verified against: "<os_hash_algo>:<hex
# digest>" of the source image (or "md5:<checksum>"). Users cannot write
# os_glance_* properties (Glance's API refuses that namespace to everyone),
# so a client may trust it: an image whose own size and hash differ from the
# source's (converted by an import plugin such as image_conversion) was
# made from the source's verified data.
VERIFIED_HASH = 'os_glance_download_verified_hash'


# -- the import task's progress message ---------------------------------------
#
# While the data arrives the plugin writes "Downloaded 512 of 4096 MiB from
# RegionOne" into the import task ("Downloaded 512 MiB from <host>" when the
# size is not known), with "; started again from the first byte (the
# source cannot resume)" once a resume had to start over; Glance then
# writes "Copied 300 MiB" while it copies the staged data into its store.

DOWNLOAD = 'download'
STORE = 'store'
_MiB = 1024 * 1024
_RESTARTED = '; started again from the first byte (the source cannot resume)'
_DOWNLOADED = re.compile(r'Downloaded (\d+)(?: of (\d+))? MiB')
_COPIED = re.compile(r'Copied (\d+) MiB')


def progress_message(done, total, origin, restarted=False):
    """The plugin's message for ``done`` of ``total`` bytes (None: not
    known) from ``origin``.
    """
    if total:
        text = 'Downloaded %d of %d MiB from %s' % (
            done // _MiB, total // _MiB, origin)
    else:
        text = 'Downloaded %d MiB from %s' % (done // _MiB, origin)
    return text + (_RESTARTED if restarted else '')


def parse_progress(message):
    """``(phase, done_mib, total_mib or None)`` from an import task's
    message (DOWNLOAD: the plugin's; STORE: Glance's), or None.
    """
    match = _DOWNLOADED.search(message or '')
    if match:
        total = match.group(2)
        return DOWNLOAD, int(match.group(1)), total and int(total)
    match = _COPIED.search(message or '')
    if match:
        return STORE, int(match.group(1)), None
    return None
