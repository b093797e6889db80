"""Tests of the Horizon plugin against the local cloud and its Horizon
(tools/cloud up, tools/dashboard up): Django-level tests of the REST view
and browser tests in headless Chromium. They run in Horizon's venv, with
its settings (the local_settings.py tools/dashboard writes); `tools/run-tests
dashboard` sets that up."""

import os

import django
from django.test import utils as django_test_utils

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'openstack_dashboard.settings')
django.setup()
# Lets django.test.Client's host ("testserver") past ALLOWED_HOSTS.
django_test_utils.setup_test_environment()
