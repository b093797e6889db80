"""The plugin's REST view (glance_download.dashboard.rest) over HTTP, through
the running Horizon's own login, session, CSRF and URL routing, against the
local cloud."""

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
        self.assertIn('faultproxy answered 503', faulty['reason'])

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


def fault_id():
    return '00000000-0000-4000-8000-00000000dead'
