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

"""Test doubles: a real, scriptable HTTP server and a small fake Glance host.

``FakeGlanceServer`` is a ``ThreadingHTTPServer`` on 127.0.0.1 (port 0)
that serves image records at ``/v2/images/<id>`` and image data at
``/v2/images/<id>/file`` with Range support, like Glance does. Each test
scripts how the next answers misbehave (``server.script(...)``) and reads
back what the server received (``server.requests``) and how many body
bytes it sent (``server.bytes_served``).

``FakeImageRepo`` and ``FakeTaskRepo`` hold Glance's real domain objects
(``glance.domain.Image`` / ``glance.domain.Task``), so status transitions
and format rules are Glance's own, and Glance's real
``ImportActionWrapper`` works over them.
"""

import copy
import gzip
import hashlib
import http.server
from importlib import metadata as importlib_metadata
import json
import logging
import socket
import ssl
import struct
import threading
from unittest import mock
import uuid

import fixtures
from glance.async_.flows import api_image_import
from glance.common import exception as glance_exception
from glance.common import utils as glance_utils
import glance.context
from glance import domain
from oslo_utils import timeutils
import requests
from taskflow import engines
from taskflow.listeners import logging as logging_listener
from taskflow.patterns import linear_flow as lf

from glance_download import selection
from glance_download import uri_filter


# ---------------------------------------------------------------------------
# Scripted behaviours of the data endpoint. Each one describes a single
# answer; the server uses them in order, then answers normally.

class Normal:
    """Honour Range with 206/Content-Range, else 200 with everything."""


class Drop:
    """Announce the full length, send ``after`` bytes, close the socket."""

    def __init__(self, after):
        self.after = after


class Reset:
    """Announce the full length, send ``after`` bytes, then reset the
    connection (RST, not a clean close), as a crashed peer or a middlebox
    does.
    """

    def __init__(self, after):
        self.after = after


class Stall:
    """Send ``after`` bytes, then go silent for ``seconds``."""

    def __init__(self, after=0, seconds=0.6, before_headers=False):
        self.after = after
        self.seconds = seconds
        self.before_headers = before_headers


class IgnoreRange:
    """Answer 200 with the whole image whatever the Range header says."""


class Announce:
    """Announce ``extra`` more bytes than the image has and send them."""

    def __init__(self, extra):
        self.extra = extra


class Overflow:
    """No Content-Length; send the image plus ``extra`` bytes, then close."""

    def __init__(self, extra):
        self.extra = extra


class NoLength:
    """No Content-Length, the exact image bytes, then close."""


class Chunked:
    """HTTP/1.1 ``Transfer-Encoding: chunked``, in chunks of ``size``
    bytes, as servers that stream without knowing the length send it.
    ``terminated=False``: every data chunk, then the connection closes
    without the last (empty) chunk, as when it breaks after the data.
    """

    def __init__(self, size=10000, terminated=True):
        self.size = size
        self.terminated = terminated


class Truncate:
    """No Content-Length, only ``after`` bytes, then a clean close."""

    def __init__(self, after):
        self.after = after


class Flip:
    """Serve normally but with the byte at ``index`` changed."""

    def __init__(self, index):
        self.index = index


class Status:
    """Answer HTTP ``code`` with a short body."""

    def __init__(self, code):
        self.code = code


class Redirect:
    """Answer ``code`` with ``Location: location`` (None: no header)."""

    def __init__(self, location, code=302):
        self.location = location
        self.code = code


class WrongRange:
    """Answer a Range request with 206 but a Content-Range starting at 0."""


class Gzip:
    """Send the body gzip-compressed (``Content-Encoding: gzip``, the
    compressed length as Content-Length) whatever Accept-Encoding asked.
    """


# ---------------------------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'
    server_version = 'FakeGlance/1.0'

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server.owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        server._record(self.path, headers)
        try:
            server._route(self, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # helpers used by FakeGlanceServer._route -------------------------------

    def send_body(self, code, body, headers=(), length=True):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        if length:
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.write(body)

    def write(self, data):
        if data:
            # Counted before sending: the client may have read it all and
            # the test asserted on the count before write() returns here.
            self.server.owner._count(len(data))
            self.wfile.write(data)


class FakeGlanceServer(fixtures.Fixture):
    """A real HTTP server standing in for another region's Glance."""

    def __init__(self, address='127.0.0.1', port=0):
        super().__init__()
        self.address = address
        self.requested_port = port

    def _setUp(self):
        self.images = {}
        self.requests = []
        self.bytes_served = 0
        self._script = []
        self._record_script = []
        self._routes = {}
        self._lock = threading.Lock()
        self.stop_event = threading.Event()
        self.httpd = http.server.ThreadingHTTPServer(
            (self.address, self.requested_port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.url = 'http://%s:%d' % (self.address, self.port)
        thread = threading.Thread(target=self.httpd.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True)
        thread.start()
        self.addCleanup(self._stop, thread)

    def _stop(self, thread):
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        thread.join(5)

    # -- scripting ---------------------------------------------------------

    def add_image(self, data, image_id=None, hash_algo='sha512', **record):
        """Serve ``data`` as an active image; return its record."""
        image_id = image_id or str(uuid.uuid4())
        image = {
            'id': image_id,
            'name': 'source image',
            'status': 'active',
            'disk_format': 'raw',
            'container_format': 'bare',
            'size': len(data),
            'checksum': hashlib.md5(data).hexdigest(),
            'os_hash_algo': hash_algo,
            'os_hash_value': (hashlib.new(hash_algo, data).hexdigest()
                              if hash_algo else None),
            'visibility': 'shared',
            'protected': False,
            'os_hidden': False,
            'min_disk': 0,
            'min_ram': 0,
            'owner': 'p1',
            'tags': [],
            'file': '/v2/images/%s/file' % image_id,
            'self': '/v2/images/%s' % image_id,
            'schema': '/v2/schemas/image',
            'created_at': '2026-01-01T00:00:00Z',
            'updated_at': '2026-01-01T00:00:00Z',
        }
        image.update(record)
        self.images[image_id] = {'record': image, 'data': data}
        return image

    def script(self, *behaviours):
        """Use ``behaviours`` for the next data answers, in order."""
        with self._lock:
            self._script.extend(behaviours)

    def clear_script(self):
        """Forget the data answers scripted and not used yet."""
        with self._lock:
            self._script[:] = []

    def script_record(self, *behaviours):
        """Use ``behaviours`` (Status, Stall) for the next record answers."""
        with self._lock:
            self._record_script.extend(behaviours)

    def route(self, path, data, content_type='application/octet-stream'):
        """Serve ``data`` at ``path`` (for web-download and redirects)."""
        self._routes[path] = (data, content_type)

    def file_url(self, image_id):
        return '%s/v2/images/%s/file' % (self.url, image_id)

    # -- what happened -----------------------------------------------------

    def _record(self, path, headers):
        with self._lock:
            self.requests.append((path, headers))

    def _count(self, n):
        with self._lock:
            self.bytes_served += n

    def requests_to(self, suffix):
        return [h for p, h in self.requests if p.endswith(suffix)]

    def data_requests(self):
        return [h for p, h in self.requests if p.endswith('/file')]

    # -- serving -----------------------------------------------------------

    def _next(self):
        with self._lock:
            return self._script.pop(0) if self._script else Normal()

    def _route(self, handler, headers):
        path = handler.path.split('?')[0]
        if path in self._routes:
            data, content_type = self._routes[path]
            return self._serve_data(handler, headers, data,
                                    content_type=content_type)
        parts = path.strip('/').split('/')
        if parts[:2] != ['v2', 'images'] or len(parts) not in (3, 4):
            return handler.send_body(404, b'not found')
        image = self.images.get(parts[2])
        if len(parts) == 3:
            with self._lock:
                how = (self._record_script.pop(0) if self._record_script
                       else Normal())
            if isinstance(how, Status):
                return handler.send_body(how.code, b'error')
            if isinstance(how, Stall):
                self.stop_event.wait(how.seconds)
                return None
            if image is None:
                return handler.send_body(404, b'{"message": "no image"}')
            body = json.dumps(image['record']).encode()
            return handler.send_body(
                200, body, [('Content-Type', 'application/json')])
        if parts[3] != 'file' or image is None:
            return handler.send_body(404, b'not found')
        return self._serve_data(handler, headers, image['data'])

    @staticmethod
    def _send_chunked(handler, body, size, ctype, terminated=True):
        handler.protocol_version = 'HTTP/1.1'
        handler.send_response(200)
        handler.send_header(*ctype)
        handler.send_header('Transfer-Encoding', 'chunked')
        handler.send_header('Connection', 'close')
        handler.end_headers()
        for i in range(0, len(body), size):
            piece = body[i:i + size]
            handler.server.owner._count(len(piece))
            handler.wfile.write(b'%x\r\n%s\r\n' % (len(piece), piece))
        if terminated:
            handler.wfile.write(b'0\r\n\r\n')

    def _serve_data(self, handler, headers, data,
                    content_type='application/octet-stream'):
        how = self._next()
        ctype = ('Content-Type', content_type)
        if isinstance(how, Status) and how.code == 204:
            return handler.send_body(204, b'', length=False)
        if isinstance(how, Status):
            return handler.send_body(how.code, b'error %d' % how.code,
                                     [('Content-Type', 'text/plain')])
        if isinstance(how, Redirect):
            extra = [('Location', how.location)] if how.location else []
            return handler.send_body(how.code, b'', extra)
        if isinstance(how, Flip):
            data = bytearray(data)
            data[how.index] ^= 0xFF
            data = bytes(data)
        if isinstance(how, Stall) and how.before_headers:
            self.stop_event.wait(how.seconds)
            return None

        start = 0
        wanted = headers.get('range', '')
        if wanted.startswith('bytes=') and not isinstance(how, IgnoreRange):
            start = int(wanted[len('bytes='):].split('-')[0])
            if data and start >= len(data):
                # As Glance does: nothing is left to send from there.
                return handler.send_body(
                    416, b'', [('Content-Range', 'bytes */%d' % len(data))])
        body = data[start:]
        if isinstance(how, (Announce, Overflow)):
            body = body + b'\0' * how.extra

        if isinstance(how, Chunked):
            return self._send_chunked(handler, body, how.size, ctype,
                                      how.terminated)
        handler.send_response(206 if start else 200)
        handler.send_header(*ctype)
        if isinstance(how, Gzip):
            body = gzip.compress(body)
            handler.send_header('Content-Encoding', 'gzip')
        if start:
            first = 0 if isinstance(how, WrongRange) else start
            handler.send_header('Content-Range', 'bytes %d-%d/%d' % (
                first, len(data) - 1, len(data)))
        if not isinstance(how, (Overflow, NoLength, Truncate)):
            handler.send_header('Content-Length', str(len(body)))
        handler.end_headers()

        if isinstance(how, (Drop, Truncate)):
            handler.write(body[:how.after])
            return None
        if isinstance(how, Stall):
            handler.write(body[:how.after])
            self.stop_event.wait(how.seconds)
            return None
        if isinstance(how, Reset):
            handler.write(body[:how.after])
            handler.wfile.flush()
            # A moment for the client to read what was sent (well within
            # the tests' 0.2 s read timeout): the reset is what it meets
            # next, not a race with the data in flight.
            self.stop_event.wait(0.05)
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER,
                struct.pack('ii', 1, 0))
            handler.connection.close()
            return None
        handler.write(body)
        return None


# URLs as web-download users give them, and a server made HTTPS.

# What a web-download URL may carry: user info and a signed query string.
SECRETS = ('s3cret', 'SECRET')


def secret_url(port, path='/img', user_info=True):
    """A URL with both secrets; without user info (which Glance's import
    filter refuses, see uri_filter) for URLs that must pass the filter.
    """
    return ('http://%s127.0.0.1:%d%s?temp_url_sig=SECRET'
            '&temp_url_expires=1' % ('user:s3cret@' if user_info else '',
                                     port, path))


def loopback(url):
    """A ``check_url`` for tests of anything but the import filter:
    every URL approved, reached at 127.0.0.1 (where test servers are).
    """
    return uri_filter.Approved(requests.Request('GET', url).prepare().url,
                               '127.0.0.1')


def closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def serve_tls(server, certificates):
    """Make ``server`` (a FakeGlanceServer) speak HTTPS with the
    certificate of ``certificates``; return the list its connection
    attempts (TLS handshakes, failed or not) are appended to.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.server_cert,
                            certificates.server_key)
    httpd = server.httpd
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    attempts = []
    accept = httpd.get_request

    def get_request():
        attempts.append(1)
        return accept()

    httpd.get_request = get_request
    server.url = 'https://127.0.0.1:%d' % server.port
    return attempts


# ---------------------------------------------------------------------------
# The Glance host side.

def catalog_v2(*regions):
    """A v2 catalog (what keystonemiddleware hands Glance) with one image
    service; ``regions`` are (name, url) or (name, {interface: url}).
    """
    endpoints = []
    for name, urls in regions:
        if isinstance(urls, str):
            urls = {'public': urls, 'internal': urls, 'admin': urls}
        endpoint = {'region': name} if name else {}
        for interface, url in urls.items():
            endpoint['%sURL' % interface] = url
        endpoints.append(endpoint)
    return [{'type': 'compute', 'name': 'nova',
             'endpoints': [{'region': 'RegionOne',
                            'publicURL': 'http://nova.example/v2.1'}]},
            {'type': 'image', 'name': 'glance', 'endpoints': endpoints}]


def catalog_v3(*regions):
    """The same in the v3 token form."""
    endpoints = []
    for name, urls in regions:
        if isinstance(urls, str):
            urls = {'public': urls, 'internal': urls, 'admin': urls}
        for interface, url in urls.items():
            endpoints.append({'id': uuid.uuid4().hex, 'region': name,
                              'region_id': name, 'interface': interface,
                              'url': url})
    return [{'type': 'image', 'name': 'glance', 'id': 'x',
             'endpoints': endpoints}]


class _NoPolicy:
    def check_is_admin(self, context):
        return False


def context(token='user-token', catalog=None, **kwargs):
    return glance.context.RequestContext(
        auth_token=token, service_catalog=catalog, project_id='p1',
        user_id='u1', roles=['member'], policy_enforcer=_NoPolicy(),
        **kwargs)


def _clone(image):
    # copy.deepcopy loses the content of domain.ExtraProperties.
    clone = copy.copy(image)
    clone.extra_properties = domain.ExtraProperties(
        dict(image.extra_properties))
    clone.locations = copy.deepcopy(image.locations)
    clone.tags = set(image.tags)
    return clone


class FakeImageRepo:
    """Keeps ``glance.domain.Image`` objects; get/save copy like a DB."""

    def __init__(self):
        self.images = {}
        self.saves = 0

    def add(self, image):
        self.images[image.image_id] = _clone(image)

    def get(self, image_id):
        image = self.images.get(image_id)
        if image is None or image.status == 'deleted':
            raise glance_exception.ImageNotFound(image_id)
        return _clone(image)

    def save(self, image, from_state=None):
        if image.image_id not in self.images:
            raise glance_exception.ImageNotFound(image.image_id)
        self.saves += 1
        self.images[image.image_id] = _clone(image)

    def delete_property_atomic(self, image, name, value):
        """Glance's atomic delete: only if the property has ``value``."""
        stored = self.images.get(image.image_id)
        if stored is None or stored.extra_properties.get(name) != value:
            raise glance_exception.NotFound()
        del stored.extra_properties[name]

    def delete(self, image_id):
        del self.images[image_id]

    def current(self, image_id):
        """The stored image, for assertions (no copy)."""
        return self.images[image_id]


class FakeTaskRepo:
    def __init__(self):
        self.tasks = {}
        self.saved = []

    def add(self, task):
        self.tasks[task.task_id] = task

    def get(self, task_id):
        task = self.tasks.get(task_id)
        if task is None:
            raise glance_exception.NotFound()
        return task

    def save(self, task):
        self.saved.append((task.status, task.message))
        self.tasks[task.task_id] = task


class GlanceHost:
    """A target image being imported, its task, and the repos around it.

    The image starts as Glance leaves it when the plugin's first task
    runs: ``importing``, locked by the task, importing to ``stores``.
    """

    def __init__(self, stores=('fast',), status='importing',
                 properties=None, disk_format='qcow2',
                 container_format='ovf'):
        self.image_repo = FakeImageRepo()
        self.task_repo = FakeTaskRepo()
        self.task = domain.TaskFactory().new_task(
            'api_image_import', 'p1', None, 'u1', 'req-1',
            task_input={})
        self.task.begin_processing()
        self.task_id = self.task.task_id
        self.task_repo.add(self.task)
        self.image_id = str(uuid.uuid4())
        self.stores = list(stores)
        extra = {
            'os_glance_import_task': self.task_id,
            'os_glance_importing_to_stores': ','.join(
                s for s in self.stores if s),
            'os_glance_failed_import': '',
        }
        extra.update(properties or {})
        now = timeutils.utcnow()
        image = domain.Image(
            self.image_id, 'queued', now, now, disk_format=disk_format,
            container_format=container_format, extra_properties=extra,
            owner='p1', name='target')
        if status != 'queued':
            image.status = status
        self.image_repo.add(image)
        self.action_wrapper = api_image_import.ImportActionWrapper(
            self.image_repo, self.image_id, self.task_id)

    @property
    def image(self):
        return self.image_repo.current(self.image_id)

    def set_image_status(self, status):
        image = self.image_repo.images[self.image_id]
        image.status = status

    def glances_flow(self, *flows):
        """``flows`` behind Glance's own first step, as Glance runs it:
        its ``_ImageLock`` stops a flow whose task lost the image's lock
        (``TaskAbortedError``), as one failed while it was built has.
        """
        whole = lf.Flow('api_image_import')
        whole.add(api_image_import._ImageLock(
            self.task_id, 'api_image_import', self.action_wrapper), *flows)
        return whole

    def flow_kwargs(self, ctx, method):
        return {
            'context': ctx,
            'task_id': self.task_id,
            'task_type': 'api_image_import',
            'image_id': self.image_id,
            'import_req': {'method': method},
            'backend': self.stores,
            'action_wrapper': self.action_wrapper,
            'task_repo': self.task_repo,
            'image_repo': self.image_repo,
            'image_factory': None,
        }


# ---------------------------------------------------------------------------
# The Glance releases and the way Glance runs a flow.

class GlanceRelease(fixtures.Fixture):
    """Make the running Glance look like another release's URL checks.

    ``shape``: 'this' (as it is), '29-32' (``validate_import_uri`` and
    ``normalize_hostname``, no ``get_validated_address``) or '28' (only
    ``validate_import_uri``, which compares the host as written). The
    older checks are made from the running Glance's: its own
    ``validate_import_uri`` where it has one, else 33's rules without
    their name resolution.
    """

    SHAPES = ('this', '29-32', '28')

    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def _setUp(self):
        if self.shape in ('29-32', '28'):
            self.useFixture(fixtures.MonkeyPatch(
                'glance.common.utils.validate_import_uri',
                self._scheme_host_port_rules()))
            self.useFixture(fixtures.MonkeyPatch(
                'glance.common.utils.get_validated_address',
                fixtures.MonkeyPatch.delete))
        if self.shape == '28':
            self.useFixture(fixtures.MonkeyPatch(
                'glance.common.utils.normalize_hostname',
                fixtures.MonkeyPatch.delete))

    def _scheme_host_port_rules(self):
        real = getattr(glance_utils, 'validate_import_uri', None)
        rules = getattr(glance_utils, 'get_validated_address', None)
        shape = self.shape

        def validate_33(uri):
            with mock.patch.object(glance_utils, 'resolve_pinned_address'):
                try:
                    rules(uri)
                except ValueError:
                    return False
            return True

        def validate_import_uri(uri):
            check = real or validate_33
            if shape != '28':
                return check(uri)
            with mock.patch.object(glance_utils, 'normalize_hostname',
                                   lambda host: host, create=True):
                return check(uri)
        return validate_import_uri


def run_like_glance(flow):
    """Run ``flow`` as Glance's task executor does: with taskflow's
    DynamicLoggingListener, which logs a failed task with its traceback
    (``exc_info``), chained exceptions included.
    """
    engine = engines.load(flow, engine='serial')
    with logging_listener.DynamicLoggingListener(
            engine, log=logging.getLogger('glance.async_.taskflow_executor')):
        engine.run()


# The entry points of Glance's internal plugins that are ours.

def entry_point(value, name='glance_download'):
    return importlib_metadata.EntryPoint(name=name, value=value,
                                         group=selection.NAMESPACE)


OURS = {
    'glance_download': entry_point(
        'glance_download.plugins.glance_download:get_flow'),
    'web_download': entry_point(
        'glance_download.plugins.web_download:get_flow', 'web_download'),
}
