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

"""The images web-download tests import, served from this process."""

import functools
import hashlib
import http.server
import os
import struct
import threading
import time

from gdcloud.util import env_int

from tempest_runner.common import Error
from tempest_runner.common import say


def qcow2_image(virtual_size=1 << 20):
    """A valid, empty qcow2 (v3) image: what `qemu-img create` writes.

    Header, refcount table, refcount block and L1 table, one 64 KiB
    cluster each; no backing file, no data file, no unknown features, so
    Glance's format inspector accepts it as qcow2.
    """
    cluster = 1 << 16
    header = struct.pack(
        '>4sIQIIQIIQQIIQQQQII',
        b'QFI\xfb', 3,          # magic, version
        0, 0,                   # backing file offset, size
        16, virtual_size,       # cluster_bits, size
        0,                      # crypt_method
        1, 3 * cluster,         # l1_size, l1_table_offset
        1 * cluster, 1,         # refcount_table_offset, _clusters
        0, 0,                   # nb_snapshots, snapshots_offset
        0, 0, 0,                # incompatible/compatible/autoclear features
        4, 104)                 # refcount_order, header_length
    header += struct.pack('>II', 0, 0)  # end of header extensions
    data = bytearray(4 * cluster)
    data[:len(header)] = header
    data[cluster:cluster + 8] = struct.pack('>Q', 2 * cluster)
    for i in range(4):                  # clusters 0-3 are in use
        data[2 * cluster + 2 * i:2 * cluster + 2 * i + 2] = b'\x00\x01'
    return bytes(data)


class WebServer(object):
    """Serve DIRECTORY on 127.0.0.1:PORT from a thread of this process."""

    def __init__(self, directory, port, log_path):
        self.requests = []
        self.log = open(log_path, 'a')
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, fmt, *args):
                line = '%s %s' % (time.strftime('%H:%M:%S'), fmt % args)
                server.requests.append(line)
                server.log.write(line + '\n')
                server.log.flush()

        handler = functools.partial(Handler, directory=directory)
        # The functional tests serve from the same port (the only one the
        # cloud's import filter lets through): wait for it like they do.
        deadline = time.time() + env_int('GD_WEB_PORT_WAIT', 150)
        waited = False
        while True:
            try:
                self.httpd = http.server.ThreadingHTTPServer(
                    ('127.0.0.1', port), handler)
                break
            except OSError as e:
                if time.time() > deadline:
                    raise Error(
                        'cannot serve the web-download images on '
                        '127.0.0.1:%d (%s); choose another port with '
                        'GD_WEB_PORT, one the cloud allows (tools/cloud '
                        'reads the same variable)' % (port, e))
                if not waited:
                    say('127.0.0.1:%d is busy (%s); waiting for it (up to '
                        'GD_WEB_PORT_WAIT seconds)' % (port, e))
                    waited = True
                time.sleep(1)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       name='web', daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
        self.log.close()


def prepare_web_files(directory):
    os.makedirs(directory, exist_ok=True)
    files = {
        'tempest-small.qcow2': qcow2_image(),
        # 1 MiB of raw data, deterministic.
        'tempest-small.raw': hashlib.sha512(b'glance-download').digest()
        * (1 << 14),
    }
    for name, data in files.items():
        path = os.path.join(directory, name)
        try:
            with open(path, 'rb') as f:
                if f.read() == data:
                    continue
        except FileNotFoundError:
            pass
        with open(path, 'wb') as f:
            f.write(data)
