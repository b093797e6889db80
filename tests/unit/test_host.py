"""host: what differs between Glance releases, decided by what Glance has."""

import sqlite3

import fixtures
from glance.common import utils as glance_utils

from glance_download import host
from tests.unit import base


class RetryOnDbLockTest(base.TestCase):

    def flaky_write(self, failures):
        """A write that meets SQLite's lock ``failures`` times."""
        calls = []

        def write():
            calls.append(1)
            if len(calls) <= failures:
                raise sqlite3.OperationalError('database is locked')
            return 'saved'
        return write, calls

    def test_glance_retries_where_it_can(self):
        # Glance 33: its own helper retries the write on lock errors.
        write, calls = self.flaky_write(2)
        self.assertEqual('saved', host.retry_on_db_lock(write))
        self.assertEqual(3, len(calls))

    def test_one_try_where_glance_has_no_helper(self):
        # Glance 28-32 have no retry_on_db_lock: the write is made once,
        # as Glance makes its own, instead of an AttributeError.
        self.useFixture(fixtures.MonkeyPatch(
            'glance.common.utils.retry_on_db_lock', fixtures.MonkeyPatch.
            delete))
        self.assertFalse(hasattr(glance_utils, 'retry_on_db_lock'))
        write, calls = self.flaky_write(0)
        self.assertEqual('saved', host.retry_on_db_lock(write))
        write, calls = self.flaky_write(1)
        self.assertRaises(sqlite3.OperationalError, host.retry_on_db_lock,
                          write)
        self.assertEqual(1, len(calls))
