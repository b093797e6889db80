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

"""What every glance-download test needs: both regions' clients, images
that clean themselves up, an import and the wait for its end.

The target region imports (its Glance runs the glance_download plugin);
the source region only serves the images. Every check here reads the
image API as a user sees it, so it holds on any cloud whose tempest.conf
describes it.
"""

import hashlib
import time

from tempest.common import waiters
from tempest import config
from tempest.lib.common.utils import data_utils
from tempest.lib.common.utils import test_utils
from tempest.lib import exceptions as lib_exc
import tempest.test

from glance_download_tempest_plugin import config as gd_config
from glance_download_tempest_plugin import payload

CONF = config.CONF
MiB = payload.MiB

# The image API v2 core attributes: never properties, so never copied.
# (glance_download.tasks.metadata has the same list; this distribution
# does not depend on glance_download, which needs Glance.)
CORE_ATTRIBUTES = frozenset((
    'checksum', 'container_format', 'created_at', 'deleted', 'deleted_at',
    'direct_url', 'disk_format', 'file', 'id', 'locations', 'member',
    'min_disk', 'min_ram', 'name', 'os_hash_algo', 'os_hash_value',
    'os_hidden', 'owner', 'protected', 'schema', 'self', 'size', 'status',
    'stores', 'tags', 'updated_at', 'virtual_size', 'visibility',
))
# Glance's own bookkeeping (import lock, store lists): never copied either.
RESERVED_PREFIX = 'os_glance'
FINISHED = ('success', 'failure')
# How often the tests that watch a running import look at its task: more
# often than any progress_interval (at least 1 s) lets a message change.
WATCH_INTERVAL = 0.25
# Prefixes a target Glance may copy by (the plugin's defaults, and broad
# ones): the copy tests give the source a property under each.
PROBE_PREFIXES = gd_config.DEFAULT_PREFIXES + ['os_', 'img_']


def properties(image):
    """The image's properties: what is neither core nor reserved."""
    return {k: v for k, v in image.items()
            if k not in CORE_ATTRIBUTES and not k.startswith(RESERVED_PREFIX)}


def comparable(image):
    """An image record without what an import may legitimately touch."""
    return {k: v for k, v in image.items()
            if k != 'updated_at' and not k.startswith(RESERVED_PREFIX)}


def catalog_regions(auth_data, service_type, interface):
    """Regions with an endpoint of ``service_type`` on ``interface``."""
    regions = set()
    for service in auth_data.get('catalog', []):                 # v3
        if service.get('type') == service_type:
            regions.update(e.get('region_id') or e.get('region')
                           for e in service.get('endpoints', [])
                           if e.get('interface') == interface)
    for service in auth_data.get('serviceCatalog', []):          # v2
        if service.get('type') == service_type:
            regions.update(e.get('region')
                           for e in service.get('endpoints', [])
                           if e.get('%sURL' % interface))
    return regions


class GlanceDownloadTest(tempest.test.BaseTestCase):
    """A test that copies images from the source into the target region."""

    credentials = ['primary']
    # The [glance_download] switches a class needs on, each with what needs
    # it (said in the skip).
    switches = ()

    @classmethod
    def skip_checks(cls):
        super().skip_checks()
        if not CONF.service_available.glance:
            raise cls.skipException('Glance is not available '
                                    '([service_available] glance)')
        for option, need in cls.switches:
            if not getattr(CONF.glance_download, option):
                raise cls.skipException('%s: [glance_download] %s is False'
                                        % (need, option))
        source, target = cls.regions()
        if not source:
            raise cls.skipException(
                'No source region: set [glance_download] source_region to '
                'the region whose images the target region copies')
        if source == target:
            raise cls.skipException(
                'The source region and the target region are both %s: '
                'glance-download copies between two regions' % source)

    @classmethod
    def regions(cls):
        gd = CONF.glance_download
        target = gd.target_region or CONF.image.region or \
            CONF.identity.region
        return gd.source_region, target

    @classmethod
    def setup_clients(cls):
        super().setup_clients()
        cls.source_client = cls.os_primary.glance_download_source \
            .ImagesClient()
        cls.client = cls.os_primary.glance_download_target.ImagesClient()

    @classmethod
    def resource_setup(cls):
        super().resource_setup()
        cls.source_region, cls.target_region = cls.regions()
        cls.interface = CONF.glance_download.source_interface
        _token, auth_data = cls.os_primary.auth_provider.get_auth()
        regions = catalog_regions(auth_data, CONF.image.catalog_type,
                                  cls.interface)
        if cls.source_region not in regions:
            raise cls.skipException(
                'The service catalog has no %s image endpoint in the source '
                'region %s (regions with one: %s): set [glance_download] '
                'source_region and source_interface' % (
                    cls.interface, cls.source_region,
                    ', '.join(sorted(regions)) or 'none'))
        cls.import_methods = cls.client.info_import()[
            'import-methods']['value']
        cls.require_import_method('glance-download')

    @classmethod
    def require_import_method(cls, method):
        if method not in cls.import_methods:
            raise cls.skipException(
                'The target region %s does not offer the %s import method '
                '(its /v2/info/import lists: %s)' % (
                    cls.target_region, method,
                    ', '.join(cls.import_methods) or 'none'))

    # ---------------------------------------------------------- images

    def create_image(self, client, **fields):
        """An image that is deleted (and waited for) when the test ends."""
        fields.setdefault('name', data_utils.rand_name(
            prefix=CONF.resource_name_prefix, name=self.__class__.__name__))
        image = client.create_image(**fields)
        self.addCleanup(client.wait_for_resource_deletion, image['id'])
        self.addCleanup(test_utils.call_and_ignore_notfound_exc,
                        client.delete_image, image['id'])
        return image

    def create_source(self, size, client=None, **fields):
        """An active raw image of ``size`` random bytes in the source
        region; return it and its data.
        """
        client = client or self.source_client
        data = payload.Payload(size)
        fields.setdefault('disk_format', 'raw')
        fields.setdefault('container_format', 'bare')
        image = self.create_image(client, **fields)
        client.store_image_file(image['id'], data.open())
        waiters.wait_for_image_status(client, image['id'], 'active')
        image = client.show_image(image['id'])
        self.assertEqual(size, image['size'])
        if image.get('os_hash_algo') == 'sha512':
            self.assertEqual(data.sha512, image['os_hash_value'])
        return image, data

    def create_target(self, **fields):
        """An empty image in the target region to import into.

        Its formats differ from the source's raw/bare wherever the cloud
        allows another one, and it has properties of its own, so that what
        an import changes shows.
        """
        fields.setdefault('disk_format', self.other_format(
            CONF.image.disk_formats, 'raw', 'qcow2'))
        fields.setdefault('container_format', self.other_format(
            CONF.image.container_formats, 'bare', 'ovf'))
        fields.setdefault('visibility', 'private')
        fields.setdefault('os_distro', 'gd-target-os')
        fields.setdefault('gd_target_note', 'set on the target')
        image = self.create_image(self.client, **fields)
        self.assertEqual('queued', image['status'])
        return image

    @staticmethod
    def other_format(allowed, source, preferred):
        if preferred in allowed:
            return preferred
        return next((f for f in allowed if f != source), source)

    # ---------------------------------------------------------- import

    def glance_download(self, image_id, source_id, region=None,
                        interface=None):
        self.client.image_import(
            image_id, method='glance-download', import_params={
                'glance_image_id': source_id,
                'glance_region': region or self.source_region,
                'glance_service_interface': interface or self.interface})

    def import_task(self, image_id):
        """The one import task of the image, once Glance lists it."""
        tasks = []

        def listed():
            tasks[:] = self.client.show_image_tasks(image_id)['tasks']
            return bool(tasks)

        if not test_utils.call_until_true(listed, self.client.build_timeout,
                                          WATCH_INTERVAL):
            self.fail('Image %s has no import task after %s s'
                      % (image_id, self.client.build_timeout))
        self.assertEqual(1, len(tasks), tasks)
        return tasks[0]

    def watch_import(self, image_id, until=None):
        """Follow the image's import task until it ends (or ``until(task)``
        is true); return the last task seen and every message it had.
        """
        messages = []
        task = None
        deadline = time.monotonic() + self.client.build_timeout
        while time.monotonic() < deadline:
            task = self.import_task(image_id)
            if task['message'] and task['message'] not in messages:
                messages.append(task['message'])
            if task['status'] in FINISHED or (until and until(task)):
                return task, messages
            time.sleep(WATCH_INTERVAL)
        self.fail('The import task of image %s did not end within %s s '
                  '([image] build_timeout): %s'
                  % (image_id, self.client.build_timeout, task))

    def wait_for_import(self, image_id):
        task, _messages = self.watch_import(image_id)
        return self.settled_image(image_id, task), task

    def settled_image(self, image_id, task):
        """The image once its import is over: out of ``importing`` with its
        import lock gone (Glance marks a task done before it drops the
        lock).
        """
        image = {}

        def settled():
            image.clear()
            image.update(self.client.show_image(image_id))
            return image['status'] != 'importing' and \
                'os_glance_import_task' not in image

        if not test_utils.call_until_true(settled, self.client.build_timeout,
                                          WATCH_INTERVAL):
            self.fail('Image %s is still %s with import lock %s %s s after '
                      'its import task ended (%s: %s)' % (
                          image_id, image['status'],
                          image.get('os_glance_import_task'),
                          self.client.build_timeout, task['status'],
                          task['message']))
        return self.client.show_image(image_id)

    def served_sha512(self, client, image_id):
        response = client.show_image_file(image_id, chunked=True)
        try:
            h = hashlib.sha512()
            for chunk in response.stream(MiB):
                h.update(chunk)
            return h.hexdigest()
        finally:
            response.release_conn()

    # ---------------------------------------------------------- checks

    def expected_properties(self, source, target):
        """The target's own properties plus the source's that the target
        Glance's prefixes let through.
        """
        prefixes = CONF.glance_download.properties_prefixes
        copied = {k: v for k, v in properties(source).items()
                  if any(k.startswith(p) for p in prefixes)}
        return dict(properties(target), **copied), copied

    def source_properties(self):
        """Properties for a source image: one under each configured prefix,
        one under each prefix a Glance is commonly configured with, and one
        under none, so that a target copying more (or less) than
        properties_prefixes says shows.
        """
        configured = CONF.glance_download.properties_prefixes
        probes = list(configured) + [p for p in PROBE_PREFIXES
                                     if p not in configured]
        props = {}
        for prefix in probes:
            if prefix.endswith(':'):
                name = prefix + 'CUSTOM_GD_TEMPEST'
            elif prefix.endswith(('_', '-', '.')):
                name = prefix + 'gd_tempest'
            else:
                name = prefix
            if name not in CORE_ATTRIBUTES and \
                    not name.startswith(RESERVED_PREFIX):
                props[name] = data_utils.rand_name('gd-source')
        not_copied = next(
            n for n in ('gd_tempest_not_copied', 'x-gd-tempest', 'Zgdtempest')
            if not any(n.startswith(p) for p in configured))
        props[not_copied] = 'stays in the source region'
        return props

    def assert_copied(self, source, data, target, image, task):
        """``image`` (the target after the import) is ``source``'s copy."""
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual('active', image['status'])
        self.assertEqual(source['size'], image['size'])
        self.assertEqual(source['checksum'], image['checksum'])
        self.assertEqual(source['os_hash_algo'], image['os_hash_algo'])
        self.assertEqual(source['os_hash_value'], image['os_hash_value'])
        self.assertEqual(data.sha512,
                         self.served_sha512(self.client, image['id']))
        self.assertEqual(
            (source['disk_format'], source['container_format']),
            (image['disk_format'], image['container_format']))
        expected, copied = self.expected_properties(source, target)
        # The source was made with one property under each prefix and one
        # under none (source_properties), so both cases are checked.
        self.assertEqual(
            bool(CONF.glance_download.properties_prefixes), bool(copied),
            'properties_prefixes %s and the copied properties %s disagree'
            % (CONF.glance_download.properties_prefixes, sorted(copied)))
        self.assertLess(len(copied), len(properties(source)),
                        'the source has no property to leave behind')
        self.assertEqual(expected, properties(image))
        # Core attributes are the target's own, as its user set them.
        for name in ('id', 'name', 'owner', 'visibility', 'min_disk',
                     'min_ram', 'protected', 'tags', 'created_at'):
            self.assertEqual(target[name], image[name], name)
        self.assert_import_bookkeeping_gone(image)
        self.assertFalse(image.get('os_glance_failed_import'))

    def assert_import_bookkeeping_gone(self, image):
        """No import lock and no store still to import to (a failed
        import may list its store in os_glance_failed_import: Glance's).
        """
        self.assertNotIn('os_glance_import_task', image)
        self.assertFalse(image.get('os_glance_importing_to_stores'))

    def assert_import_failed(self, before, task, *words):
        """The import into ``before`` failed, its task message names the
        cause (``words``) and the image is as it was.
        """
        self.assertEqual('failure', task['status'], task['message'])
        message = task['message'] or ''
        self.assertNotIn('internal error', message.lower(),
                         'the task failed without saying why')
        for word in words:
            self.assertIn(word.lower(), message.lower(),
                          'task message %r does not say %r' % (message, word))
        image = self.client.show_image(before['id'])
        self.assertEqual('queued', image['status'])
        self.assertIsNone(image.get('size'))
        self.assertIsNone(image.get('os_hash_value'))
        self.assertEqual(comparable(before), comparable(image))
        self.assert_import_bookkeeping_gone(image)
        return image

    def assert_gone(self, image_id):
        self.client.wait_for_resource_deletion(image_id)
        self.assertRaises(lib_exc.NotFound, self.client.show_image, image_id)
