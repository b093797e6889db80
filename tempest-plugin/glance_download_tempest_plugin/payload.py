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

"""Image data made up on the fly, so that a large test image never sits in
memory or on the tempest host's disk."""

import hashlib
import os

MiB = 1024 * 1024


class Payload:
    """``size`` bytes: one random MiB repeated, cut at ``size``.

    Random per instance, so no two test images share their data (a copy
    that took another image's bytes would not hash the same). Its sha512
    is known once it has been read to the end, by the upload itself (one
    pass over the data, not two).
    """

    def __init__(self, size):
        self.size = size
        self.sha512 = None
        self._block = os.urandom(min(size, MiB))

    def chunks(self):
        view = memoryview(self._block)
        left = self.size
        while left > 0:
            chunk = view[:left]
            left -= len(chunk)
            yield chunk

    def open(self):
        """A file-like object, what tempest's store_image_file reads."""
        return _Reader(self)


class _Reader:
    """read(n) over the payload's chunks, hashing what it hands out."""

    def __init__(self, payload):
        self._payload = payload
        self._chunks = payload.chunks()
        self._hash = hashlib.sha512()
        self._chunk = b''
        self._offset = 0

    def read(self, n=-1):
        parts = []
        while n != 0:
            if self._offset == len(self._chunk):
                self._chunk = next(self._chunks, None)
                self._offset = 0
                if self._chunk is None:
                    self._chunk = b''
                    break
            end = len(self._chunk) if n < 0 else min(
                len(self._chunk), self._offset + n)
            parts.append(self._chunk[self._offset:end])
            if n > 0:
                n -= end - self._offset
            self._offset = end
        data = b''.join(parts)
        self._hash.update(data)
        if not data or self._chunk == b'':
            self._payload.sha512 = self._hash.hexdigest()
        return data
