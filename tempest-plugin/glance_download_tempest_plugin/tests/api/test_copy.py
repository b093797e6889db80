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

"""Copies that must succeed: the target becomes the source's twin in data
and formats, takes exactly the properties the target Glance's prefixes
select, and keeps what its own user set."""

from tempest import config
from tempest.lib import decorators

from glance_download_tempest_plugin.tests.api import base

CONF = config.CONF
# A few MiB, not a multiple of any chunk size.
SIZE = 3 * base.MiB + 12345


class CopyTestMixin:

    def copy(self, source, data):
        target = self.create_target(min_disk=1, min_ram=128,
                                    tags=['gd-tempest'])
        self.glance_download(target['id'], source['id'])
        image, task = self.wait_for_import(target['id'])
        self.assert_copied(source, data, target, image, task)
        # The source is left as it was.
        self.assertEqual(
            base.comparable(source),
            base.comparable(self.source_client.show_image(source['id'])))


class CopyImageTest(CopyTestMixin, base.GlanceDownloadTest):

    @decorators.idempotent_id('0a122292-f971-4528-a03c-92fac6304baa')
    def test_copy_private_image(self):
        source, data = self.create_source(
            SIZE, visibility='private', min_disk=2, min_ram=256,
            **self.source_properties())
        self.copy(source, data)


class CopyPublicImageTest(CopyTestMixin, base.GlanceDownloadTest):
    """Only an admin may publicize an image; the copy is a user's."""

    credentials = ['primary', 'admin']
    switches = [('admin_tests', 'Making a public image needs admin')]

    @decorators.idempotent_id('6f1cfd22-6515-455b-9ea0-62e808b1fd01')
    def test_copy_public_image(self):
        admin = self.os_admin.glance_download_source.ImagesClient()
        source, data = self.create_source(
            SIZE, client=admin, visibility='public', min_disk=2,
            min_ram=256, **self.source_properties())
        self.copy(source, data)
