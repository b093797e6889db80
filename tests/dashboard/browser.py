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

"""Headless Chromium (Debian's chromium and chromium-driver) driven by
Selenium, on the Horizon that tools/dashboard runs.
"""

import os
import shutil

from selenium import webdriver
from selenium.webdriver.chrome import service as chrome_service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support import ui

from tests.dashboard import base

HORIZON_URL = base.HORIZON_URL

WAIT = 120


def chromium():
    binary = shutil.which('chromium')
    driver = shutil.which('chromedriver')
    if not binary or not driver:
        raise AssertionError('no chromium / chromedriver: apt-get install '
                             'chromium chromium-driver')
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage',
                '--window-size=1400,1000', '--disable-gpu'):
        options.add_argument(arg)
    return webdriver.Chrome(service=chrome_service.Service(driver),
                            options=options)


class Browser:
    """One logged-in Horizon page; saves screenshots under ``shots``."""

    def __init__(self, shots):
        self.shots = shots
        os.makedirs(shots, exist_ok=True)
        self.driver = chromium()

    def close(self):
        self.driver.quit()

    def wait(self, condition, timeout=WAIT):
        return ui.WebDriverWait(self.driver, timeout).until(condition)

    def find(self, xpath, timeout=WAIT):
        return self.wait(ec.visibility_of_element_located((By.XPATH, xpath)),
                         timeout)

    def screenshot(self, name):
        path = os.path.join(self.shots, name + '.png')
        self.driver.save_screenshot(path)
        return path

    def log_in(self, user='demo', password='demo', region=base.REGION_ONE):
        """Log in; in ``region`` (the one Horizon's region menu remembers in
        its cookie). Not switch_services_region after the login: with
        cookie-backed sessions, a late answer to a request of the page
        before could write the old region back. Always a region: without
        one Horizon takes the first region whose identity endpoint is the
        Keystone it logged in to, and Keystone lists those in no fixed
        order.
        """
        self.driver.get(HORIZON_URL + 'auth/login/')
        self.driver.add_cookie({'name': 'services_region',
                                'value': region, 'path': '/'})
        self.find('//input[@id="id_username"]').send_keys(user)
        self.find('//input[@id="id_password"]').send_keys(password)
        self.find('//button[@id="loginBtn"]').click()
        self.wait(lambda d: '/auth/login' not in d.current_url)

    def open_images(self):
        self.driver.get(HORIZON_URL + 'project/images/')

    def image_row(self, name):
        return self.find('//tr[.//a[normalize-space()="%s"]]' % name)

    def open_row_menu(self, name):
        row = self.image_row(name)
        # The row's actions appear once their allowed() checks answered.
        self.wait(lambda d: row.find_elements(
            By.CSS_SELECTOR, '.dropdown-toggle'))[0].click()
        return row

    def open_details_menu(self, image_id):
        """The actions menu of an image's details page."""
        self.driver.get(HORIZON_URL + 'project/images/%s' % image_id)
        menu = self.find('//*[contains(@class, "detail-header") or '
                         'contains(@class, "page-header")]'
                         '//*[contains(@class, "dropdown-toggle")]/..')
        menu.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
        return menu

    def open_details_view(self, image_id, name):
        """The details page of an image, on its view (tab) ``name``; the
        view's pane.
        """
        self.driver.get(HORIZON_URL + 'project/images/%s' % image_id)
        self.find('//ul[contains(@class, "nav-tabs")]'
                  '//a[normalize-space()="%s"]' % name).click()
        return self.find('//div[contains(@class, "tab-pane") and '
                         'contains(@class, "active")]')

    def action(self, row, text):
        return self.wait(lambda d: row.find_element(
            By.XPATH, './/a[normalize-space()="%s"]' % text))

    def dialog(self):
        """The copy dialog once it stands still: Bootstrap slides a modal
        in (0.3 s), and a click during the slide lands beside its target
        (CI saw a region's box stay unticked that way).
        """
        element = self.find('//div[contains(@class, "glance-download-copy")]')
        where = []

        def still(driver):
            rect = element.rect
            where.append((rect['x'], rect['y']))
            return len(where) > 1 and where[-1] == where[-2] and element

        return ui.WebDriverWait(self.driver, WAIT,
                                poll_frequency=0.1).until(still)

    def region_row(self, region):
        return self.find('//tr[contains(@class, "gd-region") and '
                         '@data-region="%s"]' % region)

    def region_state(self, region):
        """``(state, percent, label)`` of ``region``'s row, read in one
        script: read one by one, a poll's answer landing in between would
        pair the last answer's bar with the new answer's label.
        """
        row = self.region_row(region)
        state, percent, label = self.driver.execute_script(
            "var row = arguments[0];"
            "var bar = row.querySelector('.gd-bar');"
            "var label = row.querySelector('.gd-label');"
            "return [row.getAttribute('data-state'),"
            "        bar && bar.getAttribute('aria-valuenow'),"
            "        label ? label.innerText.trim() : ''];", row)
        return state, int(percent) if percent is not None else None, label
