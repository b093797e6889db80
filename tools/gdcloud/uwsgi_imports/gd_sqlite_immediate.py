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

"""Local cloud only: SQLite write transactions wait for each other.

Imported into every Keystone and glance-api uWSGI worker of tools/cloud
(uWSGI ``import``), never into a real deployment.

oslo.db starts each SQLite transaction with a plain (deferred) ``BEGIN``,
so a transaction reads first and asks for the write lock only at its first
write. When another process has written in between, SQLite cannot upgrade
the stale read snapshot and answers "database is locked" at once, without
waiting for its busy timeout: Glance and Keystone then fail requests with
HTTP 500 now and then under concurrent load. ``BEGIN IMMEDIATE`` takes the
write lock when the transaction starts, so concurrent transactions queue
(up to the busy timeout, 5 s) instead of failing. SQLAlchemy runs listeners
registered on the Engine class before an engine's own, and oslo.db's
listener skips its ``BEGIN`` when the connection is already marked as in a
transaction (``conn.info["in_transaction"]``, which it clears at commit or
rollback). Connections oslo.db did not set up (pysqlite still emitting its
own BEGIN) are left alone.
"""

import sqlalchemy
from sqlalchemy import engine


@sqlalchemy.event.listens_for(engine.Engine, 'begin')
def _begin_immediate(conn):
    if conn.dialect.name != 'sqlite' or 'in_transaction' in conn.info:
        return
    if conn.connection.dbapi_connection.isolation_level is None:
        conn.exec_driver_sql('BEGIN IMMEDIATE')
        conn.info['in_transaction'] = True
