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

"""web-download into the target region, from the URL the operator gives."""

import hashlib
import urllib.request

from tempest import config
from tempest.lib import decorators

from glance_download_tempest_plugin.tests.api import base

CONF = config.CONF


class WebDownloadTest(base.GlanceDownloadTest):

    @classmethod
    def skip_checks(cls):
        super().skip_checks()
        if not CONF.glance_download.web_download_url:
            raise cls.skipException(
                'No image URL: set [glance_download] web_download_url')

    @classmethod
    def resource_setup(cls):
        super().resource_setup()
        cls.require_import_method('web-download')

    def url_sha512(self, url):
        h = hashlib.sha512()
        with urllib.request.urlopen(url, timeout=60) as response:
            for chunk in iter(lambda: response.read(base.MiB), b''):
                h.update(chunk)
        return h.hexdigest()

    @decorators.idempotent_id('52058a25-84b9-41f0-95ff-54687dc0a88b')
    def test_web_download(self):
        url = CONF.glance_download.web_download_url
        target = self.create_target(
            disk_format=CONF.glance_download.web_download_disk_format,
            container_format='bare')
        self.client.image_import(target['id'], method='web-download',
                                 import_params={'uri': url})
        image, task = self.wait_for_import(target['id'])
        self.assertEqual('success', task['status'], task['message'])
        self.assertEqual('active', image['status'])
        sha512 = self.url_sha512(url)
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(sha512, image['os_hash_value'])
        self.assertEqual(sha512, self.served_sha512(self.client, image['id']))
        # A web-download copies no properties: the target keeps its own.
        self.assertEqual(base.properties(target), base.properties(image))
        self.assert_import_bookkeeping_gone(image)
