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

"""glance-download from RegionOne into RegionTwo, through the real APIs."""

import hashlib
import os

from glanceclient import exc as glance_exc

from tests.functional import base

SOURCE_PROPERTIES = {'hw_disk_bus': 'scsi', 'os_distro': 'ubuntu',
                     'trait:CUSTOM_X': 'required', 'foo': 'bar'}
COPIED = ('hw_disk_bus', 'os_distro', 'trait:CUSTOM_X')
# Glance's own glance-download logs "Downloading glance image <url>" here.
STOCK_LOGGER = 'glance.async_.flows._internal_plugins.glance_download'
SIZE = 3 * base.MiB + 12345       # a few MiB, not a multiple of any chunk


class GlanceDownloadTest(base.TestCase):

    def make_source(self, size=SIZE):
        data, sha512 = base.generate(size)
        source = self.create_image(
            base.REGION_ONE, data=data, disk_format='raw',
            container_format='bare', **SOURCE_PROPERTIES)
        self.assertEqual(sha512, source['os_hash_value'])
        return source, data, sha512

    def assert_copied(self, source, sha512, target, image, task):
        """``image`` (the target after the import) is ``source``'s copy."""
        self.assert_task_succeeded(task)
        self.assertNotIn('fail', (task['message'] or '').lower())
        self.assertEqual('active', image['status'])
        # Data: same size and hash as the source and the local data, and
        # what RegionTwo serves hashes the same.
        self.assertEqual(source['size'], image['size'])
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(sha512, source['os_hash_value'])
        self.assertEqual(sha512, image['os_hash_value'])
        self.assertEqual(source['checksum'], image['checksum'])
        served = hashlib.sha512()
        for chunk in self.demo[base.REGION_TWO].images.data(image['id']):
            served.update(chunk)
        self.assertEqual(sha512, served.hexdigest())
        # Formats and the prefixed properties come from the source
        # (os_distro=windows is overwritten), foo does not.
        self.assertEqual(('raw', 'bare'),
                         (image['disk_format'], image['container_format']))
        for name in COPIED:
            self.assertEqual(SOURCE_PROPERTIES[name], image.get(name), name)
        self.assertNotIn('foo', image)
        # Core and reserved fields of the target are its own.
        for name in ('id', 'name', 'owner', 'visibility', 'min_disk',
                     'min_ram', 'protected', 'tags', 'created_at'):
            self.assertEqual(target[name], image[name], name)
        self.assertEqual(
            self.cloud.session('demo').get_project_id(), image['owner'])
        self.assertNotIn('os_glance_import_task', image)
        self.assertFalse(image.get('os_glance_importing_to_stores'))
        # RegionTwo's Glance has extra_properties = [os_,...] (tools/cloud):
        # its own metadata step wrote os_hash_value, os_hash_algo and
        # os_hidden as properties; none may stay.
        left = self.region_two.property_names(image['id'])
        self.assertEqual(sorted(COPIED), [n for n in left
                                          if not n.startswith('os_glance')])
        self.assertFalse(image.get('os_glance_failed_import'))
        self.assert_no_staged_data(image['id'])

    def assert_plugin_logged(self, source, image):
        """Our plugin's own lines, not Glance's in-tree task, did the work.

        (Stock Glance names its task '<type>-GlanceDownload-<task id>' just
        like ours, so the task name proves nothing; these lines do.)
        """
        server = self.region_two
        if server.log_lines(STOCK_LOGGER, source['id']):
            self.fail('%s ran Glance\'s in-tree glance-download (%s), not '
                      'our plugin, for image %s: are the glance-apis '
                      'running with the plugin installed? (tools/cloud up '
                      '--reinstall restarts them)'
                      % (server.region, STOCK_LOGGER, image['id']))
        downloading = self.wait_for_log(
            server, 'glance_download.tasks.download',
            'Image %s: downloading image %s in region %s into %s'
            % (image['id'], source['id'], base.REGION_ONE,
               os.path.join(server.staging, image['id'])))
        self.assertEqual(1, len(downloading), downloading)
        staged = self.wait_for_log(
            server, 'glance_download.tasks.download',
            'Image %s: staged %d bytes from image %s' % (
                image['id'], source['size'], source['id']),
            'sha512 verified')
        self.assertEqual(1, len(staged), staged)
        metadata = self.wait_for_log(
            server, 'glance_download.tasks.metadata',
            'Image %s: formats raw/bare, copied properties: %s; not '
            'copied: ' % (image['id'], ', '.join(sorted(COPIED))))
        self.assertEqual(1, len(metadata), metadata)
        self.assertIn('foo', metadata[0].rpartition('not copied:')[2])

    def test_copy_across_regions(self):
        source, data, sha512 = self.make_source()
        target = self.create_target(min_disk=1, min_ram=128,
                                    tags=['gd-functional'])
        self.glance_download(target['id'], source['id'])
        image, task = self.wait_for_import(target['id'])
        self.assert_copied(source, sha512, target, image, task)
        self.assert_plugin_logged(source, image)
        # The source is left as it was.
        self.assertEqual(
            base.comparable(source),
            base.comparable(self.demo[base.REGION_ONE].images.get(
                source['id'])))

    def test_internal_interface(self):
        source, data, sha512 = self.make_source(size=base.MiB + 7)
        target = self.create_target()
        self.glance_download(target['id'], source['id'],
                             interface='internal')
        image, task = self.wait_for_import(target['id'])
        self.assert_copied(source, sha512, target, image, task)
        self.assert_plugin_logged(source, image)


class GlanceDownloadRefusedTest(base.TestCase):
    """Requests the import API itself refuses; no task is created."""

    def assert_untouched(self, before):
        image = self.demo[base.REGION_TWO].images.get(before['id'])
        self.assertEqual(base.comparable(before), base.comparable(image))
        self.assertEqual([], self.demo[base.REGION_TWO].images
                         .get_associated_image_tasks(before['id'])['tasks'])
        self.assertNotIn('os_glance_import_task', image)
        self.assert_no_staged_data(before['id'])

    def test_remote_id_not_a_uuid(self):
        target = self.create_target()
        with self.assertRaises(glance_exc.HTTPBadRequest) as caught:
            self.glance_download(target['id'], 'not-a-uuid')
        self.assertIn('UUID', str(caught.exception))
        self.assert_untouched(target)

    def test_region_missing(self):
        target = self.create_target()
        response = self.cloud.session('demo').post(
            '/v2/images/%s/import' % target['id'],
            json={'method': {'name': 'glance-download',
                             'glance_image_id': base.random_id()}},
            headers={'Content-Type': 'application/json'},
            raise_exc=False,
            endpoint_filter={'service_type': 'image', 'interface': 'public',
                             'region_name': base.REGION_TWO})
        self.assertEqual(400, response.status_code, response.text)
        self.assertIn('glance_region', response.text)
        self.assert_untouched(target)

    def test_target_not_queued(self):
        data, sha512 = base.generate(4096)
        target = self.create_image(base.REGION_TWO, data=data,
                                   disk_format='raw', container_format='bare')
        source = self.create_image(base.REGION_ONE, data=data,
                                   disk_format='raw', container_format='bare')
        with self.assertRaises(glance_exc.HTTPConflict):
            self.glance_download(target['id'], source['id'])
        image = self.demo[base.REGION_TWO].images.get(target['id'])
        self.assertEqual('active', image['status'])
        self.assertEqual(sha512, image['os_hash_value'])
        self.assertEqual(base.comparable(target), base.comparable(image))


class GlanceDownloadFailureTest(base.TestCase):
    """Imports that are accepted (202) and whose task must fail, saying why,
    with the target left as it was.
    """

    def import_and_fail(self, remote_image_id, *words, **kwargs):
        target = self.create_target()
        self.glance_download(target['id'], remote_image_id, **kwargs)
        image, task = self.wait_for_import(target['id'])
        self.assert_import_failed(target, task, *words)
        return image, task

    def test_unknown_region(self):
        region = 'Nowhere-%s' % base.random_id()[:8]
        self.import_and_fail(base.random_id(), region, 'RegionOne',
                             'RegionTwo', 'no image endpoint', region=region)

    def test_bad_interface(self):
        self.import_and_fail(base.random_id(), 'bogus', 'interface',
                             interface='bogus')

    def test_remote_image_missing(self):
        missing = base.random_id()
        self.import_and_fail(missing, missing, 'not found', 'RegionOne')

    def test_remote_image_not_active(self):
        queued = self.create_image(base.REGION_ONE, disk_format='raw',
                                   container_format='bare')
        self.import_and_fail(queued['id'], queued['id'], 'queued',
                             'not active')

    def test_other_projects_private_image(self):
        data, _sha512 = base.generate(base.MiB)
        private = self.create_image(
            base.REGION_ONE, user='alt', data=data, disk_format='raw',
            container_format='bare', visibility='private', hw_disk_bus='ide')
        image, task = self.import_and_fail(private['id'], private['id'],
                                           'not found')
        # Nothing of alt's image reached RegionTwo.
        self.assertIsNone(image.get('checksum'))
        self.assertNotIn('hw_disk_bus', image)
        self.assertEqual([], self.region_two.log_lines(
            'downloading image %s' % private['id']))


class CatalogShapeTest(base.TestCase):
    """A source region whose image endpoint is registered the way given.

    Glance's own metadata step, which runs before our plugin, requests the
    catalog URL as it is plus ``/v2/images/<id>``. Each test registers, as
    admin, a region of its own whose public image endpoint is RegionOne's
    Glance under another URL, and imports from it with a new demo token
    (the catalog travels in the token).
    """

    def region_with_image_url(self, suffix):
        """A new region whose public image endpoint is RegionOne's Glance
        URL + ``suffix``; return (region, url).
        """
        (service,) = self.cloud.keystone(
            'GET', '/services?type=image').json()['services']
        (one,) = self.cloud.keystone(
            'GET', '/endpoints?service_id=%s&interface=public&region_id=%s'
            % (service['id'], base.REGION_ONE)).json()['endpoints']
        url = one['url'].rstrip('/') + suffix
        region = self.cloud.add_image_region(url, 'gd-catalog',
                                             self.addCleanup)
        # A new demo token, whose catalog has the region: the demo session
        # of every test from now on (the token checks of base.TestCase
        # then look for this one).
        self.cloud.sessions.pop('demo')
        self.demo = {r: self.cloud.glance('demo', r) for r in base.REGIONS}
        session = self.cloud.session('demo')
        self.assertEqual(url, session.auth.get_access(
            session).service_catalog.url_for(
                service_type='image', interface='public',
                region_name=region))
        return region, url

    def import_from(self, region, source):
        target = self.create_target()
        self.glance_download(target['id'], source['id'], region=region)
        image, task = self.wait_for_import(target['id'])
        return target, image, task

    def source(self):
        data, _sha512 = base.generate(64 * 1024)
        return self.create_image(base.REGION_ONE, data=data,
                                 disk_format='raw', container_format='bare',
                                 hw_disk_bus='scsi')

    def test_url_ending_in_v2(self):
        region, url = self.region_with_image_url('/v2')
        source = self.source()
        target, _image, task = self.import_from(region, source)
        self.assert_import_failed(
            target, task,
            'The public image endpoint of region %s in your service catalog '
            'is %s: it ends in an API version' % (region, url),
            '`openstack endpoint set --url %s <endpoint id>`'
            % url[:-len('/v2')])
        # Glance's own step never ran (it would have requested /v2/v2/...).
        self.assertEqual([], self.region_two.log_lines(
            '/v2/v2/images/%s' % source['id']))

    def test_url_with_a_trailing_slash(self):
        # Glance's step requests //v2/images/<id>, which Glance serves.
        region, url = self.region_with_image_url('/')
        source = self.source()
        _target, image, task = self.import_from(region, source)
        self.assert_task_succeeded(task)
        self.assertEqual(source['os_hash_value'], image['os_hash_value'])
        self.assertEqual('scsi', image['hw_disk_bus'])
        self.assertEqual(1, len(self.region_two.log_lines(
            'Fetching glance image metadata', '%s/v2/images/%s'
            % (url, source['id']))))
