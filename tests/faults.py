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

"""How an HTTP answer misbehaves, for every fault the tests inject.

One vocabulary and one way of acting each fault out on the socket, shared
by the unit tests' fake Glance (tests/unit/fakes.py, which serves data from
memory) and the functional tests' fault proxy (tools/faultproxy, which
relays a real Glance): a reset after N bytes is the same bytes and the same
RST on the wire in both.

A fault is used for one answer: ``instead`` answers in place of the data
(an error status, a redirect, silence); otherwise ``respond`` sends the
answer with the fault's head, its body and its end.

Stdlib only: tools/faultproxy imports it too.
"""

import gzip
import http.client
import json
import re
import select
import socket
import struct
import threading
import time

BLOCK = 64 * 1024
_CONTENT_RANGE = re.compile(r'bytes (\d+)-(\d+)/(\d+|\*)')


def _without(headers, *names):
    names = {name.lower() for name in names}
    return [(k, v) for k, v in headers if k.lower() not in names]


def content_length(headers):
    for name, value in headers:
        if name.lower() == 'content-length' and value.isdigit():
            return int(value)
    return None


def write_head(out, status, headers):
    """The status line and ``headers``, the connection closed after."""
    reason = http.client.responses.get(status, '')
    lines = ['HTTP/1.1 %d %s' % (status, reason)]
    lines += ['%s: %s' % kv for kv in headers]
    lines.append('Connection: close')
    out.wfile.write(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1'))


def send_whole(out, status, headers, body=b''):
    """A complete small answer (errors, redirects, the proxy's control)."""
    write_head(out, status, list(headers) +
               [('Content-Length', str(len(body)))])
    if body and out.command != 'HEAD':
        out.wfile.write(body)


def reset(connection):
    """Abort ``connection`` with an RST, not a FIN, as a crashed peer or a
    middlebox does.
    """
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                              struct.pack('ii', 1, 0))
        connection.close()
    except OSError:
        pass


def hold(connection, seconds, stop=None):
    """Send nothing for up to ``seconds``; True once the client went away
    (read its end), False when the time ran out or ``stop`` was set.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (stop and stop.is_set()):
        ready, _, _ = select.select([connection], [], [], 0.05)
        if ready:
            try:
                if not connection.recv(65536):
                    return True
            except OSError:
                return True
    return False


class _Pacer:
    """Writes at most ``rate`` bytes per second (0: as fast as it can),
    each piece framed by ``frame``.
    """

    def __init__(self, out, rate, frame, count):
        self.out = out
        self.rate = rate
        self.frame = frame
        self.count = count
        self.start = time.monotonic()
        self.done = 0

    def write(self, data):
        piece = max(1024, int(self.rate / 20)) if self.rate else len(data)
        for i in range(0, len(data), piece):
            part = data[i:i + piece]
            if self.rate:
                delay = self.start + self.done / self.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            # Counted before sending: a client may have read it all, and
            # its test asserted on the count, before write() returns.
            self.count(len(part))
            self.out.wfile.write(self.frame(part))
            self.done += len(part)


# -- the faults ---------------------------------------------------------------

class Fault:
    """Answer normally (Range honoured), at ``rate`` bytes/s (0: at once).
    The other faults override one or more of its steps.
    """

    mode = 'pass'
    ignores_range = False
    cut = None                  # send this many bytes of the body, then end

    def __init__(self, rate=0):
        self.rate = rate

    def instead(self, out, stop=None):
        """Answer in place of the data; True when it did."""
        return False

    def body(self, chunks):
        return chunks

    def head(self, headers):
        return headers

    def frame(self, data):
        """The bytes on the wire for ``data`` of the body."""
        return data

    def trailer(self):
        """The bytes on the wire after the body."""
        return b''

    def end(self, connection, stop):
        """What happens after the cut; a word for the proxy's log."""
        return 'complete'


class Trickle(Fault):
    """Answer normally at ``rate`` bytes/s, so that progress can be seen."""

    mode = 'trickle'

    def __init__(self, rate=128 * 1024):
        super().__init__(rate)


class Close(Fault):
    """Announce the full length, send ``at`` bytes, close cleanly (FIN)."""

    mode = 'short'

    def __init__(self, at, rate=0):
        super().__init__(rate)
        self.cut = at

    def end(self, connection, stop):
        try:
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return 'closed-early'


class Reset(Close):
    """Announce the full length, send ``at`` bytes, wait ``delay`` s (the
    client reads what was sent: an RST makes the peer drop what it has not
    read yet), then reset the connection.
    """

    mode = 'drop'

    def __init__(self, at, delay=0.5, rate=0):
        super().__init__(at, rate)
        self.delay = delay

    def end(self, connection, stop):
        (stop or threading.Event()).wait(self.delay)
        reset(connection)
        return 'dropped'


class Stall(Close):
    """Send ``at`` bytes, then nothing, the socket open, until the client
    gives up (or ``hold`` s pass: then a reset).
    """

    mode = 'stall'

    def __init__(self, at=0, hold=120, rate=0):
        super().__init__(at, rate)
        self.hold = hold

    def end(self, connection, stop):
        self.stalled_at = time.time()
        if hold(connection, self.hold, stop):
            return 'client-closed'
        reset(connection)
        return 'stall-timeout'


class StallHeaders(Stall):
    """Send nothing at all, not even the status line."""

    mode = 'stall_headers'

    def __init__(self, hold=120):
        super().__init__(0, hold)

    def instead(self, out, stop=None):
        self.ended = self.end(out.connection, stop)
        return True


class Truncate(Close):
    """No Content-Length; ``at`` bytes, then a clean close: a body that
    looks complete.
    """

    mode = 'truncate'

    def head(self, headers):
        return _without(headers, 'Content-Length')


class NoLength(Fault):
    """No Content-Length: the exact body, then a clean close."""

    mode = 'no_length'

    def head(self, headers):
        return _without(headers, 'Content-Length')


class Oversize(Fault):
    """The body plus ``extra`` bytes; Content-Length says the larger size
    when ``announce``, else there is none (read to the close).
    """

    mode = 'oversize'

    def __init__(self, extra=1024 * 1024, announce=False, rate=0):
        super().__init__(rate)
        self.extra = extra
        self.announce = announce

    def body(self, chunks):
        yield from chunks
        left = self.extra
        while left > 0:
            yield b'\0' * min(left, BLOCK)
            left -= min(left, BLOCK)

    def head(self, headers):
        length = content_length(headers)
        headers = _without(headers, 'Content-Length', 'Content-MD5')
        if self.announce and length is not None:
            headers.append(('Content-Length', str(length + self.extra)))
        return headers


class Flip(Fault):
    """Invert the byte at offset ``at`` of the body sent."""

    mode = 'flip'

    def __init__(self, at, rate=0):
        super().__init__(rate)
        self.at = at

    def body(self, chunks):
        offset = 0
        for data in chunks:
            i = self.at - offset
            if 0 <= i < len(data):
                data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
            offset += len(data)
            yield data


class IgnoreRange(Fault):
    """Answer 200 with the whole image whatever Range asked for."""

    mode = 'ignore_range'
    ignores_range = True


class WrongRange(Fault):
    """Answer a Range with 206 but a Content-Range that starts at 0."""

    mode = 'wrong_range'

    def head(self, headers):
        out = []
        for name, value in headers:
            match = _CONTENT_RANGE.match(value)
            if name.lower() == 'content-range' and match:
                value = 'bytes 0-%s/%s' % match.group(2, 3)
            out.append((name, value))
        return out


class Chunked(Fault):
    """``Transfer-Encoding: chunked`` in chunks of ``size`` bytes, as servers
    that stream without knowing the length send it; ``terminated=False``:
    every data chunk, then the close without the last (empty) chunk.
    """

    mode = 'chunked'

    def __init__(self, size=10000, terminated=True):
        super().__init__()
        self.size = size
        self.terminated = terminated

    def body(self, chunks):
        data = b''.join(chunks)
        for i in range(0, len(data), self.size):
            yield data[i:i + self.size]

    def frame(self, data):
        return b'%x\r\n%s\r\n' % (len(data), data)

    def trailer(self):
        return b'0\r\n\r\n' if self.terminated else b''

    def head(self, headers):
        return _without(headers, 'Content-Length') + [
            ('Transfer-Encoding', 'chunked')]


class Gzip(Fault):
    """The body gzip-compressed (``Content-Encoding: gzip``, the compressed
    length announced) whatever Accept-Encoding asked for.
    """

    mode = 'gzip'

    def body(self, chunks):
        self.compressed = gzip.compress(b''.join(chunks))
        return [self.compressed]

    def head(self, headers):
        return _without(headers, 'Content-Length') + [
            ('Content-Encoding', 'gzip'),
            ('Content-Length', str(len(self.compressed)))]


class Status(Fault):
    """Answer HTTP ``code`` at once, with OpenStack's error body (none for
    204), which clients parse.
    """

    mode = 'status'

    def __init__(self, code):
        super().__init__()
        self.code = int(code)

    def instead(self, out, stop=None):
        if self.code == 204:
            send_whole(out, 204, [])
            return True
        body = json.dumps({'error': {
            'code': self.code, 'title': http.client.responses.get(self.code),
            'message': 'injected fault: HTTP %d' % self.code}}).encode()
        send_whole(out, self.code, [('Content-Type', 'application/json')],
                   body)
        return True


class Redirect(Fault):
    """Answer ``code`` with ``Location: location`` (None: no header)."""

    mode = 'redirect'

    def __init__(self, location, code=302):
        super().__init__()
        self.location = location
        self.code = int(code)

    def instead(self, out, stop=None):
        send_whole(out, self.code, [('Location', self.location)]
                   if self.location else [])
        return True


MODES = {cls.mode: cls for cls in (
    Fault, Trickle, Close, Reset, Stall, StallHeaders, Truncate, NoLength,
    Oversize, Flip, IgnoreRange, WrongRange, Chunked, Gzip, Status)}


def from_rule(rule, length):
    """The fault a JSON rule of tools/faultproxy asks for, for a body of
    ``length`` bytes (None: not known): its "at" is a percentage there.
    """
    rule = dict(rule)
    mode = rule.pop('mode')
    for word in ('count', 'port'):
        rule.pop(word, None)
    if 'status' in rule:
        rule['code'] = rule.pop('status')
    percent = float(rule.pop('at', 50))
    if mode in ('short', 'drop', 'stall', 'truncate', 'flip'):
        if length is None:
            return Fault(rule.get('rate', 0))
        rule['at'] = min(int(length * percent / 100), max(length - 1, 0)) \
            if mode == 'flip' else int(length * percent / 100)
    return MODES[mode](**rule)


def respond(out, fault, status, headers, chunks, stop=None,
            count=lambda n: None):
    """Send ``status``, ``headers`` and the body ``chunks`` to the request
    handler ``out`` as ``fault`` misbehaves; ``(the headers sent, the
    fault's end word)``.
    """
    chunks = fault.body(chunks)
    headers = fault.head(list(headers))
    write_head(out, status, headers)
    pacer = _Pacer(out, fault.rate, fault.frame, count)
    sent = 0
    for data in chunks:
        if fault.cut is not None:
            data = data[:fault.cut - sent]
        if data:
            pacer.write(data)
            sent += len(data)
        if fault.cut is not None and sent >= fault.cut:
            break
    if fault.cut is None:
        out.wfile.write(fault.trailer())
        out.wfile.flush()
        return headers, 'complete'
    out.wfile.flush()
    return headers, fault.end(out.connection, stop)
