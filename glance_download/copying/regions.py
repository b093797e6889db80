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

"""glanceclient clients per region over one keystoneauth session.

The session is the caller's: OSC's client manager's, or the dashboard's
built from the user's Horizon token. Nothing here knows which.
"""

import copy


class GlanceRegions:
    """glanceclient v2 clients, one per region, over one keystoneauth
    session (OSC's), reaching Glance by the catalog's ``interface``.
    """

    # The import call is retried on these, with keystoneauth's backoff
    # (0.5 s, doubling: 7.5 s in all). Glance answers 500 when its own
    # write of the import lock meets a database deadlock under concurrent
    # imports (MariaDB error 1213 in set_property_atomic); 502-504 come
    # from what stands in front of it. A retry is harmless: when the first
    # call did start an import, the retry meets 409 and the copier follows
    # that import. Other calls are not retried this way: a create answered
    # 5xx may have created the image, and the polls have their own patience.
    import_retries = 4
    import_retry_delay = None       # None: keystoneauth's backoff
    import_retry_codes = (500, 502, 503, 504)

    # Seconds the region check (the first call to a target region) waits
    # for an answer, unless the session has a timeout of its own (OSC's
    # api_timeout): a Glance that accepts connections and never answers
    # must fail that region alone, not hold the run or the dashboard's
    # page for ever (keystoneauth sessions wait without limit by default).
    check_timeout = 10

    def __init__(self, session, interface=None):
        self.session = session
        self.interface = interface or 'public'
        self._clients = {}

    def glance(self, region):
        return self._client(region)

    def importer(self, region):
        """The client for the import call alone, whose 5xx answers
        keystoneauth retries (see import_retries).
        """
        return self._client(
            region, 'import', status_code_retries=self.import_retries,
            retriable_status_codes=list(self.import_retry_codes),
            status_code_retry_delay=self.import_retry_delay)

    def checker(self, region):
        """The client for the region check alone, which gives up after
        check_timeout seconds (see there).
        """
        return self._client(region, 'check', session=self._timed_session())

    def _timed_session(self):
        # A shallow copy: the same auth, token and connection pool.
        timed = copy.copy(self.session)
        if timed.timeout is None:
            timed.timeout = float(self.check_timeout)
        return timed

    def _client(self, region, purpose=None, session=None, **options):
        key = (region, purpose)
        if key not in self._clients:
            from glanceclient import client as glance_client
            self._clients[key] = glance_client.Client(
                '2', session=session or self.session, region_name=region,
                interface=self.interface, **options)
        return self._clients[key]
