"""Glance's ``[import_filtering_opts]`` rules, applied to our requests.

The rules (scheme, host and port allow and deny lists, no loopback or
link-local address unless allowed by name) are Glance's own code; we turn
its ValueError into a message for the user, and connect to the very
address the filter approved ("pinning", as Glance 33 does): resolving the
name again when connecting would let a DNS record that changes between the
two lookups lead the request to an address the filter refused.
"""

from urllib import parse

from keystoneauth1 import session as ks_session
from requests import utils as requests_utils

from glance_download import errors
from glance_download import host


def check(url, what):
    """Return the address to connect to for ``url``, if Glance's import
    filter lets it pass; raise ImportFailed otherwise.

    ``what`` names the URL for the user, e.g. "the image endpoint of
    region RegionOne".
    """
    url = url or ''  # web-download without a uri
    try:
        return host.validated_address(url)
    except ValueError as exc:
        raise errors.ImportFailed(
            '%s (%s) is not allowed by this Glance\'s '
            '[import_filtering_opts]: %s.'
            % (what, redact(url), str(exc).replace(url, redact(url))))


def redact(url):
    """``url`` without user info or query string: they may hold secrets.

    Whatever ``url`` is: it names a URL in a message, including the
    message that says the URL is not valid.
    """
    try:
        parts = parse.urlsplit(url or '')
    except ValueError:  # "Invalid IPv6 URL"
        return 'an invalid URL'
    return parse.urlunsplit((parts.scheme, _host_and_port(parts.netloc),
                             parts.path, '', ''))


def _host_and_port(netloc):
    return netloc.rpartition('@')[2]


def _origin_prefix(url):
    parts = parse.urlsplit(url)
    return '%s://%s/' % (parts.scheme, _host_and_port(parts.netloc))


def pin(session, url, address):
    """Make the requests ``session`` reach ``url``'s origin at ``address``.

    Only that origin: requests elsewhere through the same session (say,
    the service user's token request to Keystone) resolve as usual. The
    TLS settings keystoneauth1 gave the session's adapter (``tls_ciphers``,
    ``tls_min_version``) carry over to the pinned one.
    """
    current = session.adapters.get(parse.urlsplit(url).scheme + '://')
    # Only the settings that are set: keystoneauth1 releases before these
    # options (those of older Glance releases' constraints) have adapters
    # that take no such arguments.
    tls = {name: getattr(current, name) for name in _TLS_SETTINGS
           if getattr(current, name, None) is not None}
    session.mount(_origin_prefix(url), _PinnedAdapter(address, **tls))


_TLS_SETTINGS = ('tls_ciphers', 'tls_min_version')


class _PinnedAdapter(ks_session.TCPKeepAliveAdapter):
    """Connect to a fixed address, speaking to it as the URL's host.

    The Host header and, for HTTPS, the TLS server name and certificate
    check keep the host name of the URL.
    """

    def __init__(self, address, **tls):
        self.address = address
        super().__init__(**tls)

    def send(self, request, **kwargs):
        request.headers['Host'] = _host_and_port(
            parse.urlsplit(request.url).netloc)
        return super().send(request, **kwargs)

    def get_connection_with_tls_context(self, request, verify, proxies=None,
                                        cert=None):
        if requests_utils.select_proxy(request.url, proxies):
            # Through a proxy the proxy resolves the name; nothing to pin.
            return super().get_connection_with_tls_context(
                request, verify, proxies=proxies, cert=cert)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(
            request, verify, cert)
        if host_params['scheme'] == 'https':
            pool_kwargs['server_hostname'] = host_params['host']
            pool_kwargs['assert_hostname'] = host_params['host']
        host_params['host'] = self.address
        return self.poolmanager.connection_from_host(
            **host_params, pool_kwargs=pool_kwargs)
