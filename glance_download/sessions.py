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
    for ever on a Keystone that stopped answering.
    """
    auth = token_endpoint.Token(None, context.auth_token)
    if conf[opts.SERVICE_USER_GROUP].send_service_user_token:
        auth = service_token.ServiceTokenAuthWrapper(
            user_auth=auth, service_auth=_service_user_auth(conf))
    settings = conf[opts.TRANSFER_GROUP]
    return ks_loading.load_session_from_conf_options(
        conf, opts.TRANSFER_GROUP, auth=auth,
        timeout=settings.timeout or settings.read_timeout)


def anonymous(conf):
    """A session without credentials for URLs users give (web-download)."""
    return ks_loading.load_session_from_conf_options(conf, opts.WEB_GROUP)
