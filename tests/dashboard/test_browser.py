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

""""Copy to regions" in a real browser: log in as demo, open Images, copy
an image to RegionTwo and watch it arrive; an image already there; a copy
whose data differs, replaced on request; regions that do not offer
glance-download or do not answer; an import that fails; the "Regions" view
of an image's details page, for a source and for a copy. Screenshots go to
$GD_SCREENSHOT_DIR (default <state dir>/horizon/screenshots);
doc/source/user/images/dashboard-*.png are five of them.
"""

import os
import time

from glance_download.copying import logic
from tests.dashboard import base
from tests.dashboard import browser
from tests.functional import base as functional_base

SHOTS = os.environ.get('GD_SCREENSHOT_DIR') or os.path.join(
    functional_base.CLOUD_DIR, 'horizon', 'screenshots')
FINAL = ('copied', 'exists', 'failed', 'left-alone')
POLICY = 'glance_download_policy'


class BrowserTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.browser = browser.Browser(SHOTS)
        self.addCleanup(self.browser.close)

    def shot(self, what):
        return self.browser.screenshot('%s-%s' % (self._testMethodName,
                                                  what))

    def open_dialog(self, name, source_region):
        b = self.browser
        b.open_images()
        row = b.open_row_menu(name)
        action = b.action(row, 'Copy to regions')
        self.shot('action')
        action.click()
        self.assertIn('from %s to other regions' % source_region,
                      b.dialog().text)
        b.region_row(base.REGION_TWO)
        return b

    def start_copy(self, name, source_region, region=base.REGION_TWO):
        b = self.open_dialog(name, source_region)
        self.tick_and_copy(region)
        return b

    def tick_and_copy(self, region=base.REGION_TWO):
        """Tick ``region``, press Copy, and wait for the start's answer
        (the dialog unticks the regions it started).
        """
        b = self.browser
        b.dialog()
        box = b.region_row(region).find_element(
            browser.By.CSS_SELECTOR, 'input[type=checkbox]')
        box.click()
        b.wait(lambda d: box.is_selected())
        self.shot('form')
        b.find('//button[contains(@class, "gd-start")]').click()
        b.wait(lambda d: not box.is_selected())

    def watch(self, region=base.REGION_TWO, timeout=base.COPY_TIMEOUT,
              final=FINAL):
        """Every (state, percent, label) the dialog showed, until final."""
        seen = []
        shown = None        # the percentage of the progress screenshot
        deadline = time.time() + timeout
        while True:
            now = self.browser.region_state(region)
            if not seen or seen[-1] != now:
                seen.append(now)
                percent = now[1] or 0
                if now[0] == 'importing' and 0 < percent < 100 and (
                        shown is None or
                        abs(percent - 50) < abs(shown - 50)):
                    # The bar nearest half-way.
                    shown = percent
                    self.shot('progress')
            if now[0] in final:
                self.shot('final')
                return seen
            if time.time() > deadline:
                self.shot('timeout')
                self.fail('no final state after %d s: %s' % (timeout, seen))
            time.sleep(0.3)

    def test_copy_to_region_two_with_progress(self):
        # From RegionFaulty, RegionOne's Glance behind the fault proxy,
        # which trickles the data at 1 MiB/s so that the bar has time to
        # move (on loopback the copy would take a fraction of a second).
        source, sha512 = self.make_source(
            8 * base.MiB, name='gd-dashboard-%s' % functional_base
            .random_id()[:8])
        self.proxy.queue(source['id'], {'mode': 'trickle',
                                        'rate': base.MiB, 'count': 20})
        self.browser.log_in(region=base.REGION_FAULTY)
        self.start_copy(source['name'], base.REGION_FAULTY)
        seen = self.watch()
        state, percent, label = seen[-1]
        self.assertEqual(('copied', 100), (state, percent), seen)
        self.assertEqual('Copied, verified (sha512 equal)', label)
        # The bar advances: it stood at two or more places between 0 and
        # 100, never going back, with the task's "Downloaded N of M MiB".
        moving = [s for s in seen if s[0] == 'importing' and 0 < s[1] < 100]
        places = [s[1] for s in moving]
        self.assertGreaterEqual(len(set(places)), 2, seen)
        self.assertEqual(sorted(places), places, seen)
        self.assertTrue(all('Downloaded' in s[2] and 'of 8 MiB' in s[2]
                            for s in moving), moving)

        copy = self.the_copy(base.REGION_TWO, source['id'])
        self.assertEqual(('active', sha512, 'private', base.REGION_FAULTY),
                         (copy['status'], copy['os_hash_value'],
                          copy['visibility'], copy[logic.ORIGIN_REGION]))

        # Leave the page and come back: the state is read from Glance.
        self.open_dialog(source['name'], base.REGION_FAULTY)
        self.assertEqual(
            ('copied', 100, 'Copied, verified (sha512 equal)'),
            self.browser.wait(lambda d: self.browser.region_state(
                base.REGION_TWO)[0] == 'copied' and
                self.browser.region_state(base.REGION_TWO)))

    def test_already_there(self):
        source, _sha = self.make_source(
            1 * base.MiB, name='gd-dashboard-%s' % functional_base
            .random_id()[:8])
        horizon = base.Horizon()
        status, body = horizon.post('images/%s/copies/' % source['id'],
                                    {'regions': [base.REGION_TWO]})
        self.assertEqual(200, status, body)
        horizon.wait_for(source['id'], base.REGION_TWO, ('copied',))
        first = self.the_copy(base.REGION_TWO, source['id'])

        self.browser.log_in()
        # From the details page this time (the same action). The dialog
        # shows the copy at once; asked to copy again, it copies nothing.
        b = self.browser
        b.action(b.open_details_menu(source['id']), 'Copy to regions').click()
        self.assertEqual('copied', self.watch()[-1][0])
        self.tick_and_copy()
        seen = self.watch(final=('exists', 'failed'))
        self.assertEqual(('exists', 100, 'Already there (sha512 equal)'),
                         seen[-1], seen)
        self.assertEqual(first['id'], self.the_copy(base.REGION_TWO,
                                                    source['id'])['id'])

    def test_failed_import(self):
        source, _sha = self.make_source(
            1 * base.MiB, name='gd-dashboard-%s' % functional_base
            .random_id()[:8])
        self.proxy.queue(source['id'], {'mode': 'status', 'status': 403,
                                        'count': 50})
        self.browser.log_in(region=base.REGION_FAULTY)
        self.start_copy(source['name'], base.REGION_FAULTY)
        seen = self.watch()
        state, _percent, label = seen[-1]
        self.assertEqual('failed', state, seen)
        self.assertTrue(label.startswith('Failed: import failed: '), label)
        self.assertIn('403', label)
        self.assertEqual('queued', self.the_copy(base.REGION_TWO,
                                                 source['id'])['status'])

    def test_regions_not_offered_are_disabled_with_their_reasons(self):
        # RegionFaulty answers GET /v2/info/import with 503; another region
        # of the catalog refuses connections.
        self.refuse_import_info()
        [(down, down_reason)] = self.unanswered_regions('refusing').items()
        source, _sha = self.make_source(
            1 * base.MiB, name='gd-dashboard-%s' % functional_base
            .random_id()[:8])
        self.browser.log_in()
        b = self.open_dialog(source['name'], base.REGION_ONE)
        reasons = {}
        for region in (base.REGION_FAULTY, down):
            row = b.region_row(region)
            box = row.find_element(browser.By.CSS_SELECTOR,
                                   'input[type=checkbox]')
            self.assertFalse(box.is_enabled(), region)
            reasons[region] = row.find_element(browser.By.CSS_SELECTOR,
                                               '.gd-reason').text
        self.assertTrue(reasons[base.REGION_FAULTY].startswith(
            'region RegionFaulty: GET /v2/info/import failed: HTTP 503'),
            reasons)
        self.assertEqual(down_reason, reasons[down])
        two = b.region_row(base.REGION_TWO).find_element(
            browser.By.CSS_SELECTOR, 'input[type=checkbox]')
        self.assertTrue(two.is_enabled())
        b.find('//select[@id="gd-visibility"]/option[@value="shared"]'
               ).click()
        self.tick_and_copy()
        self.assertEqual('copied', self.watch()[-1][0])
        self.assertEqual('shared', self.the_copy(base.REGION_TWO,
                                                 source['id'])['visibility'])
        self.assertEqual([], self.copies(self.r1, source['id']))

    def test_replace_a_copy_whose_data_differs(self):
        source, sha512 = self.make_source(
            2 * base.MiB, name='gd-dashboard-%s' % functional_base
            .random_id()[:8])
        stale = self.make_differing_copy(source)
        self.browser.log_in()
        b = self.open_dialog(source['name'], base.REGION_ONE)
        conflict = ("Failed: an active copy %s is there but its sha512 "
                    "differs from the source's; delete it to copy again"
                    % stale['id'])
        # The dialog says so at once (read from RegionTwo's Glance); asked
        # to copy without "replace", it says so again and leaves the copy.
        self.assertEqual(('failed', conflict), b.wait(
            lambda d: b.region_state(base.REGION_TWO)[0] == 'failed' and
            b.region_state(base.REGION_TWO)[::2]))
        self.tick_and_copy()
        seen = self.watch()
        self.assertEqual(('failed', conflict), seen[-1][::2], seen)
        self.assertEqual(stale['id'], self.the_copy(base.REGION_TWO,
                                                    source['id'])['id'])

        # With "replace": deleted, copied again, verified.
        b.find('//input[@id="gd-replace"]').click()
        self.tick_and_copy()
        seen = self.watch()
        self.assertEqual(('copied', 100, 'Copied, verified (sha512 equal)'),
                         seen[-1], seen)
        copy = self.the_copy(base.REGION_TWO, source['id'])
        self.assertNotEqual(stale['id'], copy['id'])
        self.assertEqual(('active', sha512, base.REGION_ONE),
                         (copy['status'], copy['os_hash_value'],
                          copy[logic.ORIGIN_REGION]))
        self.assertRaises(base.glance_exc.HTTPNotFound, self.r2.images.get,
                          stale['id'])

    def copied(self, size=1 * base.MiB):
        """A source image in RegionOne and its verified copy in RegionTwo,
        made through the plugin's REST API (as the dialog does).
        """
        source, _sha = self.make_source(
            size, name='gd-dashboard-%s' % functional_base.random_id()[:8])
        horizon = base.Horizon()
        status, body = horizon.post('images/%s/copies/' % source['id'],
                                    {'regions': [base.REGION_TWO]})
        self.assertEqual(200, status, body)
        horizon.wait_for(source['id'], base.REGION_TWO, ('copied',))
        return source, self.the_copy(base.REGION_TWO, source['id'])

    def test_details_regions_view_of_a_source(self):
        # A region that refuses connections is in the catalog too: it says
        # why, the others are read as usual.
        [(down, down_reason)] = self.unanswered_regions('refusing').items()
        source, copy = self.copied()
        self.browser.log_in()
        b = self.browser
        pane = b.open_details_view(source['id'], 'Regions')
        # The dialog's states and words, from the same REST call.
        self.assertEqual(('copied', 100, 'Copied, verified (sha512 equal)'),
                         b.region_state(base.REGION_TWO))
        self.assertEqual(copy['id'], b.region_row(base.REGION_TWO)
                         .find_element(browser.By.CSS_SELECTOR,
                                       '.gd-target').text)
        self.assertEqual(('none', None, 'No copy'),
                         b.region_state(base.REGION_FAULTY))
        self.assertEqual(down_reason, b.region_row(down).find_element(
            browser.By.CSS_SELECTOR, '.gd-reason').text)
        self.shot('regions')
        # Not a copy: no origin; read-only: nothing to press or tick.
        self.assertEqual([], pane.find_elements(browser.By.CSS_SELECTOR,
                                                '.gd-origin'))
        self.assertEqual([], pane.find_elements(
            browser.By.CSS_SELECTOR, 'button, input, select'))

    def test_details_regions_view_of_a_copy(self):
        source, copy = self.copied()
        # What a replication policy marks the copies it keeps with.
        self.r2.images.update(copy['id'], **{POLICY: 'gd-test-policy'})
        self.browser.log_in(region=base.REGION_TWO)
        b = self.browser
        b.open_details_view(copy['id'], 'Regions')
        self.assertEqual(
            'Copied from region RegionOne, image %s. Kept in step by the '
            'replication policy gd-test-policy.' % source['id'],
            b.find('//p[contains(@class, "gd-origin")]').text)
        # The copy has no copy of its own in RegionOne.
        self.assertEqual('none', b.region_state(base.REGION_ONE)[0])
        self.shot('copy')
