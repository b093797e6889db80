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

"""The plugins' get_flow, as Glance calls it, and the flows they build."""

from importlib import metadata as importlib_metadata
import os
from unittest import mock

import fixtures
from glance.api import property_protections
from glance.async_.flows import api_image_import
from glance.async_.flows.plugins import image_conversion
from glance.common import exception as glance_exception
from glance.common import property_utils
from taskflow import engines
from taskflow import task as tf_task

from glance_download import errors
from glance_download import opts
from glance_download import plugins
from glance_download.plugins import glance_download as gd_plugin
from glance_download.plugins import web_download as wd_plugin
from glance_download import records
from glance_download import remote_glance
from glance_download import selection
from tests.unit import base
from tests.unit import fakes
from tests.unit import tls

GLANCE_EP = importlib_metadata.EntryPoint(
    name='glance_download',
    value='glance.async_.flows._internal_plugins.glance_download:get_flow',
    group=selection.NAMESPACE)


class PrepareTest(base.TestCase):

    def test_error_when_another_implementation_wins(self):
        with mock.patch.object(selection, 'selected_elsewhere',
                               return_value=GLANCE_EP):
            self.assertFalse(plugins.prepare('glance_download'))
        self.assertIn(
            'ERROR glance_download.plugins Glance will run '
            'glance.async_.flows._internal_plugins.glance_download:get_flow '
            'for glance_download imports, not the glance_download package',
            self.logs.output)
        self.assertIn('glance-download-check', self.logs.output)

    def test_quiet_when_ours_wins(self):
        with mock.patch.object(selection, 'selected_elsewhere',
                               return_value=None):
            self.assertTrue(plugins.prepare('web_download'))
        self.assertNotIn('ERROR', self.logs.output)
        # and the options are there
        self.assertEqual(0.2, base.CONF.glance_download.read_timeout)


class GlanceDownloadFlowTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(fakes.FakeGlanceServer())
        self.allow_ports(self.server)
        self.data = os.urandom(300000)
        self.record = self.server.add_image(
            self.data, hw_disk_bus='scsi', os_distro='rhel', foo='bar',
            os_glance_importing_to_stores='x')
        # Before the flow runs, as Glance leaves it: the target still has
        # its own formats and properties.
        self.host = fakes.GlanceHost(
            properties={'speed': '88mph', 'os_distro': 'windows'})
        self.winner = self.useFixture(fixtures.MockPatchObject(
            selection, 'selected_elsewhere', return_value=None)).mock
        self.catalog = fakes.catalog_v2(('RegionOne', self.server.url))

    def method(self, **overrides):
        method = {'name': 'glance-download',
                  'glance_image_id': self.record['id'],
                  'glance_region': 'RegionOne',
                  'glance_service_interface': 'public'}
        method.update(overrides)
        return method

    def get_flow(self, catalog='default', **overrides):
        catalog = self.catalog if catalog == 'default' else catalog
        return gd_plugin.get_flow(**self.host.flow_kwargs(
            fakes.context('tok', catalog), self.method(**overrides)))

    def task_names(self, flow):
        return [atom.name for atom in flow]

    def test_success(self):
        flow = self.get_flow()
        names = self.task_names(flow)
        self.assertEqual(2, len(names))
        self.assertIn('GlanceDownload', names[0])
        self.assertIn('SetImageMetadata', names[1])
        self.assertEqual('processing', self.host.task.status)

        results = engines.run(flow)
        self.assertEqual('file://' + self.staged_path(self.host.image_id),
                         results['file_uri'])
        with open(self.staged_path(self.host.image_id), 'rb') as f:
            self.assertEqual(self.data, f.read())
        image = self.host.image
        self.assertEqual(('raw', 'bare'),
                         (image.disk_format, image.container_format))
        props = dict(image.extra_properties)
        self.assertEqual('scsi', props['hw_disk_bus'])
        self.assertEqual('rhel', props['os_distro'])
        self.assertEqual('88mph', props['speed'])  # the target's own
        self.assertNotIn('foo', props)
        self.assertEqual('fast', props['os_glance_importing_to_stores'])

    def test_default_interface_is_public(self):
        self.catalog = fakes.catalog_v2(('RegionOne', {
            'public': self.server.url, 'internal': 'http://nowhere:1'}))
        flow = self.get_flow(glance_service_interface=None)
        self.assertEqual(2, len(self.task_names(flow)))

    def test_revert_restores_the_target(self):
        flow = self.get_flow()
        flow.add(Boom())  # a later task of Glance's flow fails
        exc = self.assertRaises(RuntimeError, engines.run, flow)
        self.assertEqual('later failure', str(exc))
        image = self.host.image
        self.assertEqual(('qcow2', 'ovf'),
                         (image.disk_format, image.container_format))
        props = dict(image.extra_properties)
        self.assertEqual({'speed': '88mph', 'os_distro': 'windows'},
                         {k: v for k, v in props.items()
                          if not k.startswith('os_glance')})
        self.assertEqual('fast', props['os_glance_failed_import'])
        self.assertEqual('', props['os_glance_importing_to_stores'])
        self.assertEqual('importing', image.status)
        self.assertFalse(os.path.exists(self.staged_path(
            self.host.image_id)))

    def test_failed_revert_skips_no_clean_up(self):
        # A later step of Glance's flow fails, then the database refuses
        # every image write while the flow reverts: our reverts log it and
        # return, so the staged data goes and Glance's first step still
        # releases the import lock (a revert that raises stops taskflow's
        # revert of the earlier steps).
        exc = self.assertRaises(RuntimeError, engines.run,
                                self.host.glances_flow(
                                    self.get_flow(),
                                    DatabaseGoneAfterFailure(
                                        self.host.image_repo)))
        self.assertEqual('later failure', str(exc))
        self.assertFalse(os.path.exists(self.staged_path(
            self.host.image_id)))
        self.assertNotIn('os_glance_import_task',
                         dict(self.host.image.extra_properties))
        self.assertIn('could not restore its formats and properties',
                      self.logs.output)
        self.assertIn('could not restore its import state',
                      self.logs.output)

    def test_property_protections_refuse_a_copied_property(self):
        # Glance's property protections (property_protection_file) forbid
        # the member role to create hw_* properties: the task says so,
        # instead of "Internal Error", and the target is restored.
        rules = os.path.join(self.useFixture(fixtures.TempDir()).path,
                             'property-protections.conf')
        with open(rules, 'w') as f:
            f.write('[^hw_.*]\ncreate = admin\nread = admin,member\n'
                    'update = admin\ndelete = admin\n\n'
                    '[.*]\ncreate = @\nread = @\nupdate = @\n'
                    'delete = @\n')
        self.config(property_protection_file=rules,
                    property_protection_rule_format='roles')
        # Glance looks the file up in the directories of the parsed
        # configuration; the tests' configuration is never parsed.
        self.useFixture(fixtures.MockPatchObject(
            base.CONF, 'find_file', lambda name: name))
        ctx = fakes.context('tok', self.catalog)
        protected = property_protections.ProtectedImageRepoProxy(
            self.host.image_repo, ctx,
            # Role rules never ask a policy enforcer.
            property_utils.PropertyRules(policy_enforcer=object()))
        self.host.action_wrapper = api_image_import.ImportActionWrapper(
            protected, self.host.image_id, self.host.task_id)
        exc = self.assertRaises(errors.ImportFailed, engines.run,
                                self.get_flow())
        self.assertEqual(
            "Could not give the image the properties copied from the "
            "source: Attribute 'hw_disk_bus' is reserved. This Glance's "
            "property protections do not let you set it; ask the operator "
            "to adjust them or [glance_download_properties] "
            "extra_properties_prefixes.", str(exc))
        image = self.host.image
        self.assertEqual(('qcow2', 'ovf'),
                         (image.disk_format, image.container_format))
        self.assertNotIn('hw_disk_bus', dict(image.extra_properties))
        self.assertFalse(os.path.exists(self.staged_path(
            self.host.image_id)))

    def test_verified_hash_recorded_for_clients(self):
        # Only Glance's server code can write os_glance_* properties: a
        # client may trust the record (a converted copy's own hash differs).
        engines.run(self.get_flow())
        self.assertEqual('sha512:%s' % self.record['os_hash_value'],
                         self.host.image.extra_properties[
                             records.VERIFIED_HASH])

    def test_nothing_recorded_unverified(self):
        self.config(group=opts.TRANSFER_GROUP, verify_checksum=False)
        engines.run(self.get_flow())
        self.assertNotIn(records.VERIFIED_HASH,
                         dict(self.host.image.extra_properties))

    def glances_own_steps(self, *later):
        """Our flow between Glance's real first steps and ``later``."""
        return self.host.glances_flow(
            api_image_import._ImportMetadata(
                self.host.task_id, 'api_image_import',
                fakes.context('tok', self.catalog), self.host.action_wrapper,
                {'method': self.method()}),
            self.get_flow(), *later)

    def test_conversion_failing_after_the_download(self):
        # Glance's real image_conversion step refuses the data (it claims
        # to be qcow2 and is not). Its revert sets the image queued; then
        # Glance's metadata step would fail its own queued -> queued
        # transition, restore nothing, and stop the revert with the import
        # lock held. The image ends queued as it was, unlocked, without
        # staged data or our record, and the task names the cause.
        self.record = self.server.add_image(self.data, disk_format='qcow2',
                                            hw_disk_bus='scsi')
        before = self.host.image
        exc = self.assertRaises(RuntimeError, engines.run,
                                self.glances_own_steps(
                                    Staged(self.staged_path(
                                        self.host.image_id)),
                                    image_conversion._ConvertImage(
                                        fakes.context(), self.host.task_id,
                                        'api_image_import',
                                        self.host.action_wrapper,
                                        self.host.stores)))
        self.assertEqual('Image format mismatch', str(exc))
        image = self.host.image
        self.assertEqual('queued', image.status)
        self.assertEqual((before.disk_format, before.container_format),
                         (image.disk_format, image.container_format))
        props = dict(image.extra_properties)
        self.assertNotIn('os_glance_import_task', props)
        self.assertNotIn(records.VERIFIED_HASH, props)
        self.assertEqual({'speed': '88mph', 'os_distro': 'windows'},
                         {k: v for k, v in props.items()
                          if not k.startswith('os_glance')})
        self.assertEqual(os.listdir(self.staging_dir), [])
        self.assertEqual('failure', self.host.task.status)
        self.assertEqual(
            "The data was downloaded from RegionOne, then Glance's step "
            "Convert_Image failed: Image format mismatch. The image is "
            "queued again.", self.host.task.message)

    def assert_fails_early(self, reason, flow):
        """Before any step ran: the image is queued as it was, its store
        failed and its lock dropped, then the task failed with ``reason``;
        Glance's flow stops at its first step.
        """
        image = self.host.image
        props = dict(image.extra_properties)
        self.assertEqual('queued', image.status)
        self.assertEqual(('qcow2', 'ovf'),
                         (image.disk_format, image.container_format))
        self.assertEqual('fast', props['os_glance_failed_import'])
        self.assertEqual('', props['os_glance_importing_to_stores'])
        self.assertNotIn('os_glance_import_task', props)
        self.assertEqual('failure', self.host.task.status)
        self.assertIn(reason, self.host.task.message)
        self.assertRaises(glance_exception.TaskAbortedError, engines.run,
                          self.host.glances_flow(flow))
        self.assertEqual([], self.server.data_requests())
        self.assertEqual('queued', self.host.image.status)
        self.assertIn(reason, self.host.task.message)

    def test_no_catalog(self):
        self.assert_fails_early('The request carried no service catalog',
                                self.get_flow(catalog=None))

    def test_unknown_region(self):
        self.assert_fails_early(
            'Region RegionTwo has no image endpoint in your service catalog.'
            ' Regions with an image endpoint: RegionOne.',
            self.get_flow(glance_region='RegionTwo'))

    def test_bad_interface(self):
        self.assert_fails_early(
            "Unknown glance_service_interface 'not an interface'",
            self.get_flow(glance_service_interface='not an interface'))

    def test_remote_image_missing(self):
        self.assert_fails_early(
            'Image 0000 was not found in region RegionOne, or you are not '
            'allowed to read it (HTTP 404).',
            self.get_flow(glance_image_id='0000'))

    def test_remote_image_not_active(self):
        record = self.server.add_image(b'', status='importing', size=None)
        self.assert_fails_early(
            'is importing, not active',
            self.get_flow(glance_image_id=record['id']))

    def test_source_hash_required_but_missing(self):
        # Decided while the flow is built, as the other early failures:
        # Glance's own metadata step never runs, no data is requested.
        record = self.server.add_image(b'data', hash_algo=None,
                                       checksum=None)
        self.config(group='glance_download', require_source_hash=True)
        self.assert_fails_early(
            'records no hash of its data',
            self.get_flow(glance_image_id=record['id']))

    def test_source_hash_this_host_cannot_compute(self):
        record = self.server.add_image(b'data', checksum=None)
        record['os_hash_algo'] = 'sha3_999'
        self.assert_fails_early(
            'can only be checked with sha3_999',
            self.get_flow(glance_image_id=record['id']))

    def test_catalog_url_glance_cannot_use(self):
        # Glance's own metadata step would request .../v2/v2/images/<id>
        # (HTTP 404, "Internal Error"); the task names the entry and the fix
        # before anything is requested from the source.
        self.catalog = fakes.catalog_v2(('RegionOne', self.server.url +
                                         '/v2'))
        self.assert_fails_early(
            'The public image endpoint of region RegionOne in your service '
            'catalog is %s/v2: it ends in an API version' % self.server.url,
            self.get_flow())
        self.assertIn('`openstack endpoint set --url %s <endpoint id>`'
                      % self.server.url, self.host.task.message)
        self.assertEqual([], self.server.requests)

    def test_after_glances_own_metadata_step(self):
        """The whole flow in Glance's order, Glance's real _ImportMetadata
        included: with a catalog URL ending in a slash, and with Glance's
        ``extra_properties = [os_]``, which makes that step copy core
        attributes (os_hash_value, os_hidden, ...) as properties.
        """
        self.catalog = fakes.catalog_v2(('RegionOne', self.server.url + '/'))
        self.config(group='glance_download_properties',
                    extra_properties=['os_'])
        flow = self.get_flow()
        whole = self.host.glances_flow(api_image_import._ImportMetadata(
            self.host.task_id, 'api_image_import',
            fakes.context('tok', self.catalog), self.host.action_wrapper,
            {'method': self.method()}), flow)
        engines.run(whole)
        self.assertEqual(2, len(self.server.requests_to(
            '/v2/images/%s' % self.record['id'])))
        props = dict(self.host.image.extra_properties)
        self.assertEqual(
            {'hw_disk_bus': 'scsi', 'os_distro': 'rhel', 'speed': '88mph'},
            {k: v for k, v in props.items()
             if not k.startswith('os_glance')})
        self.assertEqual('fast', props['os_glance_importing_to_stores'])
        self.assertEqual(self.host.task_id, props['os_glance_import_task'])

    def test_endpoint_refused_by_import_filter(self):
        self.config(group='import_filtering_opts', allowed_ports=[80])
        self.assert_fails_early("[import_filtering_opts]", self.get_flow())

    def test_something_unexpected(self):
        with mock.patch.object(remote_glance.RemoteImage, 'describe',
                               side_effect=RuntimeError('secret detail')):
            flow = self.get_flow()
        self.assert_fails_early(
            'The glance-download import could not be prepared '
            '(RuntimeError); the Glance API log has the details.', flow)
        self.assertNotIn('secret detail', self.host.task.message)
        self.assertIn('Preparing glance-download task %s failed'
                      % self.host.task_id, self.logs.output)
        self.assertIn('secret detail', self.logs.output)

    # send_service_user_token = true without a service user: the task
    # says which section to fix.
    def test_service_user_enabled_but_not_configured(self):
        self.config(group='glance_download_service_user',
                    send_service_user_token=True)
        flow = self.get_flow()
        self.assert_fails_early('[glance_download_service_user]', flow)

    def test_not_selected_leaves_the_task_alone(self):
        # Glance runs its own implementation; ours, should it run anyway,
        # fails with the reason.
        self.winner.return_value = GLANCE_EP
        flow = self.get_flow(glance_region='RegionTwo')
        self.assertEqual('processing', self.host.task.status)
        self.assertEqual('importing', self.host.image.status)
        exc = self.assertRaises(errors.ImportFailed, engines.run, flow)
        self.assertIn('Region RegionTwo has no image endpoint', str(exc))

    def test_task_cannot_be_ended_early(self):
        # The image cannot be saved: our task fails with the reason when
        # it runs instead.
        with mock.patch.object(self.host.image_repo, 'save',
                               side_effect=RuntimeError('db gone')):
            flow = self.get_flow(glance_region='RegionTwo')
        self.assertIn('Could not end task %s before it started'
                      % self.host.task_id, self.logs.output)
        self.assertEqual('processing', self.host.task.status)
        exc = self.assertRaises(errors.ImportFailed, engines.run, flow)
        self.assertIn('Region RegionTwo has no image endpoint', str(exc))

    def test_never_raises_when_selection_fails(self):
        # stevedore drops a plugin whose get_flow raises and Glance runs
        # its own implementation instead, silently.
        self.winner.side_effect = RuntimeError('broken entry points')
        flow = self.get_flow()
        self.assertEqual(2, len(self.task_names(flow)))
        self.assertIn('Could not tell which glance_download plugin Glance '
                      'runs', self.logs.output)

    def test_never_raises_when_selection_fails_and_import_cannot_work(self):
        self.winner.side_effect = RuntimeError('broken entry points')
        flow = self.get_flow(glance_region='RegionTwo')
        self.assertEqual(1, len(self.task_names(flow)))
        self.assert_fails_early('Region RegionTwo has no image endpoint',
                                flow)


class WebDownloadFlowTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.server = self.useFixture(fakes.FakeGlanceServer())
        self.allow_ports(self.server)
        self.data = os.urandom(100000)
        self.server.route('/cirros.img', self.data)
        self.host = fakes.GlanceHost(stores=[None])
        self.useFixture(fixtures.MockPatchObject(
            selection, 'selected_elsewhere', return_value=None))

    def get_flow(self, uri):
        return wd_plugin.get_flow(**self.host.flow_kwargs(
            fakes.context('tok', []), {'name': 'web-download', 'uri': uri}))

    def test_success(self):
        flow = self.get_flow(self.server.url + '/cirros.img')
        (name,) = [atom.name for atom in flow]
        self.assertEqual('api_image_import-WebDownload-%s'
                         % self.host.task_id, name)
        engines.run(flow)
        with open(self.staged_path(self.host.image_id), 'rb') as f:
            self.assertEqual(self.data, f.read())
        self.assertNotIn('x-auth-token', self.server.requests[0][1])

    def test_failure_requeues(self):
        flow = self.get_flow(self.server.url + '/missing.img')
        exc = self.assertRaises(glance_exception.UploadException,
                                engines.run, flow)
        self.assertIn('HTTP 404', str(exc))
        self.assertEqual('queued', self.host.image.status)
        self.assertFalse(os.path.exists(self.staged_path(
            self.host.image_id)))

    def test_no_uri(self):
        flow = self.get_flow(None)
        exc = self.assertRaises(glance_exception.UploadException,
                                engines.run, flow)
        self.assertEqual("The image URL () is not allowed by this Glance's "
                         "[import_filtering_opts]: empty external URI.",
                         str(exc))

    def test_https_trust_is_not_the_source_regions(self):
        certs = self.useFixture(tls.Certificates())
        https = self.useFixture(tls.HttpsServer(certs))
        self.allow_ports(https)
        self.config(group=opts.TRANSFER_GROUP, insecure=True,
                    cafile=certs.ca, certfile=certs.client_cert,
                    keyfile=certs.client_key)
        exc = self.assertRaises(glance_exception.UploadException,
                                engines.run, self.get_flow(https.url))
        self.assertIn('the certificate of 127.0.0.1 was not accepted',
                      str(exc))
        self.assertEqual('queued', self.host.image.status)
        self.assertEqual([], https.client_certs)

        self.config(group=opts.WEB_GROUP, cafile=certs.ca)
        self.host.set_image_status('importing')
        engines.run(self.get_flow(https.url))
        with open(self.staged_path(self.host.image_id), 'rb') as f:
            self.assertEqual(tls.DATA, f.read())
        self.assertEqual([False], https.client_certs)


class WebDownloadTlsFileTest(WebDownloadFlowTest):

    def test_cafile_that_cannot_be_read(self):
        # requests would raise OSError when connecting ("Internal Error").
        certs = self.useFixture(tls.Certificates())
        https = self.useFixture(tls.HttpsServer(certs))
        self.allow_ports(https)
        self.config(group=opts.WEB_GROUP, cafile='/nonexistent/ca.pem')
        exc = self.assertRaises(glance_exception.UploadException,
                                engines.run, self.get_flow(https.url))
        self.assertEqual(
            'This Glance cannot read the file that [glance_download_web] '
            'cafile names (No such file or directory); ask the operator to '
            'fix glance-api.conf.', str(exc))
        self.assertEqual('queued', self.host.image.status)
        self.assertEqual([], https.client_certs)


class Staged(tf_task.Task):
    """Glance's _VerifyStaging, as far as later steps see it: the staged
    data's file:// URI as ``file_path``.
    """

    default_provides = 'file_path'

    def __init__(self, path):
        super().__init__()
        self.path = path

    def execute(self):
        return 'file://' + self.path


class Boom(tf_task.Task):
    """A later task of Glance's flow that fails."""

    def execute(self):
        raise RuntimeError('later failure')


class DatabaseGoneAfterFailure(Boom):
    """A later task that fails, after which every image write fails."""

    def __init__(self, image_repo):
        super().__init__()
        self.image_repo = image_repo

    def execute(self):
        def save(image, from_state=None):
            raise RuntimeError("(pymysql.err.OperationalError) (2006, "
                               "'MySQL server has gone away')")
        self.image_repo.save = save
        super().execute()
