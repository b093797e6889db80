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

"""An HTTP(S) resource read as a byte stream that can be resumed.

Requests go through a keystoneauth1 session (so TLS settings, user agent,
token handling and log redaction are keystoneauth's), but redirects are
followed here, not by keystoneauth: keystoneauth would resend the caller's
token to whatever host the redirect names. We keep credentials only for
the origin they were meant for, and every URL, the first and each redirect
target, must pass the caller's URL check (Glance's import filter), whose
approved address the connection is then pinned to.
"""

import http.client as http_client
import re
import ssl
from urllib import parse

from keystoneauth1 import exceptions as ks_exceptions
from oslo_log import log as logging
from urllib3 import exceptions as urllib3_exceptions

from glance_download import errors
from glance_download import uri_filter

LOG = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)
_CONTENT_RANGE = re.compile(r'^bytes (\d+)-(\d+)/(\d+|\*)$')
_UNSATISFIED_RANGE = re.compile(r'^bytes \*/(\d+)$')

_HTTP_HINTS = {
    401: 'the credentials were not accepted (an expired token? '
         'see [glance_download_service_user] in the documentation)',
    403: 'access is forbidden',
    404: 'it was not found',
}


def _origin(url):
    parts = parse.urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


class Stream:
    """An open response and where in the resource its body starts."""

    def __init__(self, response, start, total, label, read_timeout):
        self.response = response
        self.start = start
        self.total = total
        self.label = label
        self.read_timeout = read_timeout

    def pieces(self, most):
        """Yield the body as it arrives, at most ``most`` bytes at a time.

        Each piece is what one read of the connection returned, not a
        buffer filled up to ``most``: when the connection breaks, every
        byte that arrived has already been handed out, so a resume starts
        at the exact byte where the data stopped, and a slow source is
        seen (progress, cancellation) piece by piece.

        :raises TransferInterrupted: the body broke off, in plain words
        """
        raw = self.response.raw
        try:
            while True:
                # The bytes on the wire, which Content-Length and
                # Content-Range count (a compressed body is refused).
                piece = raw.read1(most, decode_content=False)
                if not piece:
                    return
                yield piece
        except urllib3_exceptions.ReadTimeoutError:
            # from None here and below: urllib3's text names the request.
            raise errors.TransferInterrupted(
                '%s sent no data for %s seconds (read_timeout).'
                % (self.label, self.read_timeout)) from None
        except urllib3_exceptions.HTTPError as exc:
            # ProtocolError (reset, short body), SSLError.
            if any(isinstance(arg, http_client.IncompleteRead)
                   for arg in exc.args):
                raise errors.TransferInterrupted(
                    '%s closed the connection before the end of the data.'
                    % self.label) from None
            raise errors.TransferInterrupted(
                'The connection to %s broke off (%s).'
                % (self.label, _cause(exc))) from None

    def close(self):
        self.response.close()


class _End(Stream):
    """The answer to a resume at the very end of the data: nothing more.

    A connection can break after the last byte (a reset, a chunked body
    without its end); when the size was not known, the resume asks for
    the rest and the source answers 416 with the full size.
    """

    def pieces(self, most):
        return iter(())


def _cause(exc):
    """The OS's words for a broken connection ("Connection reset by
    peer"), else the exception's name; never the exception's text, which
    may hold the URL.
    """
    for cause in _causes(exc):
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return type(exc).__name__


def _causes(exc):
    """``exc`` and what it wraps: keystoneauth1 raises its exceptions
    while handling requests', which hold urllib3's, which hold the OS's.
    """
    seen = []
    todo = [exc]
    while todo:
        exc = todo.pop(0)
        if any(exc is s for s in seen):
            continue
        seen.append(exc)
        yield exc
        # urllib3 keeps the wrapped error in ``reason``; ssl.SSLError's
        # ``reason`` is a string such as 'TLSV1_ALERT_PROTOCOL_VERSION'.
        todo.extend(cause for cause in (
            *getattr(exc, 'args', ()), getattr(exc, 'reason', None),
            exc.__cause__, exc.__context__)
            if isinstance(cause, BaseException))


def connect_failure(exc, url, timeouts):
    """``(reason, retriable)`` for a request that got no answer.

    keystoneauth1's text holds the whole URL, whose user info or query
    string may be secret (a signed temporary URL): the reason is built
    from the causes alone.
    """
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return ('the certificate of %s was not accepted: %s'
                    % (parse.urlsplit(url).hostname, cause.verify_message),
                    False)
    if isinstance(exc, ks_exceptions.ConnectTimeout):
        return ('no answer within connect_timeout (%s s) or read_timeout '
                '(%s s)' % timeouts), True
    return _cause(exc), True


class HttpSource:
    """One URL to stream from, with the rules for reaching it.

    :param session: keystoneauth1 session; it holds the credentials, if any
    :param url: what to download
    :param label: how messages name the source ("image X in region Y")
    :param timeouts: (connect, read) seconds
    :param check_url: callable(url) raising ImportFailed for URLs that must
        not be fetched, else returning their
        :class:`glance_download.uri_filter.Approved` form; applied to every
        URL requested, the session's connections pinned to what it approves
    :param authenticated: send the session's credentials to ``url``'s origin
    :param request_id: sent as ``X-OpenStack-Request-ID`` to ``url``'s
        origin, for a source that logs it (another region's Glance)
    """

    def __init__(self, session, url, label, timeouts, check_url,
                 authenticated, request_id=None):
        self.session = session
        self.url = url
        self.label = label
        self.timeouts = timeouts
        self.check_url = check_url
        self.authenticated = authenticated
        self.request_id = request_id

    def open(self, offset=0):
        """Start a GET at byte ``offset``; return a :class:`Stream`.

        ``Stream.start`` is 0 when the source ignored the Range header.
        """
        url, origin = self.url, None
        for hop in range(MAX_REDIRECTS + 1):
            url = self._check(url, hop)
            origin = origin or _origin(url)
            response = self._get(url, offset, _origin(url) == origin)
            if offset and response.status_code == 416 and self._ends_at(
                    response, offset):
                response.close()
                return _End(response, offset, offset, self.label,
                            self.timeouts[1])
            if offset and response.status_code in (400, 416):
                # Glance answers 400 when its store cannot seek; 416 is the
                # standard refusal. Either way: start again from byte 0.
                LOG.warning('%s refused to resume at byte %d (HTTP %d): '
                            'starting again from the first byte',
                            self.label, offset, response.status_code)
                response.close()
                offset = 0
                continue
            if response.status_code not in _REDIRECTS:
                return self._stream(response, offset)
            location = response.headers.get('Location')
            response.close()
            if not location:
                raise errors.ImportFailed(
                    '%s answered a redirect without a Location.' % self.label)
            url = parse.urljoin(url, location)
            LOG.info('Following redirect for %s to %s%s', self.label,
                     uri_filter.redact(url),
                     '' if _origin(url) == origin else
                     ' (another host: credentials are not sent there)')
        raise errors.ImportFailed(
            '%s redirected more than %d times.' % (self.label, MAX_REDIRECTS))

    @staticmethod
    def _ends_at(response, offset):
        match = _UNSATISFIED_RANGE.match(
            response.headers.get('Content-Range', ''))
        return bool(match) and int(match.group(1)) == offset

    def _check(self, url, hop):
        """``url`` as it is sent, once the caller's check approved it; the
        session then reaches its host only at the approved address.
        """
        try:
            approved = self.check_url(url)
        except errors.ImportFailed as exc:
            if not hop:
                raise
            message = '%s redirected to a URL this Glance refuses: %s' % (
                self.label, exc)
            raise errors.ImportFailed(
                message[0].upper() + message[1:]) from None
        uri_filter.pin(self.session.session, approved)
        return approved.url

    def _get(self, url, offset, same_origin):
        # identity: a compressed body would not match the announced size.
        headers = {'Accept-Encoding': 'identity'}
        if offset:
            headers['Range'] = 'bytes=%d-' % offset
        try:
            # log=False: keystoneauth1's request log shows the whole URL,
            # and its response log reads a text or JSON body into memory,
            # consuming the stream.
            return self.session.get(
                url, headers=headers, stream=True, redirect=False,
                raise_exc=False, timeout=self.timeouts, log=False,
                authenticated=self.authenticated and same_origin,
                global_request_id=self.request_id if same_origin else None)
        except ks_exceptions.ConnectionError as exc:
            # from None: keystoneauth1's exception, and requests' and
            # urllib3's under it, print the whole URL in a traceback.
            raise self._connect_error(url, exc) from None
        except UnicodeError:
            # requests reads a redirect's Location as UTF-8 even when it
            # does not follow it.
            raise errors.ImportFailed(
                '%s answered a redirect whose Location is not UTF-8.'
                % self.label) from None

    def _connect_error(self, url, exc):
        """The error for a request that got no answer: a certificate that
        was not accepted will not be accepted on a retry either.
        """
        reason, retriable = connect_failure(exc, url, self.timeouts)
        error = errors.TransferInterrupted if retriable else \
            errors.ImportFailed
        return error('Could not connect to %s: %s.' % (self.label, reason))

    def _stream(self, response, offset):
        code = response.status_code
        if code == 204:
            response.close()
            raise errors.ImportFailed(
                '%s answered HTTP 204 No Content: it sent no data.'
                % self.label)
        if code >= 400:
            reason = response.reason or ''
            response.close()
            message = '%s answered HTTP %d %s' % (self.label, code, reason)
            if code >= 500 or code == 429:
                raise errors.TransferInterrupted(message.strip() + '.')
            hint = _HTTP_HINTS.get(code)
            raise errors.ImportFailed(
                message.strip() + (': %s.' % hint if hint else '.'))
        encoding = response.headers.get('Content-Encoding', 'identity')
        if encoding.strip().lower() not in ('', 'identity'):
            response.close()
            raise errors.ImportFailed(
                '%s sent its data compressed (Content-Encoding: %s) although '
                'asked for it as it is; the staged data would not be the '
                'image.' % (self.label, encoding))
        length = response.headers.get('Content-Length')
        length = int(length) if length and length.isdigit() else None
        if code == 206:
            match = _CONTENT_RANGE.match(
                response.headers.get('Content-Range', ''))
            if not match or int(match.group(1)) != offset:
                response.close()
                raise errors.TransferInterrupted(
                    '%s answered a resumed request with a wrong range (%s).'
                    % (self.label, response.headers.get('Content-Range')))
            total = match.group(3)
            return Stream(response, offset,
                          int(total) if total != '*' else None,
                          self.label, self.timeouts[1])
        if offset:
            LOG.warning('%s does not support resuming (HTTP %d to a Range '
                        'request): starting again from the first byte',
                        self.label, code)
        return Stream(response, 0, length, self.label, self.timeouts[1])
