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

"""staging: where Glance's later import tasks look for the data."""

import os

from glance.common import store_utils
import glance_store.multi_backend

from glance_download import errors
from glance_download import staging
from tests.unit import base


class StagingUriTest(base.TestCase):

    def test_single_store(self):
        self.assertEqual('file://%s/abc' % self.staging_dir,
                         staging.staging_uri('abc'))
        self.config(node_staging_uri='file:///var/staging/')
        self.assertEqual('file:///var/staging/abc',
                         staging.staging_uri('abc'))

    def test_multi_store(self):
        self.config(enabled_backends={'fast': 'file'})
        glance_store.multi_backend.register_store_opts(
            base.CONF, reserved_stores={'os_glance_staging_store': 'file'})
        for datadir in ('/srv/staging', '/srv/staging/'):
            self.config(group='os_glance_staging_store',
                        filesystem_store_datadir=datadir)
            self.assertEqual('file:///srv/staging/abc',
                             staging.staging_uri('abc'))
            # The same computation as Glance's own flow.
            separator, root = store_utils.get_dir_separator()
            self.assertEqual(separator.join((root, 'abc')),
                             staging.staging_uri('abc'))
        # node_staging_uri is ignored with multiple stores
        self.assertNotIn(self.staging_dir, staging.staging_uri('abc'))

    def test_not_a_file_uri(self):
        self.config(node_staging_uri='http://example/staging')
        exc = self.assertRaises(ValueError, staging.StagingFile, 'abc')
        self.assertIn('is not a file:// URI', str(exc))


class StagingFileTest(base.TestCase):

    def test_write_restart_delete(self):
        staged = staging.StagingFile('img')
        self.assertEqual(self.staged_path('img'), staged.path)
        with staged as sink:
            sink.write(b'abc')
            sink.write(b'def')
            sink.restart()
            sink.write(b'xy')
        with open(staged.path, 'rb') as f:
            self.assertEqual(b'xy', f.read())
        staged.delete()
        self.assertFalse(os.path.exists(staged.path))
        staged.delete()  # already gone: fine

    def test_creates_the_staging_directory(self):
        self.config(node_staging_uri='file://%s/sub/dir' % self.staging_dir)
        with staging.StagingFile('img') as sink:
            sink.write(b'1')
        self.assertTrue(os.path.exists(
            os.path.join(self.staging_dir, 'sub', 'dir', 'img')))


class _Partial:
    """A raw file that takes at most ``most`` bytes per write, as a disk
    that is filling up does.
    """

    def __init__(self, raw, most):
        self.raw = raw
        self.most = most

    def write(self, data):
        return self.raw.write(data[:self.most])

    def close(self):
        self.raw.close()


class StagingFailureTest(base.TestCase):
    """The OS refusing to stage is a reason, not an "Internal Error"."""

    def assert_import_failed(self, call, path, reason):
        exc = self.assertRaises(errors.ImportFailed, call)
        self.assertEqual(
            'Could not write the staging file %s: %s. Ask the operator to '
            'check the staging area (node_staging_uri, or '
            '[os_glance_staging_store] filesystem_store_datadir).'
            % (path, reason), str(exc))

    def test_disk_full(self):
        staged = staging.StagingFile('img')
        # /dev/full answers every write with ENOSPC, as a full disk does.
        os.symlink('/dev/full', staged.path)
        with staged as sink:
            self.assert_import_failed(lambda: sink.write(b'abc'),
                                      staged.path, 'No space left on device')

    def test_staging_directory_cannot_be_made(self):
        blocker = os.path.join(self.staging_dir, 'not-a-dir')
        open(blocker, 'w').close()
        self.config(node_staging_uri='file://%s/sub' % blocker)
        staged = staging.StagingFile('img')
        self.assert_import_failed(staged.__enter__, staged.path,
                                  'Not a directory')

    def test_partial_writes_are_completed(self):
        staged = staging.StagingFile('img')
        with staged as sink:
            sink._file = _Partial(sink._file, 1000)
            sink.write(b'x' * 2500)
            sink.write(b'y' * 10)
        with open(staged.path, 'rb') as f:
            self.assertEqual(b'x' * 2500 + b'y' * 10, f.read())
