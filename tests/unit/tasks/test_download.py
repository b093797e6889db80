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

"""tasks.download.StageImageData through its two subclasses.

The Glance side is Glance's real ImportActionWrapper over domain objects
in fake repositories; the other region is a real HTTP server.
"""

import os
from unittest import mock

import fixtures
from glance.common import exception as glance_exception
import glance_store.multi_backend
from taskflow.types import failure

from glance_download import errors
from glance_download import glance_task
from glance_download import opts
from glance_download.plugins import glance_download as gd_plugin
from glance_download.plugins import web_download as wd_plugin
from glance_download import remote_glance
from tests import faults
from tests.unit import base
from tests.unit import fakes

MiB = 1024 * 1024


class DownloadTaskTest(base.TestCase):

    size = MiB + 3000

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(fakes.FakeGlanceServer())
        self.allow_ports(self.server)
        self.data = os.urandom(self.size)
        self.record = self.server.add_image(self.data)
        self.host = fakes.GlanceHost(stores=['fast', 'cheap'])
        self.ctx = fakes.context('tok', fakes.catalog_v2(
            ('RegionOne', self.server.url)))

    def every_progress_call_counts(self):
        real = glance_task.Progress
        self.useFixture(fixtures.MonkeyPatch(
            'glance_download.glance_task.Progress',
            lambda *args: real(*args[:-1], 0.0)))

    def task(self, error=None):
        remote = remote_glance.RemoteImage(self.ctx, base.CONF, 'RegionOne',
                                           'public', self.record['id'])
        expected = remote.expected(
            self.record, base.CONF[opts.TRANSFER_GROUP].verify_checksum)
        return gd_plugin.GlanceDownload(
            remote, expected, error, context=self.ctx,
            task_id=self.host.task_id,
            task_type='api_image_import',
            action_wrapper=self.host.action_wrapper, stores=self.host.stores,
            task_repo=self.host.task_repo, image_repo=self.host.image_repo)

    def staged_file(self):
        return self.staged_path(self.host.image_id)

    def assert_fails(self, task, *fragments):
        exc = self.assertRaises(glance_exception.UploadException,
                                task.execute)
        self.assertIsInstance(exc, errors.ImportFailed)
        for fragment in fragments:
            self.assertIn(fragment, str(exc))
        return exc

    def test_name(self):
        self.assertEqual('api_image_import-GlanceDownload-%s'
                         % self.host.task_id, self.task().name)

    def test_success(self):
        task = self.task()
        uri = task.execute()
        self.assertEqual('file://%s' % self.staged_file(), uri)
        with open(self.staged_file(), 'rb') as f:
            self.assertEqual(self.data, f.read())
        self.assertEqual(self.size, self.server.bytes_served)
        self.assertIn('staged %d bytes from image %s in region RegionOne, '
                      'sha512 verified' % (self.size, self.record['id']),
                      self.logs.output)
        # Nothing changed on the image: that is SetImageMetadata's job.
        self.assertEqual('importing', self.host.image.status)

    def test_success_multi_store_staging(self):
        staging_dir = self.useFixture(fixtures.TempDir()).path
        self.config(enabled_backends={'fast': 'file', 'cheap': 'file'})
        glance_store.multi_backend.register_store_opts(
            base.CONF, reserved_stores={'os_glance_staging_store': 'file'})
        self.config(group='os_glance_staging_store',
                    filesystem_store_datadir=staging_dir)
        uri = self.task().execute()
        path = os.path.join(staging_dir, self.host.image_id)
        self.assertEqual('file://' + path, uri)
        self.assertEqual(self.size, os.path.getsize(path))
        self.assertFalse(os.path.exists(self.staged_file()))

    def test_progress_written_to_the_task(self):
        self.every_progress_call_counts()
        self.task().execute()
        messages = [m for _s, m in self.host.task_repo.saved]
        self.assertEqual('Downloaded 0 of 1 MiB from RegionOne', messages[0])
        self.assertEqual('Downloaded 1 of 1 MiB from RegionOne',
                         messages[-1])
        # One message per piece read (at most a 64 KiB chunk each).
        self.assertGreaterEqual(len(messages), self.size // (64 * 1024) + 1)

    def test_hash_mismatch(self):
        self.server.script(faults.Flip(12345))
        self.assert_fails(self.task(), 'does not match the source image',
                          'sha512', self.record['os_hash_value'])

    def test_no_verification_when_turned_off(self):
        self.config(group=opts.TRANSFER_GROUP, verify_checksum=False)
        self.server.script(faults.Flip(12345))
        self.task().execute()
        self.assertNotIn('verified', self.logs.output)

    def test_more_than_the_image_size(self):
        self.server.script(faults.Oversize(extra=100))
        self.assert_fails(self.task(), 'sent more data than expected '
                          '(over %d bytes)' % self.size)
        self.assertLessEqual(os.path.getsize(self.staged_file()), self.size)

    def test_announced_more_than_the_image_size(self):
        self.server.script(faults.Oversize(announce=True, extra=1))
        self.assert_fails(self.task(), 'announced %d bytes but the image '
                          'has %d' % (self.size + 1, self.size))

    def test_image_size_cap(self):
        self.config(image_size_cap=self.size - 1)
        self.assert_fails(self.task(), 'The image is %d bytes, more than '
                          'this Glance accepts (image_size_cap = %d)'
                          % (self.size, self.size - 1))
        self.assertEqual([], self.server.data_requests())

    def test_short_body_after_retries(self):
        self.server.script(*[faults.Close(1000)] * 3)
        self.assert_fails(self.task(), 'closed the connection before the '
                          'end of the data', 'Gave up after 3 attempts '
                          '(3000 of %d bytes received)' % self.size)
        self.assertEqual(3, len(self.server.data_requests()))

    def test_resumes_within_the_task(self):
        self.server.script(faults.Close(300000), faults.Stall(
            200000, hold=0.5))
        self.task().execute()
        with open(self.staged_file(), 'rb') as f:
            self.assertEqual(self.data, f.read())
        self.assertEqual([None, 'bytes=300000-', 'bytes=500000-'],
                         [h.get('range')
                          for h in self.server.data_requests()])

    def test_client_errors(self):
        for code, text in ((401, 'credentials were not accepted'),
                           (403, 'access is forbidden'),
                           (404, 'it was not found')):
            self.server.script(faults.Status(code))
            self.assert_fails(self.task(), 'answered HTTP %d' % code, text)

    def test_cancelled_when_image_deleted(self):
        self.every_progress_call_counts()
        self.host.image_repo.delete(self.host.image_id)
        exc = self.assert_fails(self.task(), 'was deleted during the '
                                'download')
        self.assertIsInstance(exc, errors.ImportCancelled)
        self.assertEqual(1, len(self.server.data_requests()))

    def test_cancelled_when_task_no_longer_processing(self):
        self.every_progress_call_counts()
        self.host.task.fail('Task failed due to Internal Error')
        exc = self.assert_fails(self.task(), 'is no longer processing')
        self.assertIsInstance(exc, errors.ImportCancelled)

    def test_error_found_while_building_the_flow(self):
        error = errors.ImportFailed('Region X has no image endpoint')
        exc = self.assert_fails(self.task(error=error),
                                'Region X has no image endpoint')
        self.assertIs(error, exc)
        self.assertEqual([], self.server.data_requests())

    def test_disk_full_while_staging(self):
        # /dev/full refuses every write with ENOSPC, as a full disk does.
        os.symlink('/dev/full', self.staged_file())
        task = self.task()
        exc = self.assert_fails(
            task, 'Could not write the staging file %s: No space left on '
            'device.' % self.staged_file())
        self.assertNotIn('Internal Error', str(exc))
        self.assertEqual(1, len(self.server.data_requests()))
        task.revert(result=failure.Failure.from_exception(exc))
        self.assertFalse(os.path.lexists(self.staged_file()))
        self.assertEqual('cheap,fast', self.host.image.extra_properties[
            'os_glance_failed_import'])

    def test_revert_cleans_up_but_leaves_status_to_glance(self):
        task = self.task()
        self.server.script(faults.Flip(0))
        exc = self.assertRaises(errors.ImportFailed, task.execute)
        self.assertTrue(os.path.exists(self.staged_file()))
        task.revert(result=failure.Failure.from_exception(exc))
        self.assertFalse(os.path.exists(self.staged_file()))
        image = self.host.image
        props = dict(image.extra_properties)
        self.assertEqual('', props['os_glance_importing_to_stores'])
        self.assertEqual('cheap,fast', props['os_glance_failed_import'])
        # glance-download: Glance's _ImportMetadata.revert sets queued.
        self.assertEqual('importing', image.status)
        self.assertEqual(self.host.task_id, props['os_glance_import_task'])
        # Glance's executor fails the task with our message once every
        # step is reverted (the image queued): not us, not before.
        self.assertEqual('processing', self.host.task.status)

    def test_reason_recorded_at_once_when_the_image_is_gone(self):
        # Glance's own revert will fail on the deleted image after ours;
        # the task says why first.
        task = self.task()
        task.execute()
        self.host.image_repo.delete(self.host.image_id)
        error = errors.ImportCancelled('Image was deleted')
        task.revert(result=failure.Failure.from_exception(error))
        self.assertEqual(('failure', 'Image was deleted'),
                         (self.host.task.status, self.host.task.message))

    def test_revert_after_a_later_task_failed_leaves_the_task(self):
        task = self.task()
        task.execute()
        task.revert(result='file:///staged')
        self.assertEqual('processing', self.host.task.status)

    def test_revert_of_an_unexpected_error_leaves_the_task(self):
        task = self.task()
        task.revert(result=failure.Failure.from_exception(KeyError('x')))
        self.assertEqual('processing', self.host.task.status)

    def test_reason_recorded_even_if_the_task_cannot_be_saved(self):
        task = self.task()
        task.execute()
        self.host.image_repo.delete(self.host.image_id)
        error = errors.ImportFailed('broken')
        with mock.patch.object(self.host.task_repo, 'save',
                               side_effect=RuntimeError('db gone')):
            task.revert(result=failure.Failure.from_exception(error))
        self.assertIn('Could not record why task', self.logs.output)
        self.assertFalse(os.path.exists(self.staged_file()))

    def test_revert_before_anything_was_staged(self):
        task = self.task(error=errors.ImportFailed('no'))
        self.assertRaises(errors.ImportFailed, task.execute)
        task.revert(result=None)
        self.assertEqual('cheap,fast', dict(self.host.image.extra_properties)
                         ['os_glance_failed_import'])

    def test_revert_tolerates_a_deleted_image(self):
        task = self.task()
        task.execute()
        self.host.image_repo.delete(self.host.image_id)
        task.revert(result=None)
        self.assertFalse(os.path.exists(self.staged_file()))
        self.assertIn('is gone; nothing to restore', self.logs.output)


class WebDownloadTaskTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.two_servers(200000)
        self.server.route('/images/cirros.img', self.data)
        self.other.route('/mirror/cirros.img', self.data)
        self.host = fakes.GlanceHost(stores=[None])

    def task(self, path='/images/cirros.img', server=None):
        return wd_plugin.WebDownload(
            (server or self.server).url + path, context=fakes.context(),
            task_id=self.host.task_id, task_type='api_image_import',
            action_wrapper=self.host.action_wrapper, stores=self.host.stores,
            task_repo=self.host.task_repo, image_repo=self.host.image_repo)

    def staged(self):
        with open(self.staged_path(self.host.image_id), 'rb') as f:
            return f.read()

    def test_success(self):
        task = self.task()
        self.assertEqual('api_image_import-WebDownload-%s'
                         % self.host.task_id, task.name)
        self.assertEqual('file://' + self.staged_path(self.host.image_id),
                         task.execute())
        self.assertEqual(self.data, self.staged())
        self.assertNotIn('x-auth-token',
                         self.server.requests_to('/cirros.img')[0])

    def test_unknown_size_is_bounded_by_image_size_cap(self):
        self.config(image_size_cap=100000)
        self.server.script(faults.NoLength())
        exc = self.assertRaises(glance_exception.UploadException,
                                self.task().execute)
        self.assertIn('sent more data than expected (over 100000 bytes)',
                      str(exc))
        self.assertLessEqual(len(self.staged()), 100000)

    def test_announced_size_over_image_size_cap(self):
        self.config(image_size_cap=100000)
        exc = self.assertRaises(glance_exception.UploadException,
                                self.task().execute)
        self.assertIn('announced 200000 bytes, more than the 100000',
                      str(exc))

    def test_resume(self):
        self.server.script(faults.Close(70000))
        self.task().execute()
        self.assertEqual(self.data, self.staged())
        self.assertEqual('bytes=70000-', self.server.requests_to(
            '/cirros.img')[1]['range'])

    def test_url_refused_by_import_filter(self):
        self.allow_ports(self.other)
        exc = self.assertRaises(glance_exception.UploadException,
                                self.task().execute)
        self.assertIn("The image URL (%s/images/cirros.img) is not allowed "
                      "by this Glance's [import_filtering_opts]"
                      % self.server.url, str(exc))
        self.assertEqual([], self.server.requests)

    def test_redirect_to_another_allowed_server(self):
        self.server.script(faults.Redirect(self.other.url +
                                           '/mirror/cirros.img'))
        self.task().execute()
        self.assertEqual(self.data, self.staged())
        self.assertEqual(1, len(self.other.requests))

    def test_redirect_refused_by_import_filter(self):
        self.allow_ports(self.server)
        self.server.script(faults.Redirect(self.other.url +
                                           '/mirror/cirros.img'))
        exc = self.assertRaises(glance_exception.UploadException,
                                self.task().execute)
        self.assertIn("redirected to a URL this Glance refuses: The image "
                      "URL (%s/mirror/cirros.img) is not allowed by this "
                      "Glance's [import_filtering_opts]" % self.other.url,
                      str(exc))
        self.assertEqual([], self.other.requests)

    def test_revert_requeues(self):
        task = self.task()
        self.server.script(faults.Status(404))
        exc = self.assertRaises(errors.ImportFailed, task.execute)
        self.assertIn('HTTP 404', str(exc))
        task.revert(result=failure.Failure.from_exception(exc))
        self.assertEqual('queued', self.host.image.status)
        self.assertFalse(os.path.exists(self.staged_path(
            self.host.image_id)))

    def test_revert_leaves_a_non_importing_image(self):
        task = self.task()
        task.execute()
        self.host.set_image_status('active')
        task.revert(result=None)
        self.assertEqual('active', self.host.image.status)
