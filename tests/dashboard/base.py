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

"""What the dashboard tests share: the local cloud (tests/functional's
helpers: sessions, the fault proxy, source images), a Django test client
logged in to Horizon, and the copies a test must clean up.
"""

import io
import os
import re
import time

from glanceclient import exc as glance_exc
import requests

from glance_download.copying import logic
from tests.functional import base as functional_base
from tests.functional import fault_base
from tests.unit import tls
from tests.unit import unanswered

REGION_ONE = functional_base.REGION_ONE
REGION_TWO = functional_base.REGION_TWO
REGION_FAULTY = fault_base.REGION_FAULTY
MiB = functional_base.MiB
# How long a copy of a test image may take (the trickled one included).
COPY_TIMEOUT = 120
HORIZON_URL = 'http://127.0.0.1:%s/' % os.environ.get('GD_HORIZON_PORT',
                                                      '8000')
# One page or API call of Horizon on a busy machine.
TIMEOUT = 120
INFO_IMPORT = '/v2/info/import'
# What the dashboard says of a region whose Glance gives no answer, by the
# kind of base.TestCase.unanswered_regions.
NO_ANSWER = {
    'refusing': 'connection refused',
    'silent': 'timed out',
    'closing': 'connection closed without an answer',
    # The server sends its CA along (tests/unit/tls.HttpsServer).
    'untrusted': 'TLS error: certificate verify failed: self-signed '
                 'certificate in certificate chain'}


class TestCase(fault_base.TestCase):

    def setUp(self):
        super().setUp()
        self.regions = {REGION_ONE: self.r1, REGION_TWO: self.r2}

    def make_source(self, size, name=None):
        image, sha512 = super().make_source(size, name)
        for glance in self.regions.values():
            self.addCleanup(self.delete_copies, glance, image['id'])
        return image, sha512

    def refuse_import_info(self):
        """Until the test ends, RegionFaulty's Glance (RegionOne's behind
        the fault proxy) answers GET /v2/info/import with 503: a region
        whose Glance does not say that it offers glance-download.
        """
        self.proxy.queue_path(INFO_IMPORT, {'mode': 'status', 'status': 503,
                                            'count': 1000})
        self.addCleanup(self.proxy.clear_path, INFO_IMPORT)

    def unanswered_regions(self, *kinds):
        """Regions of the catalog whose image endpoint gives no answer, one
        per kind: ``refusing``, ``silent``, ``closing`` (see
        tests/unit/unanswered.py) or ``untrusted`` (HTTPS with a
        certificate no trust store knows). Added (as admin) until the test
        ends, for the logins from now on: Horizon keeps the catalog of the
        login's token. Returns ``{region: what the dashboard says of it}``.
        """
        regions = {}
        for kind in kinds:
            url = (self.untrusted_url() if kind == 'untrusted'
                   else getattr(unanswered, kind)(self))
            region = self.cloud.add_image_region(url, 'gd-' + kind,
                                                 self.addCleanup)
            regions[region] = 'region %s: Glance did not answer (%s)' % (
                region, NO_ANSWER[kind])
        return regions

    def untrusted_url(self):
        certificates = tls.Certificates()
        certificates.setUp()
        self.addCleanup(certificates.cleanUp)
        server = tls.HttpsServer(certificates)
        server.setUp()
        self.addCleanup(server.cleanUp)
        return 'https://127.0.0.1:%d' % server.port

    def make_differing_copy(self, source):
        """An active image in RegionTwo that says it is a copy of
        ``source`` (its origin properties) but holds other data of the
        same size.
        """
        copy = self.r2.images.create(
            name=source['name'],
            disk_format='raw', container_format='bare', **{
                logic.ORIGIN_ID: source['id'],
                logic.ORIGIN_REGION: REGION_ONE})
        self.r2.images.upload(copy['id'],
                              io.BytesIO(os.urandom(source['size'])),
                              image_size=source['size'])
        copy = dict(self.r2.images.get(copy['id']))
        self.assertEqual('active', copy['status'])
        self.assertNotEqual(source['os_hash_value'], copy['os_hash_value'])
        return copy

    def copies(self, glance, source_id):
        return [dict(i) for i in glance.images.list(filters={
            logic.ORIGIN_ID: source_id, 'visibility': 'all'})]

    def delete_copies(self, glance, source_id):
        for copy in self.copies(glance, source_id):
            try:
                glance.images.delete(copy['id'])
            except glance_exc.HTTPNotFound:
                pass

    def the_copy(self, region, source_id):
        copies = self.copies(self.regions[region], source_id)
        self.assertEqual(1, len(copies), copies)
        return copies[0]


class Horizon:
    """A browser-like HTTP session logged in to the running Horizon as
    ``user``; calls the plugin's REST API the way the page does (AJAX,
    JSON, Django's CSRF token). Real HTTP: django.test.Client cannot
    carry Horizon's JSONResponse (it has a read-only ``json``).
    """

    def __init__(self, user='demo', password='demo', region=REGION_ONE):
        self.http = requests.Session()
        # The region the session works in, as the browser's region menu
        # remembers it (Browser.log_in says why always one).
        self.http.cookies.set('services_region', region)
        page = self.http.get(HORIZON_URL + 'auth/login/', timeout=TIMEOUT)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                          page.text).group(1)
        # "default": the login form's one region when Horizon has no
        # AVAILABLE_REGIONS (OPENSTACK_KEYSTONE_URL).
        response = self.http.post(HORIZON_URL + 'auth/login/', data={
            'csrfmiddlewaretoken': token, 'region': 'default',
            'username': user, 'password': password},
            headers={'Referer': HORIZON_URL + 'auth/login/'},
            timeout=TIMEOUT)
        if '/auth/login/' in response.url:
            raise AssertionError('login as %s failed: HTTP %d at %s'
                                 % (user, response.status_code,
                                    response.url))

    def switch_region(self, region):
        self.http.get(HORIZON_URL + 'auth/switch_services_region/%s/'
                      % region, timeout=TIMEOUT)

    def _headers(self):
        return {'X-Requested-With': 'XMLHttpRequest',
                'X-CSRFToken': self.http.cookies.get('csrftoken', ''),
                'Referer': HORIZON_URL}

    def get(self, path, **params):
        return self._json(self.http.get(
            HORIZON_URL + 'api/glance_download/' + path, params=params,
            headers=self._headers(), timeout=TIMEOUT))

    def post(self, path, body):
        return self._json(self.http.post(
            HORIZON_URL + 'api/glance_download/' + path, json=body,
            headers=self._headers(), timeout=TIMEOUT))

    @staticmethod
    def _json(response):
        return response.status_code, response.json() if response.content \
            else None

    def wait_for(self, image_id, region, states, timeout=COPY_TIMEOUT):
        """Poll the copies' state until ``region``'s is one of ``states``;
        every state seen, in order.
        """
        seen = []
        deadline = time.time() + timeout
        while True:
            status, body = self.get('images/%s/copies/' % image_id,
                                    region=region)
            if status != 200:
                raise AssertionError('GET copies: %d %s' % (status, body))
            [item] = body['items']
            seen.append(item)
            if item['state'] in states:
                return seen
            if time.time() > deadline:
                raise AssertionError('no %s after %d s: %s'
                                     % (states, timeout, seen[-3:]))
            time.sleep(1)
