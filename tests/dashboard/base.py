"""What the dashboard tests share: the local cloud (tests/functional's
helpers: sessions, the fault proxy, source images), a Django test client
logged in to Horizon, and the copies a test must clean up."""

import json
import time

from django import test as django_test
from django.conf import settings
from glanceclient import exc as glance_exc

from glance_download.copying import logic
from tests.functional import fault_base

REGION_ONE = fault_base.REGION_ONE
REGION_TWO = fault_base.REGION_TWO
REGION_FAULTY = fault_base.REGION_FAULTY
MiB = fault_base.MiB
# How long a copy of a test image may take (the trickled one included).
COPY_TIMEOUT = 120


class TestCase(fault_base.TestCase):

    def setUp(self):
        super().setUp()
        self.regions = {REGION_ONE: self.r1, REGION_TWO: self.r2}

    def make_source(self, size, name=None):
        image, sha512 = super().make_source(size, name)
        for glance in self.regions.values():
            self.addCleanup(self.delete_copies, glance, image['id'])
        return image, sha512

    def copies(self, glance, source_id):
        return [dict(i) for i in glance.images.list(filters={
            logic.ORIGIN_ID: source_id, 'visibility': 'all'})]

    def delete_copies(self, glance, source_id):
        for copy in self.copies(glance, source_id):
            try:
                fault_base.retry_locked(glance.images.delete, copy['id'])
            except glance_exc.HTTPNotFound:
                pass

    def the_copy(self, region, source_id):
        copies = self.copies(self.regions[region], source_id)
        self.assertEqual(1, len(copies), copies)
        return copies[0]


class Horizon:
    """A django.test.Client logged in to Horizon as ``user``; calls the
    plugin's REST API the way the page does (AJAX, JSON)."""

    def __init__(self, user='demo', password='demo'):
        self.client = django_test.Client()
        response = self.client.post('/auth/login/', {
            'region': settings.OPENSTACK_KEYSTONE_URL, 'username': user,
            'password': password})
        if response.status_code != 302:
            raise AssertionError('login as %s: HTTP %d'
                                 % (user, response.status_code))

    def switch_region(self, region):
        self.client.get('/auth/switch_services_region/%s/' % region)

    def get(self, path, **params):
        return self._json(self.client.get(
            '/api/glance_download/' + path, params,
            HTTP_X_REQUESTED_WITH='XMLHttpRequest'))

    def post(self, path, body):
        return self._json(self.client.post(
            '/api/glance_download/' + path, json.dumps(body),
            content_type='application/json',
            HTTP_X_REQUESTED_WITH='XMLHttpRequest'))

    @staticmethod
    def _json(response):
        return response.status_code, json.loads(response.content or 'null')

    def wait_for(self, image_id, region, states, timeout=COPY_TIMEOUT):
        """Poll the copies' state until ``region``'s is one of ``states``;
        every state seen, in order."""
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
