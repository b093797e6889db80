"""Tests of the Horizon plugin against the local cloud and its Horizon
(tools/cloud up, tools/dashboard up): its REST view over HTTP and browser
tests in headless Chromium. `tools/dashboard test` runs them in Horizon's
venv (Selenium there) and brings up what they need."""
