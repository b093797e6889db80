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

"""Glance's staging area, seen from a plugin.

Glance's later tasks (``_VerifyStaging``, ``_ImportToStore``,
``_DeleteFromFS``) do not take the path from the plugin: they compute it
themselves, from ``[os_glance_staging_store] filesystem_store_datadir``
with multiple stores and from ``node_staging_uri`` without. The data must
therefore land exactly there. We write the file ourselves rather than
through glance_store's ``add()`` because a resumed transfer appends to the
bytes already staged, which ``add()`` cannot do.
"""

import contextlib
import os

from oslo_config import cfg

from glance_download import errors
from glance_download import host

CONF = cfg.CONF
_FILE_SCHEME = 'file://'


def staging_uri(image_id):
    """The ``file://`` URI Glance's import flow reads ``image_id`` from.

    Same computation as ``glance.async_.flows.api_image_import.get_flow``.
    """
    if CONF.enabled_backends:
        separator, staging_dir = host.get_dir_separator()
    else:
        staging_dir = CONF.node_staging_uri
        separator = '' if staging_dir.endswith('/') else '/'
    return separator.join((staging_dir, str(image_id)))


class StagingFile:
    """The staged copy of one image, written in place as data arrives."""

    def __init__(self, image_id):
        self.uri = staging_uri(image_id)
        if not self.uri.startswith(_FILE_SCHEME):
            raise ValueError('staging area %s is not a file:// URI' % self.uri)
        self.path = self.uri[len(_FILE_SCHEME):]
        self._file = None

    @contextlib.contextmanager
    def _writing(self):
        """Turn the OS's refusal (a full disk, permissions, a read-only
        file system) into a reason the task can show, instead of Glance's
        "Internal Error".
        """
        try:
            yield
        except OSError as exc:
            raise errors.ImportFailed(
                'Could not write the staging file %s: %s. Ask the operator '
                'to check the staging area (node_staging_uri, or '
                '[os_glance_staging_store] filesystem_store_datadir).'
                % (self.path, exc.strerror or type(exc).__name__))

    def __enter__(self):
        with self._writing():
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            # Unbuffered: chunks are large, a buffer would only add a copy.
            self._file = open(self.path, 'wb', buffering=0)
        return self

    def __exit__(self, *exc_info):
        self._file.close()
        self._file = None

    def write(self, chunk):
        # An unbuffered write may take only part of the chunk (the disk
        # filling up takes what fits, then refuses the rest with ENOSPC).
        rest = memoryview(chunk)
        with self._writing():
            while rest:
                rest = rest[self._file.write(rest):]

    def restart(self):
        """Drop everything written so far (the source could not resume)."""
        with self._writing():
            self._file.seek(0)
            self._file.truncate()

    def delete(self):
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
