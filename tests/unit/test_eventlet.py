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

"""The copy loop in a glance-api monkey-patched by eventlet (28-32's
standalone command): the hub keeps running while chunks are hashed, and
the data and the hash stay right.

Each case runs in its own process: monkey patching cannot be undone.
"""

import json
import subprocess
import sys
import threading

from glance_download import host
import tests
from tests.unit import base


class EventletCopyTest(base.TestCase):

    @classmethod
    def setUpClass(cls):
        # One process for both copies: importing Glance takes most of it.
        # 32 MiB in 1 MiB chunks, each update waiting up to 30 s (a
        # deadlock guard, not a speed limit) for a tick; the control copies
        # 3 MiB with 0.3 s of patience.
        super().setUpClass()
        out = subprocess.run(
            [sys.executable, '-m', 'tests.unit.eventlet_copy', '32', '30',
             '3', '0.3'],
            cwd=tests.REPO, capture_output=True, text=True, timeout=600,
            check=True)
        cls.results = {r['mode']: r for r in map(
            json.loads, out.stdout.strip().splitlines()[-2:])}

    def test_hub_runs_while_chunks_are_hashed(self):
        result = self.results['offload']
        self.assertTrue(result['patched'])
        self.assertIsNone(result['error'])
        self.assertEqual(32 * 1024 * 1024, result['size'])
        self.assertTrue(result['data_ok'])
        self.assertEqual(32, result['updates'])
        self.assertEqual(0, result['stalls'])

    def test_control_hashing_on_the_hub_stops_it(self):
        # The same copy with the hash updates made on the hub's thread:
        # no tick can come while one waits, so each one stalls. This is
        # what the test above would see without host.offload.
        result = self.results['inline']
        self.assertTrue(result['patched'])
        self.assertIsNone(result['error'])
        self.assertTrue(result['data_ok'])
        self.assertEqual(3, result['updates'])
        self.assertEqual(3, result['stalls'])


class OffloadWithoutEventletTest(base.TestCase):

    def test_called_in_place(self):
        # Native threads (uWSGI, Glance 33, this test process): no thread
        # pool in between.
        self.assertFalse(host._eventlet_patched_threads())
        self.assertEqual(threading.get_ident(),
                         host.offload(threading.get_ident))
