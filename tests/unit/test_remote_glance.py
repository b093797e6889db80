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

"""remote_glance.RemoteImage: the source image, read as the caller."""

import hashlib
import os

import fixtures
from glance.common import exception as glance_exception
from keystoneauth1 import token_endpoint

from glance_download import errors
from glance_download import opts
from glance_download import remote_glance
from glance_download import sessions
from tests import faults
from tests.unit import base
from tests.unit import fakes

TOKEN = 'caller-token-remote'


class RemoteImageTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(fakes.FakeGlanceServer())
        self.allow_ports(self.server)
        self.data = os.urandom(2000)
        self.image = self.server.add_image(self.data, hw_disk_bus='scsi')

    def remote(self, image_id=None, url=None, interface='public'):
        ctx = fakes.context(TOKEN, fakes.catalog_v2(
            ('RegionOne', url or self.server.url + '/v2/')))
        return remote_glance.RemoteImage(
            ctx, base.CONF, 'regionone', interface,
            image_id or self.image['id'])

    def test_describe(self):
        remote = self.remote()
        self.assertEqual('%s/v2/images/%s' % (self.server.url,
                                              self.image['id']),
                         remote.image_url)
        self.assertEqual(self.image, remote.describe())
        (headers,) = self.server.requests_to(self.image['id'])
        self.assertEqual(TOKEN, headers['x-auth-token'])
        self.assertEqual('application/json', headers['accept'])
        self.assertEqual('image %s in region regionone' % self.image['id'],
                         remote.label)

    def test_describe_sends_the_callers_token_alone(self):
        # Glance's own metadata step sends only the caller's token; so does
        # describe(), so a token Glance would refuse is refused here first.
        # The data request carries the service token as well.
        self.config(group=opts.SERVICE_USER_GROUP,
                    send_service_user_token=True)
        self.addCleanup(setattr, sessions, '_service_auth', None)
        sessions._service_auth = token_endpoint.Token(None, 'service-tok')
        remote = self.remote()
        remote.describe()
        source = remote.data()
        stream = source.open()
        stream.close()
        (record,) = self.server.requests_to(self.image['id'])
        self.assertEqual(TOKEN, record['x-auth-token'])
        self.assertNotIn('x-service-token', record)
        (data,) = self.server.data_requests()
        self.assertEqual(TOKEN, data['x-auth-token'])
        self.assertEqual('service-tok', data['x-service-token'])

    def test_endpoint_refused_by_import_filter(self):
        self.config(group='import_filtering_opts', allowed_ports=[80, 443])
        exc = self.assertRaises(errors.ImportFailed, self.remote)
        self.assertIsInstance(exc, glance_exception.UploadException)
        self.assertEqual(
            "the public image endpoint of region regionone (%s) is not "
            "allowed by this Glance's [import_filtering_opts]: %s for "
            "external URI: %s/." % (self.server.url,
                                    base.rule_refused('port'),
                                    self.server.url), str(exc))
        self.assertEqual([], self.server.requests)

    def test_token_refused(self):
        self.server.script_record(faults.Status(401))
        exc = self.assertRaises(errors.ImportFailed, self.remote().describe)
        self.assertEqual(
            'Region regionone did not accept your token (HTTP 401) when '
            'this import of image %s started: it has most likely expired, '
            'for instance while the import waited in the queue. Start the '
            'import again with a new token. (A service token does not help '
            'here: Glance itself reads the image record with your token '
            'alone before the download starts.)' % self.image['id'],
            str(exc))

    def test_missing_or_forbidden(self):
        for code in (403, 404):
            self.server.script_record(faults.Status(code))
            exc = self.assertRaises(errors.ImportFailed,
                                    self.remote().describe)
            self.assertEqual(
                'Image %s was not found in region regionone, or you are not '
                'allowed to read it (HTTP %d).' % (self.image['id'], code),
                str(exc))

    def test_unknown_image(self):
        exc = self.assertRaises(errors.ImportFailed,
                                self.remote(image_id='nope').describe)
        self.assertIn('Image nope was not found in region regionone',
                      str(exc))

    def retries(self, count):
        self.config(group=opts.TRANSFER_GROUP, max_retries=count,
                    retry_delay=0.0)

    def test_server_error_is_retried(self):
        self.retries(2)
        self.server.script_record(faults.Status(503), faults.Status(502))
        self.assertEqual(self.image['id'], self.remote().describe()['id'])
        self.assertEqual(3, len(self.server.requests_to(self.image['id'])))

    def test_server_error(self):
        self.retries(2)
        self.server.script_record(*[faults.Status(503)] * 3)
        exc = self.assertRaises(errors.ImportFailed, self.remote().describe)
        self.assertEqual('The image API of region regionone answered HTTP '
                         '503 for image %s.' % self.image['id'], str(exc))
        self.assertEqual(3, len(self.server.requests_to(self.image['id'])))

    def test_client_error_is_not_retried(self):
        self.retries(2)
        self.server.script_record(faults.Status(403))
        self.assertRaises(errors.ImportFailed, self.remote().describe)
        self.assertEqual(1, len(self.server.requests_to(self.image['id'])))

    def test_unreachable(self):
        self.retries(1)
        self.server.script_record(*[faults.StallHeaders(hold=0.5)] * 2)
        exc = self.assertRaises(errors.ImportFailed, self.remote().describe)
        self.assertIn('Could not reach the image API of region regionone',
                      str(exc))
        self.assertEqual(2, len(self.server.requests_to(self.image['id'])))

    def test_not_active(self):
        image = self.server.add_image(b'', status='queued', size=None)
        exc = self.assertRaises(errors.ImportFailed,
                                self.remote(image['id']).describe)
        self.assertEqual('Image %s in region regionone is queued, not '
                         'active: only active images can be imported.'
                         % image['id'], str(exc))

    def test_no_size(self):
        image = self.server.add_image(b'x', size=None)
        exc = self.assertRaises(errors.ImportFailed,
                                self.remote(image['id']).describe)
        self.assertIn('has no size, so its data cannot be checked',
                      str(exc))

    def test_expected_uses_the_multihash(self):
        expected = self.remote().expected(self.image, True)
        self.assertEqual((2000, 2000, 'sha512',
                          hashlib.sha512(self.data).hexdigest()),
                         (expected.size, expected.limit, expected.hash_algo,
                          expected.hash_value))

    def refuse_hashes(self, *refused):
        """Make hashlib refuse ``refused``, as a FIPS-mode host refuses
        md5 (the names stay in hashlib.algorithms_available).
        """
        real = hashlib.new

        def new(name, *args, **kwargs):
            if name in refused:
                raise ValueError('unsupported hash type %s' % name)
            return real(name, *args, **kwargs)
        self.useFixture(fixtures.MockPatch('hashlib.new', new))

    def test_expected_falls_back_to_md5(self):
        for record in (dict(self.image, os_hash_algo=None,
                            os_hash_value=None),
                       dict(self.image, os_hash_algo='no-such-algo')):
            expected = self.remote().expected(record, True)
            self.assertEqual(('md5', hashlib.md5(self.data).hexdigest()),
                             (expected.hash_algo, expected.hash_value))
        self.assertIn('WARNING glance_download.remote_glance image %s in '
                      'region regionone records its hash as no-such-algo, '
                      'which this host cannot compute; checking its md5 '
                      'checksum instead' % self.image['id'],
                      self.logs.output)

    def test_expected_falls_back_to_md5_when_hashlib_refuses(self):
        self.assertIn('sha512', hashlib.algorithms_available)
        self.refuse_hashes('sha512')
        expected = self.remote().expected(self.image, True)
        self.assertEqual(('md5', hashlib.md5(self.data).hexdigest()),
                         (expected.hash_algo, expected.hash_value))
        self.assertIn('records its hash as sha512, which this host cannot '
                      'compute', self.logs.output)

    def test_expected_fails_when_no_recorded_hash_can_be_computed(self):
        self.refuse_hashes('sha512', 'md5')
        exc = self.assertRaises(errors.ImportFailed,
                                self.remote().expected, self.image, True)
        self.assertEqual(
            'Image %s in region regionone can only be checked with sha512 '
            'or md5, which this Glance host cannot compute (hashlib refuses '
            'it, for example an unknown name or md5 in FIPS mode), so its '
            'data cannot be verified.' % self.image['id'], str(exc))

    def test_expected_fails_on_an_unknown_algorithm_without_checksum(self):
        record = dict(self.image, os_hash_algo='sha3_999', checksum=None)
        exc = self.assertRaises(errors.ImportFailed,
                                self.remote().expected, record, True)
        self.assertIn('can only be checked with sha3_999, which this Glance '
                      'host cannot compute', str(exc))

    def test_expected_without_any_hash(self):
        record = dict(self.image, os_hash_value=None, checksum=None)
        expected = self.remote().expected(record, True)
        self.assertIsNone(expected.hash_value)
        self.assertEqual(2000, expected.size)
        self.assertIn('records no hash; only its size is checked',
                      self.logs.output)

    def test_expected_without_any_hash_refused_when_required(self):
        self.config(group=opts.TRANSFER_GROUP, require_source_hash=True)
        record = dict(self.image, os_hash_value=None, checksum=None)
        exc = self.assertRaises(errors.ImportFailed,
                                self.remote().expected, record, True)
        self.assertEqual(
            'Image %s in region regionone records no hash of its data (no '
            'os_hash_value, no checksum), and this Glance refuses to import '
            'such images ([glance_download] require_source_hash).'
            % self.image['id'], str(exc))
        # Nothing is checked at all when verification is turned off.
        self.assertIsNone(self.remote().expected(record, False).hash_value)

    def test_expected_when_verification_is_off(self):
        expected = self.remote().expected(self.image, False)
        self.assertEqual((2000, None), (expected.size, expected.hash_value))

    def test_data_source(self):
        source = self.remote().data()
        self.assertEqual(self.server.file_url(self.image['id']), source.url)
        self.assertTrue(source.authenticated)
        self.assertEqual((2.0, 0.2), source.timeouts)
