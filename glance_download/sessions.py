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

"""keystoneauth1 sessions for reaching other services.

Two TLS scopes, each loaded by keystoneauth1 from its own section: the
source regions' (``[glance_download]``: often a private CA, sometimes a
client certificate) and web-download's (``[glance_download_web]``), whose
URLs any user picks and which must never be trusted, or shown our client
certificate, because of settings meant for our own regions.

The caller's token authenticates every request to the source region. When
the operator configures a service user, keystoneauth1's
``ServiceTokenAuthWrapper`` adds that user's token as ``X-Service-Token``,
which lets a source Glance that accepts service tokens serve a request whose
user token has meanwhile expired (the same mechanism Nova uses).
"""

import threading

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin
from keystoneauth1 import service_token
from keystoneauth1 import token_endpoint

from glance_download import errors
from glance_download import opts

_service_auth = None
_service_auth_lock = threading.Lock()


def _service_user_auth(conf):
    """The configured service user's auth plugin, loaded once.

    Kept for the life of the process so that its token is reused until it
    nears expiry, instead of asking Keystone for a new one per import.
    """
    global _service_auth
    with _service_auth_lock:
        if _service_auth is None:
            _service_auth = ks_loading.load_auth_from_conf_options(
                conf, opts.SERVICE_USER_GROUP)
        if _service_auth is None:
            raise errors.ImportFailed(
                '[%s] send_service_user_token is true but no service user '
                'is configured (auth_type and its options are missing); '
                'ask the operator to fix glance-api.conf.'
                % opts.SERVICE_USER_GROUP)
        return _service_auth


def for_caller(context, conf):
    """A session that acts for the user who asked for the import.

    Our requests to the source carry their own (connect, read) timeouts;
    the session's single ``timeout`` bounds the ones keystoneauth1 makes by
    itself, the service user's token requests, which would otherwise wait
    for ever on a Keystone that stopped answering. Those go over a session
    of their own with the same TLS settings: the caller's session reaches
    only the addresses Glance's import filter approved
    (:func:`glance_download.uri_filter.pin`), never Keystone.
    """
    settings = conf[opts.TRANSFER_GROUP]
    timeout = settings.timeout or settings.read_timeout
    auth = token_endpoint.Token(None, context.auth_token)
    if conf[opts.SERVICE_USER_GROUP].send_service_user_token:
        auth = service_token.ServiceTokenAuthWrapper(
            user_auth=auth, service_auth=_OwnSession(
                _service_user_auth(conf),
                _load(conf, opts.TRANSFER_GROUP, timeout=timeout)))
    return _load(conf, opts.TRANSFER_GROUP, auth=auth, timeout=timeout)


def anonymous(conf):
    """A session without credentials for URLs users give (web-download)."""
    return _load(conf, opts.WEB_GROUP)


def _load(conf, group, **kwargs):
    """keystoneauth1's session from ``group``, once its TLS files are
    known to be readable: requests would only find out when connecting,
    with an OSError that Glance reports as "Internal Error".
    """
    for name in ('cafile', 'certfile', 'keyfile'):
        path = conf[group][name]
        if not path:
            continue
        try:
            with open(path, 'rb'):
                pass
        except OSError as exc:
            raise errors.ImportFailed(
                'This Glance cannot read the file that [%s] %s names (%s); '
                'ask the operator to fix glance-api.conf.'
                % (group, name, exc.strerror or type(exc).__name__)) from None
    return ks_loading.load_session_from_conf_options(conf, group, **kwargs)


class _OwnSession(plugin.BaseAuthPlugin):
    """``auth``, always over ``session``, whichever session asks."""

    def __init__(self, auth, session):
        super().__init__()
        self._auth = auth
        self._session = session

    def get_token(self, session, **kwargs):
        return self._auth.get_token(self._session, **kwargs)

    def get_headers(self, session, **kwargs):
        return self._auth.get_headers(self._session, **kwargs)

    def invalidate(self):
        return self._auth.invalidate()
