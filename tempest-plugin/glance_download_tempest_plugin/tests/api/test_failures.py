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

"""Imports Glance accepts (202) whose task must fail, say why in words an
operator understands, and leave the target image as it was: queued, with
the formats and properties it had."""

from tempest import config
from tempest.lib.common.utils import data_utils
from tempest.lib import decorators

from glance_download_tempest_plugin.tests.api import base

CONF = config.CONF


class FailureTestMixin:

    def import_and_fail(self, source_id, *words, **kwargs):
        target = self.create_target(hw_cpu_cores='1')
        self.glance_download(target['id'], source_id, **kwargs)
        image, task = self.wait_for_import(target['id'])
        return self.assert_import_failed(target, task, *words)


class ImportFailureTest(FailureTestMixin, base.GlanceDownloadTest):

    @decorators.attr(type=['negative'])
    @decorators.idempotent_id('e0e77149-290f-480e-84b4-b182f16b1a98')
    def test_source_image_missing(self):
        missing = data_utils.rand_uuid()
        self.import_and_fail(missing, missing, 'not found')

    @decorators.attr(type=['negative'])
    @decorators.idempotent_id('16921aa7-0346-4025-a486-fee94573d507')
    def test_source_image_not_active(self):
        queued = self.create_image(self.source_client, disk_format='raw',
                                   container_format='bare')
        self.import_and_fail(queued['id'], queued['id'], 'not active')

    @decorators.attr(type=['negative'])
    @decorators.idempotent_id('b7a0c703-da49-4180-a189-059c41675cb7')
    def test_unknown_region(self):
        region = data_utils.rand_name('gd-no-such-region')
        self.import_and_fail(data_utils.rand_uuid(), region, 'endpoint',
                             region=region)

    @decorators.attr(type=['negative'])
    @decorators.idempotent_id('80dc84f9-3771-462f-9552-945242a06246')
    def test_invalid_interface(self):
        self.import_and_fail(data_utils.rand_uuid(), 'no-such-interface',
                             'interface', interface='no-such-interface')


class OtherProjectImageTest(FailureTestMixin, base.GlanceDownloadTest):

    credentials = ['primary', 'alt']
    switches = [('second_project_tests', 'Needs a second project')]

    @decorators.attr(type=['negative'])
    @decorators.idempotent_id('7b01bade-d035-4667-ae8e-812f325745bc')
    def test_other_projects_private_image(self):
        alt = self.os_alt.glance_download_source.ImagesClient()
        private, _data = self.create_source(
            base.MiB, client=alt, visibility='private',
            hw_disk_bus='ide', gd_tempest_secret='alt only')
        image = self.import_and_fail(private['id'], private['id'],
                                     'not found')
        self.assertNotIn('hw_disk_bus', image)
        self.assertNotIn('gd_tempest_secret', image)
