"""Image data made up on the fly, so that a large test image never sits in
memory or on the tempest host's disk, and its hash is known before Glance
reports one."""

import hashlib
import os

MiB = 1024 * 1024


class Payload:
    """``size`` bytes: one random MiB repeated, cut at ``size``.

    Random per instance, so no two test images share their data (a copy
    that took another image's bytes would not hash the same).
    """

    def __init__(self, size):
        self.size = size
        self._block = os.urandom(min(size, MiB))
        h = hashlib.sha512()
        for chunk in self.chunks():
            h.update(chunk)
        self.sha512 = h.hexdigest()

    def chunks(self):
        left = self.size
        while left > 0:
            chunk = self._block[:left]
            left -= len(chunk)
            yield chunk

    def open(self):
        """A file-like object, what tempest's store_image_file reads."""
        return _Reader(self.chunks())


class _Reader:

    def __init__(self, chunks):
        self._chunks = chunks
        self._rest = b''

    def read(self, n=-1):
        while n < 0 or len(self._rest) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._rest += chunk
        if n < 0:
            n = len(self._rest)
        data, self._rest = self._rest[:n], self._rest[n:]
        return data
