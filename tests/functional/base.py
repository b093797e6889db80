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

"""What every functional test needs: the local cloud, clients, waiting.

The tests talk to the two-region cloud of ``tools/cloud`` through its real
APIs only (Keystone, RegionOne and RegionTwo Glance), as its ``demo`` and
``alt`` users. They find it through ``GD_CLOUD_DIR`` (default
``<repo>/.cloud``): the users' ``demo.rc``/``alt.rc``, and, for what the API
does not show (staging area, server logs), the Glance config files and
uWSGI ini files ``tools/cloud`` wrote under ``etc/``.

A cloud that cannot be reached makes every test FAIL with the reason: a
functional run that skips would look green without testing anything.
"""

import configparser
import glob
import hashlib
import io
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
from urllib import parse
import uuid

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

import tests

REPO = tests.REPO
# tools/cloud's rule: GD_CLOUD_DIR, else the state dir of GD_GLANCE_SERIES.
sys.path.insert(0, os.path.join(REPO, 'tools'))
from gdcloud import rabbitmq as cloud_rabbitmq  # noqa: E402
from gdcloud import state as cloud_state  # noqa: E402
CLOUD_DIR = cloud_state.default_dir(REPO)

REGION_ONE = 'RegionOne'
REGION_TWO = 'RegionTwo'
REGIONS = (REGION_ONE, REGION_TWO)
MiB = 1024 * 1024

# Waiting for an import: the whole import, and how long its task may stay
# without starting (Glance has been seen dropping a task while pending).
IMPORT_TIMEOUT = float(os.environ.get('GD_IMPORT_TIMEOUT', 60))
START_TIMEOUT = float(os.environ.get('GD_START_TIMEOUT', 20))
POLL = 0.25

HOW_TO_START = ('Start it with `tools/cloud up` (or point GD_CLOUD_DIR at '
                'the state directory of a running one).')


class CloudUnavailable(Exception):
    pass


def check_cloud_dir(cloud_dir=CLOUD_DIR):
    if not os.path.isdir(cloud_dir):
        raise CloudUnavailable('%s does not exist. %s'
                               % (cloud_dir, HOW_TO_START))


def read_rc(cloud_dir, user):
    """The ``export K=V`` lines of ``<cloud_dir>/<user>.rc`` as a dict."""
    path = os.path.join(cloud_dir, '%s.rc' % user)
    env = {}
    try:
        with open(path) as rc:
            for line in rc:
                line = line.strip()
                if line.startswith('export '):
                    key, _, value = line[len('export '):].partition('=')
                    env[key.strip()] = value.strip().strip('"\'')
    except OSError as exc:
        raise CloudUnavailable('Cannot read the credentials %s (%s). %s'
                               % (path, exc, HOW_TO_START))
    missing = [k for k in ('OS_AUTH_URL', 'OS_USERNAME', 'OS_PASSWORD',
                           'OS_PROJECT_NAME') if k not in env]
    if missing:
        raise CloudUnavailable('%s lacks %s.' % (path, ', '.join(missing)))
    return env


def password_auth(cloud_dir, user):
    """keystoneauth1's password plugin for ``user`` of the cloud in
    ``cloud_dir`` (its ``<user>.rc``).
    """
    env = read_rc(cloud_dir, user)
    return v3.Password(
        auth_url=env['OS_AUTH_URL'], username=env['OS_USERNAME'],
        password=env['OS_PASSWORD'], project_name=env['OS_PROJECT_NAME'],
        user_domain_name=env.get('OS_USER_DOMAIN_NAME', 'Default'),
        project_domain_name=env.get('OS_PROJECT_DOMAIN_NAME', 'Default'))


def _ini(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(path)
    return parser


class GlanceServer:
    """One region's glance-api as tools/cloud runs it: config, staging, log.

    Found from the glance-api.conf files under ``<cloud_dir>/etc/<name>/``:
    the first for ``region`` (or the one of node ``node``: ``glance2b`` is
    RegionTwo's second node). Its log is the conf's ``log_file`` (the
    standalone glance-api) or else ``<cloud_dir>/logs/<name>.log``, where
    uWSGI writes it.
    """

    def __init__(self, region, cloud_dir=CLOUD_DIR, node=None):
        self.region = region
        for conf_path in sorted(glob.glob(os.path.join(
                cloud_dir, 'etc', node or '*', 'glance-api.conf'))):
            conf = _ini(conf_path)
            if conf.get('keystone_authtoken', 'region_name',
                        fallback=None) != region:
                continue
            name = os.path.basename(os.path.dirname(conf_path))
            self.conf = conf
            self.url = conf.get('DEFAULT', 'worker_self_reference_url')
            self.log = conf.get('DEFAULT', 'log_file', fallback=None) or \
                os.path.join(cloud_dir, 'logs', '%s.log' % name)
            # Written by tools/cloud for uWSGI and standalone glance-api.
            self.pidfile = os.path.join(cloud_dir, 'run', '%s.pid' % name)
            self.staging = conf.get('os_glance_staging_store',
                                    'filesystem_store_datadir',
                                    fallback=None)
            if not self.staging:
                raise CloudUnavailable(
                    '%s (%s) names no staging directory.'
                    % (conf_path, region))
            return
        raise CloudUnavailable(
            'No glance-api config for %s under %s. %s'
            % (region, os.path.join(cloud_dir, 'etc'), HOW_TO_START))

    def allowed_ports(self):
        """The ports ``[import_filtering_opts] allowed_ports`` lets in."""
        value = self.conf.get('import_filtering_opts', 'allowed_ports',
                              fallback='[]')
        return {int(p) for p in value.strip('[]').split(',') if p.strip()}

    def staged_files(self, image_id):
        """Names in the staging directory that belong to ``image_id``."""
        try:
            names = os.listdir(self.staging)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if image_id in n)

    def property_names(self, image_id):
        """Names of the image's live rows in Glance's ``image_properties``.

        The API shows core attributes over properties of the same name, so
        only the database tells whether, say, an ``os_hash_value``
        property was left behind (read-only; SQLite in WAL mode lets this
        read run beside Glance's writes; on MariaDB, Glance's own URL).
        """
        url = self.conf.get('database', 'connection')
        query = ('SELECT name FROM image_properties WHERE image_id = %s AND '
                 'deleted = 0')
        if url.startswith('sqlite:///'):
            db = sqlite3.connect('file:%s?mode=ro' % url[len('sqlite:///'):],
                                 uri=True, timeout=10)
            query = query.replace('%s', '?')
        elif url.startswith('mysql+pymysql://'):
            # Imported only here: the dashboard's tests share this module
            # from Horizon's venv, which has no PyMySQL.
            import pymysql
            parts = parse.urlsplit(url)
            db = pymysql.connect(
                host=parts.hostname, port=parts.port, user=parts.username,
                password=parts.password, database=parts.path.lstrip('/'))
        else:
            raise CloudUnavailable('%s: neither SQLite nor MariaDB' % url)
        try:
            cursor = db.cursor()
            cursor.execute(query, (image_id,))
            return sorted(row[0] for row in cursor.fetchall())
        finally:
            db.close()

    def master_pid(self):
        """The PID of this glance-api's uWSGI or standalone master."""
        try:
            with open(self.pidfile) as f:
                return int(f.read().strip())
        except (OSError, TypeError, ValueError):
            raise CloudUnavailable('%s: no pidfile (%s)'
                                   % (self.region, self.pidfile))

    def worker_pids(self):
        """PIDs of this glance-api's workers (the children of its uWSGI or
        standalone master): the processes that run the imports.
        """
        master = str(self.master_pid())
        pids = []
        for stat in glob.glob('/proc/[0-9]*/stat'):
            try:
                with open(stat) as f:
                    # "pid (comm) state ppid ...": comm may hold spaces.
                    fields = f.read().rpartition(')')[2].split()
            except OSError:
                continue        # ended meanwhile
            if fields[1] == master:
                pids.append(int(stat.split('/')[2]))
        return sorted(pids)

    def kill(self, timeout=15):
        """SIGKILL this glance-api, master and workers, as a crash or a
        node's power loss stops it: the imports its workers run stop where
        they are, and nothing of Glance's clean-up runs. cloud_up() starts
        it again.
        """
        pids = [self.master_pid()] + self.worker_pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while any(_alive(pid) for pid in pids):
            if time.monotonic() > deadline:
                raise AssertionError('%s (PIDs %s) still runs %d s after '
                                     'SIGKILL' % (self.region, pids,
                                                  timeout))
            time.sleep(POLL)

    def log_lines(self, *needles):
        """Lines of this server's log that contain every one of ``needles``."""
        with open(self.log, errors='replace') as log:
            return [line.rstrip('\n') for line in log
                    if all(n in line for n in needles)]


def _alive(pid):
    """Whether ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rpartition(')')[2].split()[0] != 'Z'
    except OSError:
        return False


class Recorder:
    """A notification endpoint that keeps every info notification, as
    ``(publisher_id, event_type, payload)`` in ``events`` (a queue).
    """

    def __init__(self):
        self.events = queue.Queue()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.events.put((publisher_id, event_type, payload))


def record_notifications(test, url, pool):
    """A Recorder behind a started oslo.messaging listener of Glance's
    notifications (exchange glance, topic notifications) on ``url``, in
    ``pool``; stopped after ``test``.
    """
    # Imported here: the dashboard's tests import this module in Horizon's
    # environment, which has no oslo.messaging.
    from oslo_config import cfg
    import oslo_messaging
    recorder = Recorder()
    transport = oslo_messaging.get_notification_transport(
        cfg.ConfigOpts(), url=url)
    test.addCleanup(transport.cleanup)
    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic='notifications',
                                          exchange='glance')],
        [recorder], executor='threading', pool=pool)
    # start() declares and binds the pool's queue before it returns:
    # nothing Glance sends from then on is missed.
    listener.start()
    test.addCleanup(listener.wait)
    test.addCleanup(listener.stop)
    return recorder


def cloud_up(cloud_dir=CLOUD_DIR, **switches):
    """``tools/cloud up`` for the cloud of ``cloud_dir`` (its ports: the
    GD_* of this process's environment, and ``switches``, GD_* the cloud
    is known to run with): starts again what is not running, a glance-api
    or the broker a test stopped for one.
    """
    env = dict(os.environ, GD_CLOUD_DIR=cloud_dir, **switches)
    proc = subprocess.run([os.path.join(REPO, 'tools', 'cloud'), 'up'],
                          env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=600)
    if proc.returncode:
        # Its error, then the end of the failed server's log.
        error = proc.stdout[proc.stdout.find('cloud: ERROR'):]
        raise AssertionError('tools/cloud up failed (exit %d):\n%s'
                             % (proc.returncode, error[:4000]))


class Cloud:
    """One tools/cloud state directory (``cloud_dir``, the main cloud by
    default) as a test process sees it: sessions, clients, servers, logs.
    Raises CloudUnavailable unless Keystone and both Glances answer.
    """

    def __init__(self, cloud_dir=CLOUD_DIR):
        check_cloud_dir(cloud_dir)
        self.dir = cloud_dir
        self.sessions = {}
        self.servers = {region: GlanceServer(region, cloud_dir)
                        for region in REGIONS}
        demo = self.session('demo')
        try:
            demo.get_token()
        except ks_exceptions.ConnectFailure as exc:
            raise CloudUnavailable('Keystone at %s is not reachable: %s. %s'
                                   % (demo.auth.auth_url, exc, HOW_TO_START))
        except ks_exceptions.ClientException as exc:
            raise CloudUnavailable('The demo user cannot log in to %s: %s'
                                   % (demo.auth.auth_url, exc))
        for region in REGIONS:
            try:
                response = demo.get(
                    '/v2/schemas/image', raise_exc=False, timeout=10,
                    endpoint_filter={'service_type': 'image',
                                     'interface': 'public',
                                     'region_name': region})
            except ks_exceptions.EndpointNotFound as exc:
                raise CloudUnavailable('No image endpoint for %s in the '
                                       'catalog: %s' % (region, exc))
            except (ks_exceptions.ConnectFailure,
                    ks_exceptions.ConnectTimeout) as exc:
                raise CloudUnavailable('Glance of %s is not reachable: %s. %s'
                                       % (region, exc, HOW_TO_START))
            if response.status_code != 200:
                raise CloudUnavailable(
                    'Glance of %s answered HTTP %d to GET /v2/schemas/image.'
                    ' Is the cloud healthy? (`tools/cloud status`)'
                    % (region, response.status_code))

    def session(self, user='demo'):
        if user not in self.sessions:
            self.sessions[user] = ks_session.Session(
                auth=password_auth(self.dir, user))
        return self.sessions[user]

    def glance(self, user, region):
        return glance_client.Client('2', session=self.session(user),
                                    region_name=region, interface='public')

    def keystone(self, method, path, **kwargs):
        """A call to Keystone's API as admin."""
        identity = read_rc(self.dir, 'admin')['OS_AUTH_URL']
        return self.session('admin').request(
            identity.rstrip('/') + path, method, **kwargs)

    def add_image_region(self, url, prefix, add_cleanup):
        """A new region ``<prefix>-<random>`` whose public image endpoint
        is ``url``, in the catalog of every token issued from now on;
        ``add_cleanup`` (a test's addCleanup) is given its removal.
        Returns the region's name.
        """
        (service,) = self.keystone(
            'GET', '/services?type=image').json()['services']
        region = '%s-%s' % (prefix, random_id()[:8])
        self.keystone('POST', '/regions', json={'region': {'id': region}})
        add_cleanup(self.keystone, 'DELETE', '/regions/%s' % region)
        endpoint = self.keystone('POST', '/endpoints', json={'endpoint': {
            'service_id': service['id'], 'interface': 'public',
            'region_id': region, 'url': url}}).json()['endpoint']
        add_cleanup(self.keystone, 'DELETE', '/endpoints/%s' % endpoint['id'])
        return region

    def logs(self):
        """Paths of every log of this cloud (servers, fault proxy, set-up)."""
        return glob.glob(os.path.join(self.dir, 'logs', '*.log'))

    def notification_url(self):
        """The transport URL of the RabbitMQ broker both regions' Glance
        send their notifications to, or None when the cloud runs none
        (``GD_RABBITMQ=1 tools/cloud up`` starts one).
        """
        path = cloud_rabbitmq.url_file(cloud_state.StateDir(self.dir))
        try:
            with open(path) as f:
                return f.read().strip() or None
        except FileNotFoundError:
            return None

    def stop_broker(self, timeout=30):
        """SIGTERM the broker (its Erlang VM, by the PID of its pidfile),
        as an operator's restart or a crash takes it away from Glance, and
        wait until it has exited; ``cloud_up(GD_RABBITMQ='1')`` starts it
        again.
        """
        pidfile = cloud_state.StateDir(self.dir).run_file('rabbitmq', 'pid')
        try:
            with open(pidfile) as f:
                pid = int(f.read().strip())
            with open('/proc/%d/cmdline' % pid) as f:
                ours = pidfile in f.read().split('\0')
        except (OSError, ValueError):
            ours = False
        if not ours:
            raise CloudUnavailable('no broker runs from %s' % pidfile)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid):
            if time.monotonic() > deadline:
                raise AssertionError('the broker (PID %d) still runs %d s '
                                     'after SIGTERM' % (pid, timeout))
            time.sleep(POLL)


_cloud = None
_cloud_error = None


def get_cloud():
    """The per-process :class:`Cloud`; a failure is remembered, not retried
    per test (each test then fails at once with the same reason).
    """
    global _cloud, _cloud_error
    if _cloud is None and _cloud_error is None:
        try:
            _cloud = Cloud()
        except CloudUnavailable as exc:
            _cloud_error = str(exc)
    if _cloud_error is not None:
        raise CloudUnavailable(_cloud_error)
    return _cloud


def cloud_log_sizes():
    """Every server log of the local clouds (the main one and those the
    tests start beside it, .cloud-*), with its current size.
    """
    paths = set(glob.glob(os.path.join(CLOUD_DIR, 'logs', '*.log')))
    paths.update(glob.glob(os.path.join(REPO, '.cloud-*', 'logs', '*.log')))
    return {path: os.path.getsize(path) for path in paths}


def lines_since(sizes, pattern):
    """``log name: line`` for each line matching the bytes regex
    ``pattern`` written to a cloud log after ``sizes`` (from
    :func:`cloud_log_sizes`).
    """
    found = []
    for path, size in sorted(cloud_log_sizes().items()):
        with open(path, 'rb') as log:
            log.seek(sizes.get(path, 0))
            for line in log:
                if re.search(pattern, line):
                    found.append('%s: %s' % (os.path.basename(path),
                                             line.decode(
                                                 errors='replace').strip()))
    return found


class ImportNotOver(AssertionError):
    """An import did not end in time; ``task`` and ``seen`` tell how far
    it got.
    """

    def __init__(self, message, task, seen):
        super().__init__(message)
        self.task, self.seen = task, seen


class NeverStarted(ImportNotOver):
    """Glance never moved the import task out of ``pending``."""


def import_state(glance, image_id):
    """(image, newest task, over) of the import of ``image_id`` now.

    Over means: the newest task of the image ended, the image is active or
    back to queued, and the task's import lock is gone (a successful task
    is marked before Glance drops the lock). A task seen failed while its
    image is still ``importing`` is an error (AssertionError): a client
    that trusts the task would find the image not yet restored.
    """
    # The task first: an image read after it is at least as new.
    tasks = glance.images.get_associated_image_tasks(image_id)['tasks']
    task = max(tasks, key=lambda t: t['created_at']) if tasks else None
    image = glance.images.get(image_id)
    if task and task['status'] == 'failure' and \
            image['status'] == 'importing':
        raise AssertionError(
            'task %s of image %s is failed (%r) but the image is still '
            'importing' % (task['id'], image_id, task['message']))
    over = bool(task and task['status'] in ('success', 'failure') and
                image['status'] in ('active', 'queued') and
                image.get('os_glance_import_task') != task['id'])
    return image, task, over


def wait_for_import(glance, image_id, timeout=IMPORT_TIMEOUT,
                    start_timeout=None):
    """(image, task) once the import of ``image_id`` is over (see
    :func:`import_state`). Raises NeverStarted if ``start_timeout`` is
    given and no task appears or it never leaves ``pending`` within it,
    ImportNotOver after ``timeout``.
    """
    started = time.monotonic()
    seen = []
    while True:
        now = time.monotonic()
        image, task, over = import_state(glance, image_id)
        state = (image['status'], task and task['status'],
                 task and task['message'])
        if not seen or seen[-1][1:] != state:
            seen.append(('%.1fs' % (now - started),) + state)
        if over:
            return image, task
        waited = time.monotonic() - started
        if start_timeout and waited > start_timeout and (
                task is None or task['status'] == 'pending'):
            # Seen when a concurrent write left Glance's SQLite "database
            # is locked" as the task was being started: the error is lost
            # with the task, which stays pending.
            raise NeverStarted('the import of %s never started: %s'
                               % (image_id, seen), task, seen)
        if waited > timeout:
            raise ImportNotOver('the import of %s did not end within %d s:'
                                ' %s' % (image_id, timeout, seen), task, seen)
        time.sleep(POLL)


def generate(size):
    """``size`` random bytes and their sha512 hex digest."""
    data = os.urandom(size)
    return data, hashlib.sha512(data).hexdigest()


def qcow2_of(raw):
    """The qcow2 image of the bytes ``raw`` (qemu-img, from qemu-utils:
    GD_CONVERT installs it).
    """
    with tempfile.TemporaryDirectory() as tmp:
        raw_path = os.path.join(tmp, 'disk.raw')
        qcow2_path = os.path.join(tmp, 'disk.qcow2')
        with open(raw_path, 'wb') as f:
            f.write(raw)
        subprocess.check_call(['qemu-img', 'convert', '-f', 'raw', '-O',
                               'qcow2', raw_path, qcow2_path])
        with open(qcow2_path, 'rb') as f:
            return f.read()


def comparable(image):
    """An image record without what an import may legitimately touch."""
    return {k: v for k, v in image.items()
            if k != 'updated_at' and not k.startswith('os_glance')}


class TestCase(unittest.TestCase):
    """A test against the local cloud, as ``demo`` (and ``alt``)."""

    def setUp(self):
        super().setUp()
        try:
            self.cloud = get_cloud()
        except CloudUnavailable as exc:
            self.fail('The local test cloud (%s) is not usable: %s'
                      % (CLOUD_DIR, exc))
        self.demo = {r: self.cloud.glance('demo', r) for r in REGIONS}
        self.region_two = self.cloud.servers[REGION_TWO]
        self.imported = False
        # Registered before the test's own cleanups, so it runs after them
        # (the image deletions are logged too).
        self.addCleanup(self._check_token_not_logged)

    # -- images -----------------------------------------------------------

    def create_image(self, region, user='demo', data=None, **fields):
        glance = self.cloud.glance(user, region)
        fields.setdefault('name', 'gd-functional-%s' % self.id().rsplit(
            '.', 1)[-1])
        image = glance.images.create(**fields)
        self.addCleanup(self._delete, glance, image['id'])
        if data is not None:
            glance.images.upload(image['id'], io.BytesIO(data),
                                 image_size=len(data))
            image = glance.images.get(image['id'])
            self.assertEqual('active', image['status'])
        return image

    @staticmethod
    def _delete(glance, image_id):
        try:
            glance.images.delete(image_id)
        except glance_exc.HTTPNotFound:
            pass

    def create_target(self, **fields):
        """An empty image in RegionTwo to import into: qcow2/ovf and
        os_distro=windows, so that changes made by an import show.
        """
        fields.setdefault('disk_format', 'qcow2')
        fields.setdefault('container_format', 'ovf')
        fields.setdefault('os_distro', 'windows')
        fields.setdefault('visibility', 'private')
        image = self.create_image(REGION_TWO, **fields)
        self.assertEqual('queued', image['status'])
        return image

    def import_image(self, image_id, **kwargs):
        """Ask RegionTwo to import into ``image_id``, as demo."""
        self.imported = True
        self.demo[REGION_TWO].images.image_import(image_id, **kwargs)

    def glance_download(self, target_id, remote_image_id,
                        region=REGION_ONE, interface='public'):
        self.import_image(
            target_id, method='glance-download', remote_region=region,
            remote_image_id=remote_image_id,
            remote_service_interface=interface)

    # -- waiting ----------------------------------------------------------

    def wait_for_import(self, image_id, region=REGION_TWO):
        """Return (image, task) once the import of ``image_id`` is over
        (see :func:`wait_for_import`). Fails if no task appears or it never
        leaves ``pending`` within START_TIMEOUT, or if the whole thing takes
        more than IMPORT_TIMEOUT.
        """
        try:
            return wait_for_import(self.demo[region], image_id,
                                   IMPORT_TIMEOUT, START_TIMEOUT)
        except NeverStarted as exc:
            task = exc.task
            self.fail('The import task of image %s never started: %s '
                      'after %.0f s (states seen: %s). Is something '
                      'else loading the cloud (tempest)?%s' % (
                          image_id,
                          'no task' if task is None else
                          'task %s still pending' % task['id'],
                          START_TIMEOUT, exc.seen,
                          '' if task is None else self.task_log(
                              task, levels=('INFO', 'WARNING', 'ERROR'))))
        except ImportNotOver as exc:
            self.fail('The import of image %s did not end within %.0f s '
                      '(states seen: %s)%s' % (
                          image_id, IMPORT_TIMEOUT, exc.seen,
                          '' if exc.task is None else self.task_log(exc.task)))

    def wait_for_log(self, server, *needles, timeout=10):
        """Lines of ``server``'s log containing all ``needles`` (waiting a
        little: a log line may trail the API state it explains).
        """
        deadline = time.monotonic() + timeout
        while True:
            lines = server.log_lines(*needles)
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(POLL)

    # -- assertions -------------------------------------------------------

    def assert_token_not_logged(self):
        """Neither demo's token nor its first 16 characters are in any
        server log (Keystone's, both Glances', the set-up logs).
        """
        token = self.cloud.session('demo').get_token()
        logs = self.cloud.logs()
        self.assertIn(self.region_two.log, logs)
        for path in logs:
            with open(path, 'rb') as log:
                content = log.read()
            for needle in (token, token[:16]):
                # Not assertNotIn: its message would print the log.
                self.assertFalse(needle.encode() in content,
                                 'the demo token (%d of its characters) is '
                                 'in %s' % (len(needle), path))

    def _check_token_not_logged(self):
        if self.imported:
            self.assert_token_not_logged()

    def task_log(self, task, server=None, levels=('ERROR', 'WARNING')):
        """The log lines of ``server`` about ``task`` at ``levels``,
        for failure messages.
        """
        server = server or self.region_two
        lines = [line for line in server.log_lines(task['id'])
                 if any(' %s ' % level in line for level in levels)]
        return '\n'.join(['; its lines in %s:' % server.log] + lines[:15])

    def assert_task_succeeded(self, task):
        self.assertEqual('success', task['status'], 'task %s: %s%s' % (
            task['id'], task['message'], self.task_log(task)))

    def assert_no_staged_data(self, image_id, server=None):
        server = server or self.region_two
        self.assertEqual([], server.staged_files(image_id),
                         'staged data of image %s left in %s'
                         % (image_id, server.staging))

    def assert_message_says(self, task, *words):
        message = task['message'] or ''
        for word in words:
            self.assertIn(word.lower(), message.lower(),
                          'task message %r does not say %r' % (message, word))
        self.assertNotIn('internal error', message.lower())

    def assert_import_failed(self, before, task, *words):
        """The import of ``before`` failed visibly and changed nothing."""
        image = self.demo[REGION_TWO].images.get(before['id'])
        self.assertEqual('failure', task['status'], task['message'])
        if 'internal error' in (task['message'] or '').lower():
            self.fail('task %s failed without saying why (%r)%s'
                      % (task['id'], task['message'], self.task_log(task)))
        self.assert_message_says(task, *words)
        self.assertEqual('queued', image['status'])
        self.assertIsNone(image.get('size'))
        self.assertIsNone(image.get('os_hash_value'))
        # Formats, os_distro=windows, owner, visibility, ... as created;
        # nothing added (hw_*, trait:*, foo).
        self.assertEqual(comparable(before), comparable(image))
        self.assertEqual('windows', image['os_distro'])
        self.assertEqual([], [k for k in image if k.startswith('hw_')])
        self.assertNotIn('os_glance_import_task', image)
        self.assertFalse(image.get('os_glance_importing_to_stores'))
        self.assert_no_staged_data(image['id'])
        return image


def random_id():
    return str(uuid.uuid4())
