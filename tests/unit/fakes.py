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
import hashlib
import http.server
from importlib import metadata as importlib_metadata
import json
import logging
import socket
import ssl
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
from tests import faults


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

    def script(self, *answers):
        """Use the faults ``answers`` (tests/faults.py) for the next data
        answers, in order.
        """
        with self._lock:
            self._script.extend(answers)

    def clear_script(self):
        """Forget the data answers scripted and not used yet."""
        with self._lock:
            self._script[:] = []

    def script_record(self, *answers):
        """Use ``answers`` (faults.Status, faults.StallHeaders) for the next
        record answers.
        """
        with self._lock:
            self._record_script.extend(answers)

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
            return self._script.pop(0) if self._script else faults.Fault()

    def _route(self, handler, headers):
        path = handler.path.split('?')[0]
        if path in self._routes:
            data, content_type = self._routes[path]
            return self._serve_data(handler, headers, data,
                                    content_type=content_type)
        parts = path.strip('/').split('/')
        if parts[:2] != ['v2', 'images'] or len(parts) not in (3, 4):
            return faults.send_whole(handler, 404, [], b'not found')
        image = self.images.get(parts[2])
        if len(parts) == 3:
            with self._lock:
                fault = (self._record_script.pop(0) if self._record_script
                         else faults.Fault())
            if fault.instead(handler, self.stop_event):
                return None
            if image is None:
                return faults.send_whole(handler, 404, [],
                                         b'{"message": "no image"}')
            return faults.send_whole(
                handler, 200, [('Content-Type', 'application/json')],
                json.dumps(image['record']).encode())
        if parts[3] != 'file' or image is None:
            return faults.send_whole(handler, 404, [], b'not found')
        return self._serve_data(handler, headers, image['data'])

    def _serve_data(self, handler, headers, data,
                    content_type='application/octet-stream'):
        """``data`` as Glance serves it (Range honoured: 206 from the
        offset asked, 416 past the end), misbehaving as scripted.
        """
        fault = self._next()
        if fault.instead(handler, self.stop_event):
            return None
        start = 0
        wanted = headers.get('range', '')
        if wanted.startswith('bytes=') and not fault.ignores_range:
            start = int(wanted[len('bytes='):].split('-')[0])
            if data and start >= len(data):
                # As Glance does: nothing is left to send from there.
                return faults.send_whole(
                    handler, 416, [('Content-Range', 'bytes */%d'
                                    % len(data))])
        body = data[start:]
        head = [('Content-Type', content_type),
                ('Content-Length', str(len(body)))]
        if start:
            head.append(('Content-Range', 'bytes %d-%d/%d' % (
                start, len(data) - 1, len(data))))
        faults.respond(handler, fault, 206 if start else 200, head, [body],
                       self.stop_event, self._count)
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
