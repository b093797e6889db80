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

"""records: what the server plugin writes for clients, and every reader
of it (the copy engine's, and the tempest plugin's, which cannot import
this package) reading it the same way."""

import importlib.util
import os

import testtools

from glance_download import records
import tests

REPO = tests.REPO
MiB = 1024 * 1024


def _tempest_plugin_progress():
    path = os.path.join(REPO, 'tempest-plugin',
                        'glance_download_tempest_plugin', 'progress.py')
    spec = importlib.util.spec_from_file_location('gd_tempest_progress',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# (done bytes, total bytes or None, origin, restarted), the message, and
# what it says in MiB.
VECTOR = [
    ((512 * MiB, 4096 * MiB, 'RegionOne', False),
     'Downloaded 512 of 4096 MiB from RegionOne', (512, 4096)),
    ((5 * MiB + 7, None, 'images.example.com', False),
     'Downloaded 5 MiB from images.example.com', (5, None)),
    ((3 * MiB, 9 * MiB, 'RegionOne', True),
     'Downloaded 3 of 9 MiB from RegionOne; started again from the first '
     'byte (the source cannot resume)', (3, 9)),
]


class ProgressMessageTest(testtools.TestCase):

    def test_written_and_read(self):
        tempest = _tempest_plugin_progress()
        for args, message, (done, total) in VECTOR:
            self.assertEqual(message, records.progress_message(*args))
            self.assertEqual((records.DOWNLOAD, done, total),
                             records.parse_progress(message))
            self.assertEqual((done, total), tempest.downloaded(message))

    def test_glances_store_copy(self):
        self.assertEqual((records.STORE, 300, None),
                         records.parse_progress('Copied 300 MiB'))

    def test_other_messages(self):
        tempest = _tempest_plugin_progress()
        for message in (None, '', 'Task failed due to Internal Error',
                        'Image format mismatch'):
            self.assertIsNone(records.parse_progress(message))
            self.assertIsNone(tempest.downloaded(message))
