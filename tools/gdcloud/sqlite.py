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

"""The databases by default: SQLite files in the state directory, in WAL
mode, whose write transactions queue instead of failing (uwsgi_imports/).
GD_DB=mariadb uses gdcloud.mariadb instead."""

import os
import sqlite3

from gdcloud import paths

# Modules every uWSGI worker imports (SQLite transactions: see the module).
UWSGI_IMPORTS = os.path.join(paths.PACKAGE, 'uwsgi_imports')


def url(db_file):
    return 'sqlite:///%s' % db_file


def uwsgi_options():
    return [('pythonpath', UWSGI_IMPORTS), ('import', 'gd_sqlite_immediate')]


def use_wal(db_files):
    """Put the SQLite databases in write-ahead-log mode (persistent).

    In the default rollback-journal mode a writer locks readers out; with
    WAL a commit does not wait for readers. Transactions queue for the
    write lock (gd_sqlite_immediate, UWSGI_IMPORTS).
    """
    for db in db_files:
        if os.path.exists(db):
            with sqlite3.connect(db) as conn:
                conn.execute('PRAGMA journal_mode=WAL')


class SQLite(object):
    """One file per service ({service name: path}); no server to run."""

    def __init__(self, files):
        self.files = files

    def servers(self):
        return []

    def url(self, name):
        return url(self.files[name])

    def exists(self, name):
        return os.path.exists(self.files[name])

    def uwsgi_options(self):
        return uwsgi_options()

    def prepare(self):
        """After the services' db syncs: WAL mode."""
        use_wal(self.files.values())
