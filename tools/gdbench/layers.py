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

"""Glance 33's staging-to-store read path outside the cloud: the same
classes from the cloud venv (CooperativeReader and LimitingReader twice,
CallbackIterator, oslo.utils' InspectWrapper) around a staged file, then
read, hashed (sha512 + md5) and written as glance_store's file driver
does, per chunk size, with Glance's ``sleep(0)`` and without it (the
upstream fix doc/source/admin/tuning.rst proposes; patched in this process
only).
"""

import hashlib
import os
import tempfile
import time
import warnings

from gdbench import context

CHUNKS = (64 * 1024, context.MiB, 8 * context.MiB)


def staged_file(size, directory):
    path = os.path.join(directory, 'gd-bench-layers')
    block = os.urandom(context.MiB)
    with open(path, 'wb') as f:
        for _ in range(size // context.MiB):
            f.write(block)
    return path


def copy(path, out, chunk):
    """One copy through Glance's layers; (wall s, CPU s)."""
    from glance.common.scripts import utils as script_utils
    from glance.common import utils
    from glance_store.common import utils as store_utils
    from oslo_utils.imageutils import format_inspector

    t0, c0 = time.perf_counter(), time.process_time()
    data = utils.LimitingReader(utils.CooperativeReader(open(path, 'rb')),
                                1 << 50)
    data = script_utils.CallbackIterator(data, lambda *a: None,
                                         min_interval=60)
    data = format_inspector.InspectWrapper(data)
    data = utils.wrap_data_for_store_upload(data, 1 << 50)
    sha, md5 = hashlib.sha512(), hashlib.md5()
    with open(out, 'wb') as f:
        for buf in store_utils.chunkreadable(data, chunk):
            sha.update(buf)
            md5.update(buf)
            f.write(buf)
    os.unlink(out)
    return time.perf_counter() - t0, time.process_time() - c0


def measure(size, repeat, directory=None):
    """[(chunk, 'sleep(0)' or 'no sleep', wall s, CPU s)], best of
    REPEAT, interleaved.
    """
    with warnings.catch_warnings():
        # futurist, imported by Glance, warns that eventlet is deprecated
        warnings.simplefilter('ignore')
        from glance.common import utils
    real_sleep = utils.sleep
    directory = directory or context.STATE.path('glance2', 'staging')
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        path = staged_file(size, tmp)
        out = os.path.join(tmp, 'store-copy')
        best = {}
        for _ in range(repeat):
            for chunk in CHUNKS:
                for variant, fn in (('sleep(0)', real_sleep),
                                    ('no sleep', lambda s: None)):
                    utils.sleep = fn
                    try:
                        wall, cpu = copy(path, out, chunk)
                    finally:
                        utils.sleep = real_sleep
                    key = (chunk, variant)
                    if key not in best or wall < best[key][0]:
                        best[key] = (wall, cpu)
    return [(chunk, variant) + best[(chunk, variant)]
            for chunk, variant in sorted(best)]
