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

"""The plugin's REST view (glance_download.dashboard.rest) over HTTP, through
the running Horizon's own login, session, CSRF and URL routing, against the
local cloud.
"""

import time

from glance_download.copying import logic
from tests.dashboard import base


class RestTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.horizon = base.Horizon()

    def test_regions_that_offer_glance_download(self):
        status, body = self.horizon.get('regions/')
        self.assertEqual(200, status, body)
        self.assertEqual(base.REGION_ONE, body['source_region'])
        offers = {r['name']: r['offers'] for r in body['items']}
        # The session's own region is the source, never a target.
        self.assertEqual({base.REGION_TWO: True, base.REGION_FAULTY: True},
                         offers)

    def test_region_whose_glance_does_not_answer_is_not_offered(self):
        # RegionFaulty's Glance answers GET /v2/info/import with 503.
        self.refuse_import_info()
        status, body = self.horizon.get('regions/')
        self.assertEqual(200, status, body)
        regions = {r['name']: r for r in body['items']}
        self.assertEqual((True, None), (regions[base.REGION_TWO]['offers'],
                                        regions[base.REGION_TWO]['reason']))
        faulty = regions[base.REGION_FAULTY]
        self.assertFalse(faulty['offers'], faulty)
        self.assertTrue(faulty['reason'].startswith(
            'region RegionFaulty: GET /v2/info/import failed: HTTP 503: '),
            faulty)
        self.assertIn('injected fault: HTTP 503', faulty['reason'])

        # Asked anyway, the copy fails with that reason and makes nothing
        # (RegionFaulty's images are RegionOne's).
        source, _sha = self.make_source(1 * base.MiB)
        status, body = self.horizon.post('images/%s/copies/' % source['id'],
                                         {'regions': [base.REGION_FAULTY]})
        self.assertEqual(200, status, body)
        [item] = body['items']
        self.assertEqual((logic.FAILED, faulty['reason'], None),
                         (item['status'], item['message'],
                          item['target_id']))
        self.assertEqual([], self.copies(self.r1, source['id']))

        # Without the fault, the region is offered again.
        self.proxy.clear_path(base.INFO_IMPORT)
        status, body = self.horizon.get('regions/')
        self.assertEqual({base.REGION_TWO: True, base.REGION_FAULTY: True},
                         {r['name']: r['offers'] for r in body['items']})

    def test_not_logged_in(self):
        anonymous = base.Horizon.__new__(base.Horizon)
        anonymous.http = base.requests.Session()
        status, body = anonymous.get('regions/')
        self.assertEqual((401, 'not logged in'), (status, body))

    def test_start_is_validated(self):
        source, _sha = self.make_source(1 * base.MiB)
        path = 'images/%s/copies/' % source['id']
        for body, words in (
                ({'regions': []}, 'choose at least one region'),
                ({'regions': [base.REGION_TWO], 'visibility': 'secret'},
                 'visibility must be one of'),
                ({'regions': ['RegionNowhere']},
                 'not a target region of your catalog: RegionNowhere')):
            status, answer = self.horizon.post(path, body)
            self.assertEqual(400, status, answer)
            self.assertIn(words, answer)
        self.assertEqual([], self.copies(self.r2, source['id']))

    def test_start_body_of_another_shape(self):
        source, _sha = self.make_source(1 * base.MiB)
        path = 'images/%s/copies/' % source['id']
        regions_expected = ('"regions" must be a list of region names, '
                            'such as ["RegionTwo"]')
        object_expected = (
            'the body must be a JSON object such as {"regions": '
            '["RegionTwo"], "visibility": "private", "replace": false}')
        for body, expected in (
                ({'regions': base.REGION_TWO}, regions_expected),
                ({'regions': 2}, regions_expected),
                ({'regions': [[base.REGION_TWO]]}, regions_expected),
                ({'regions': [base.REGION_TWO, 2]}, regions_expected),
                ({'regions': {base.REGION_TWO: True}}, regions_expected),
                ({'regions': [base.REGION_TWO], 'visibility': 5},
                 'visibility must be one of private, shared, community, '
                 'public'),
                ({'regions': [base.REGION_TWO], 'replace': 'yes'},
                 '"replace" must be true or false'),
                ([base.REGION_TWO], object_expected),
                (5, object_expected)):
            status, answer = self.horizon.post(path, body)
            self.assertEqual((400, expected), (status, answer), body)
        self.assertEqual([], self.copies(self.r2, source['id']))

    def test_regions_repeated_in_another_case_are_one(self):
        source, _sha = self.make_source(1 * base.MiB)
        status, body = self.horizon.post(
            'images/%s/copies/' % source['id'],
            {'regions': [base.REGION_TWO, base.REGION_TWO.lower(),
                         base.REGION_TWO]})
        self.assertEqual(200, status, body)
        self.assertEqual([(base.REGION_TWO, logic.STARTED)],
                         [(i['region'], i['status']) for i in body['items']])
        self.horizon.wait_for(source['id'], base.REGION_TWO, ('copied',))
        self.the_copy(base.REGION_TWO, source['id'])

    def test_unknown_image(self):
        status, body = self.horizon.get(
            'images/%s/copies/' % fault_id(), region=base.REGION_TWO)
        self.assertEqual(404, status, body)

    def test_copy_then_state_then_already_there(self):
        source, sha512 = self.make_source(3 * base.MiB)
        path = 'images/%s/copies/' % source['id']
        status, body = self.horizon.get(path, region=base.REGION_TWO)
        self.assertEqual((200, 'none'), (status, body['items'][0]['state']))

        status, body = self.horizon.post(path, {
            'regions': [base.REGION_TWO], 'visibility': 'shared'})
        self.assertEqual(200, status, body)
        [started] = body['items']
        self.assertEqual((base.REGION_TWO, logic.STARTED),
                         (started['region'], started['status']), started)

        seen = self.horizon.wait_for(source['id'], base.REGION_TWO,
                                     ('copied', 'failed'))
        final = seen[-1]
        self.assertEqual('copied', final['state'], seen)
        self.assertEqual('copied, verified (sha512 equal)', final['message'])
        self.assertEqual(started['target_id'], final['target_id'])
        copy = self.the_copy(base.REGION_TWO, source['id'])
        self.assertEqual(('active', sha512, 'shared'),
                         (copy['status'], copy['os_hash_value'],
                          copy['visibility']))
        self.assertEqual(base.REGION_ONE, copy[logic.ORIGIN_REGION])

        # Again: nothing is copied twice.
        status, body = self.horizon.post(path, {
            'regions': [base.REGION_TWO]})
        self.assertEqual(200, status, body)
        [again] = body['items']
        self.assertEqual((logic.EXISTS, 'already there (sha512 equal)'),
                         (again['status'], again['message']))
        self.assertEqual(copy['id'], self.the_copy(base.REGION_TWO,
                                                   source['id'])['id'])

    def test_failed_import_reports_glances_message(self):
        # From RegionFaulty (RegionOne's Glance behind the fault proxy),
        # whose image data answers 403 to RegionTwo's download.
        source, _sha = self.make_source(1 * base.MiB)
        self.proxy.queue(source['id'], {'mode': 'status', 'status': 403,
                                        'count': 50})
        self.horizon.switch_region(base.REGION_FAULTY)
        path = 'images/%s/copies/' % source['id']
        status, body = self.horizon.post(path, {
            'regions': [base.REGION_TWO]})
        self.assertEqual(200, status, body)
        self.assertEqual(logic.STARTED, body['items'][0]['status'], body)
        seen = self.horizon.wait_for(source['id'], base.REGION_TWO,
                                     ('copied', 'failed'))
        self.assertEqual('failed', seen[-1]['state'], seen)
        self.assertIn('import failed: ', seen[-1]['message'])
        self.assertIn('403', seen[-1]['message'])
        self.assertEqual('queued', self.the_copy(base.REGION_TWO,
                                                 source['id'])['status'])


class UnansweredRegionTest(base.TestCase):
    """Regions of the catalog whose Glance gives no answer, beside
    RegionTwo and RegionFaulty: each is listed as not offered, with the
    reason; the others are offered, and copies to them go on.
    """

    maxDiff = None

    def test_listed_not_offered_with_the_reason(self):
        down = self.unanswered_regions('refusing', 'silent', 'silent',
                                       'untrusted', 'closing')
        horizon = base.Horizon()
        started = time.monotonic()
        status, body = horizon.get('regions/')
        seconds = time.monotonic() - started
        self.assertEqual(200, status, body)
        expected = {region: (False, reason)
                    for region, reason in down.items()}
        expected.update({base.REGION_TWO: (True, None),
                         base.REGION_FAULTY: (True, None)})
        self.assertEqual(expected, {r['name']: (r['offers'], r['reason'])
                                    for r in body['items']})
        # Asked at the same time: the two silent ones cost one check
        # timeout (GlanceRegions.check_timeout, 10 s), not two.
        self.assertLess(seconds, 18)

    def test_copies_go_on_beside_them(self):
        down = self.unanswered_regions('refusing', 'silent', 'untrusted')
        horizon = base.Horizon()
        source, sha512 = self.make_source(1 * base.MiB)
        path = 'images/%s/copies/' % source['id']
        everywhere = [base.REGION_TWO] + sorted(down)
        failed = [(region, logic.FAILED, down[region])
                  for region in sorted(down)]

        status, body = horizon.get(path, region=everywhere)
        self.assertEqual(200, status, body)
        self.assertEqual([(base.REGION_TWO, 'none', 'no copy here')] + failed,
                         [(i['region'], i['state'], i['message'])
                          for i in body['items']])

        status, body = horizon.post(path, {'regions': everywhere})
        self.assertEqual(200, status, body)
        self.assertEqual(
            [(base.REGION_TWO, logic.STARTED)] + [f[:2] for f in failed],
            [(i['region'], i['status']) for i in body['items']])
        self.assertEqual([(f[2], None) for f in failed],
                         [(i['message'], i['target_id'])
                          for i in body['items'][1:]])
        seen = horizon.wait_for(source['id'], base.REGION_TWO,
                                ('copied', 'failed'))
        self.assertEqual('copied', seen[-1]['state'], seen)
        self.assertEqual(sha512, self.the_copy(
            base.REGION_TWO, source['id'])['os_hash_value'])

    def test_source_region_that_does_not_answer(self):
        [(region, reason)] = self.unanswered_regions('refusing').items()
        horizon = base.Horizon()
        horizon.switch_region(region)
        status, body = horizon.get('images/%s/copies/' % fault_id(),
                                   region=base.REGION_TWO)
        self.assertEqual((502, reason), (status, body))


def fault_id():
    return '00000000-0000-4000-8000-00000000dead'
