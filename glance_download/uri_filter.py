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

"""Glance's ``[import_filtering_opts]`` rules, applied to our requests.

The rules (scheme, host and port allow and deny lists, no loopback or
link-local address unless allowed by name) are Glance's own code; we turn
its ValueError into a message for the user, and connect to the very
address the filter approved ("pinning", as Glance 33 does): resolving the
name again when connecting would let a DNS record that changes between the
two lookups lead the request to an address the filter refused.

The filter judges a URL in the form requests will send it (an empty port
dropped, ``:080`` read as ``:80``, the host in lower case), and the pin
fails closed: a session that carries pinned requests connects only to the
hosts and ports the filter approved, to the addresses it approved, whatever
the spelling of a URL or of a redirect's ``Location``. Two spellings are
refused before any check, because the filter and the HTTP client would
read them differently:

* user info (``http://user:password@host/``): requests would send it as
  Basic credentials, to a host the filter's allow list names by its
  bare name; Glance's own web-download cannot use it either;
* a host name in Unicode (``http://hé.example/``): the filter's host
  lists and the resolver would see one name, the HTTP client its IDNA
  encoding; the user gives the ``xn--`` form the operator's lists use.
"""

import collections
from urllib import parse

from keystoneauth1 import session as ks_session
import requests
from requests import utils as requests_utils

from glance_download import errors
from glance_download import host

_DEFAULT_PORTS = {'http': 80, 'https': 443}


class Approved(collections.namedtuple('Approved', 'url address')):
    """A URL as it is sent, and the address its host is reached at."""


def check(url, what):
    """Return the :class:`Approved` form of ``url``, if Glance's import
    filter lets it pass; raise ImportFailed otherwise.

    ``what`` names the URL for the user, e.g. "the image endpoint of
    region RegionOne".
    """
    url = url or ''  # web-download without a uri
    sent = _as_sent(url, what)
    try:
        address = host.validated_address(sent)
    except ValueError as exc:
        # from None: Glance's text, held by the exception this one would
        # otherwise chain to, names the URL as given.
        raise errors.ImportFailed(
            '%s (%s) is not allowed by this Glance\'s '
            '[import_filtering_opts]: %s.'
            % (what, redact(url), _redacted_text(exc, url, sent))) from None
    return Approved(sent, address)


def _redacted_text(exc, *urls):
    text = str(exc)
    for url in urls:
        if url:
            text = text.replace(url, redact(url))
    return text


def _as_sent(url, what):
    """``url`` in the form requests sends it, after refusing the spellings
    the filter and the HTTP client would read differently.
    """
    if not url:
        return url
    try:
        netloc = parse.urlsplit(url).netloc
    except ValueError:  # "Invalid IPv6 URL"
        netloc = None
    if netloc is None:
        raise _refusal(what, url, 'it is not a valid URL')
    if '@' in netloc:
        raise _refusal(
            what, url, 'it holds a user name or password (user:password@); '
            'give a URL without them (a signed URL, for example)')
    if not netloc.isascii():
        raise _refusal(what, url, 'its host name is not plain ASCII; give '
                       'it in its IDNA form%s' % _idna_hint(url))
    prepared = requests.models.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except (requests.exceptions.RequestException, ValueError):
        raise _refusal(what, url, 'it is not a valid URL') from None
    return prepared.url


def _refusal(what, url, why):
    return errors.ImportFailed('%s (%s) is not allowed: %s.'
                               % (what, redact(url), why))


def _idna_hint(url):
    try:
        hostname = parse.urlsplit(url).hostname or ''
        return ' (%s)' % hostname.encode('idna').decode('ascii')
    except (ValueError, UnicodeError):
        return ''


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


def _destination(url):
    """``(scheme, host, port)`` that requests connects to for ``url``,
    read as requests reads a prepared URL to pick its connection pool.
    """
    parts = parse.urlparse(url)
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, parts.port or _DEFAULT_PORTS.get(scheme)


def pin(session, approved):
    """Make the requests ``session`` reach ``approved.url``'s host and
    port at ``approved.address``, and nothing else it was not told of.

    Every HTTP(S) request of the session goes through one
    :class:`_PinnedAdapter`; a request to a host and port no call of this
    function approved fails before it leaves the machine. The session
    must therefore carry only the requests of one import to the URLs it
    checked (the service user's token requests to Keystone have a session
    of their own: :mod:`glance_download.sessions`). The TLS settings
    keystoneauth1 gave the session's adapters (``tls_ciphers``,
    ``tls_min_version``) carry over.
    """
    adapter = session.adapters.get('https://')
    if not isinstance(adapter, _PinnedAdapter):
        # Only the settings that are set: keystoneauth1 releases before
        # these options (those of older Glance releases' constraints) have
        # adapters that take no such arguments.
        tls = {name: getattr(adapter, name) for name in _TLS_SETTINGS
               if getattr(adapter, name, None) is not None}
        adapter = _PinnedAdapter(**tls)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
    adapter.approve(approved)


_TLS_SETTINGS = ('tls_ciphers', 'tls_min_version')


class _PinnedAdapter(ks_session.TCPKeepAliveAdapter):
    """Connect only to approved destinations, each at its fixed address,
    speaking to it as the URL's host.

    The Host header and, for HTTPS, the TLS server name and certificate
    check keep the host name of the URL.
    """

    def __init__(self, **tls):
        self._approved = {}
        super().__init__(**tls)

    def approve(self, approved):
        self._approved[_destination(approved.url)] = approved.address

    def address(self, url):
        """The approved address for ``url``'s destination; ImportFailed
        when it has none (the request is not sent).
        """
        address = self._approved.get(_destination(url))
        if address is None:
            raise errors.ImportFailed(
                'Refused to connect to %s: its host and port are not ones '
                'this Glance\'s [import_filtering_opts] approved for this '
                'import.' % redact(url))
        return address

    def send(self, request, **kwargs):
        self.address(request.url)
        scheme, hostname, port = _destination(request.url)
        if ':' in hostname:
            hostname = '[%s]' % hostname
        request.headers['Host'] = hostname if port == _DEFAULT_PORTS.get(
            scheme) else '%s:%d' % (hostname, port)
        return super().send(request, **kwargs)

    def get_connection_with_tls_context(self, request, verify, proxies=None,
                                        cert=None):
        address = self.address(request.url)
        if requests_utils.select_proxy(request.url, proxies):
            # Through a proxy the proxy resolves the name; nothing to pin.
            return super().get_connection_with_tls_context(
                request, verify, proxies=proxies, cert=cert)
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(
            request, verify, cert)
        if host_params['scheme'] == 'https':
            pool_kwargs['server_hostname'] = host_params['host']
            pool_kwargs['assert_hostname'] = host_params['host']
        host_params['host'] = address
        return self.poolmanager.connection_from_host(
            **host_params, pool_kwargs=pool_kwargs)
