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

"""glance-download when the user's token expires before the import is done.

These tests bring up a SECOND cloud of their own (tools/cloud with
GD_CLOUD_DIR=<repo>/.cloud-expiry, other ports, the main cloud's venv), so
that its short token lifetime and its one-import-at-a-time RegionTwo do not
disturb the main cloud the other functional tests share:

* Keystone issues tokens valid for TOKEN_LIFETIME (10) seconds;
* RegionOne's keystonemiddleware accepts service tokens of users with the
  ``service`` role (``service_token_roles_required = true``), which lets a
  request through with an expired user token and a valid service token;
* RegionTwo runs one uWSGI process with ``[wsgi] task_pool_threads = 1``,
  so a second import waits until the first is done (under uWSGI whatever
  the main cloud's GD_GLANCE_MODE: the standalone glance-api of 28-32 has
  no task pool size);
* RegionTwo sends a service token (``[glance_download_service_user]``, as
  the glance user) or not, as each test asks (GD_SERVICE_TOKEN; changing it
  restarts only RegionTwo).

Each test starts two imports with the same fresh token T:

  A. 6 MiB through the fault proxy, trickled at 320 KiB/s and reset at 75%
     (about 14 s in), then resumed with a Range request: the resume is the
     first request after T expired;
  B. queued behind A, so it starts only once A is over, after T expired.

What happens (see also the report in the commit history):

* With the service token, A finishes ``active`` with the right hash: the
  resume carries T (expired) plus the service token, and RegionOne accepts
  the pair. Without it, the resume is refused (401) and the task says the
  token was not accepted, naming [glance_download_service_user].
* B fails either way, with a message naming the expired token: Glance's
  own metadata step, which runs before the plugin and which a plugin
  cannot replace, reads the source image with the user's token alone. The
  plugin reads it the same way first, so the user gets its message rather
  than Glance's "Internal Error".
* C (no service token): a transfer that merely outlives the token, without
  a reconnect, finishes ``active``: a token is checked when a request
  starts, not while its body streams.

The second cloud is stopped (by PID, tools/cloud down) when the tests end;
its state directory is kept, so the next run skips Keystone's set-up.
"""

import os
import subprocess
import time

from keystoneauth1 import session as ks_session

from tests.functional import base
from tests.functional import fault_base as fb

CLOUD_DIR = os.path.join(base.REPO, '.cloud-expiry')
TOKEN_LIFETIME = 10
PORTS = {'GD_KEYSTONE_PORT': 5100, 'GD_GLANCE1_PORT': 9392,
         'GD_GLANCE2_PORT': 9393, 'GD_PROXY_PORT': 9395,
         'GD_TRAP_PORT': 9396, 'GD_WEB_PORT': 8190}
SIZE = 6 * base.MiB
TRICKLE = 320 * 1024              # bytes/s: 75% of SIZE takes about 14 s


def cloud_env(service_token):
    # The main cloud's series (its venv is shared); no other GD_*. Always
    # under uWSGI, also when the main cloud runs the standalone glance-api:
    # B's queue needs [wsgi] task_pool_threads, which Glance 28-32 apply
    # only under uWSGI (the eventlet server's task pool is 1024 green
    # threads, with no option). The plugin's eventlet path is the rest of
    # the suite's, against the main cloud.
    env = {k: v for k, v in os.environ.items() if not k.startswith('GD_') or
           k == 'GD_GLANCE_SERIES'}
    env.update({k: str(v) for k, v in PORTS.items()})
    env.update(GD_CLOUD_DIR=CLOUD_DIR, GD_GLANCE_MODE='uwsgi',
               GD_CLOUD_VENV=os.path.join(base.CLOUD_DIR, 'venv'),
               GD_TOKEN_EXPIRATION=str(TOKEN_LIFETIME),
               GD_SERVICE_TOKEN='1' if service_token else '0',
               GD_TASK_POOL_THREADS='1', GD_GLANCE2_PROCESSES='1',
               PYTHONWARNINGS='ignore')
    return env


def tools_cloud(command, service_token=True):
    proc = subprocess.run(
        [os.path.join(base.REPO, 'tools', 'cloud'), command],
        env=cloud_env(service_token), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    output = proc.stdout.decode(errors='replace')
    if proc.returncode != 0:
        raise AssertionError('tools/cloud %s (%s) failed:\n%s'
                             % (command, CLOUD_DIR, output[-4000:]))
    return output


class TokenExpiryTest(fb.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.started = False
        tools_cloud('up', service_token=True)
        cls.started = True
        cls.cloud = fb.FaultCloud(CLOUD_DIR)

    @classmethod
    def tearDownClass(cls):
        if cls.started:
            tools_cloud('down')
        super().tearDownClass()

    def fresh_token(self):
        """A new demo token and when it expires (epoch seconds)."""
        ref = base.password_auth(CLOUD_DIR, 'demo').get_auth_ref(
            ks_session.Session())
        expires = ref.expires.timestamp()
        self.assertLess(expires - time.time(), TOKEN_LIFETIME + 1)
        return ref.auth_token, expires

    def task_status(self, target):
        tasks = self.r2.images.get_associated_image_tasks(
            target['id'])['tasks']
        return tasks[0]['status'] if tasks else None

    def queue_and_expire(self):
        """Start A (slow, reset after the token expired) and B (queued
        behind A) with one fresh token; return what the test needs.

        Tried twice: the cloud's SQLite may lose A's task before it starts
        (see fault_base.TestCase.import_through_proxy).
        """
        for attempt in (1, 2):
            source_a, sha_a = self.make_source(SIZE, name='gd-expiry-A')
            source_b, sha_b = self.make_source(base.MiB, name='gd-expiry-B')
            self.proxy.queue(source_a['id'], {'mode': 'drop', 'at': 75,
                                              'rate': TRICKLE})
            target_a, target_b = self.make_target(), self.make_target()
            token, expires = self.fresh_token()
            self.start_import(target_a, source_a, token=token)
            # B only once A runs: the pool's one thread is A's, and A's
            # own first database write is not racing B's request.
            deadline = time.monotonic() + 5
            while (self.task_status(target_a) == 'pending' and
                   time.monotonic() < deadline):
                time.sleep(base.POLL)
            if self.task_status(target_a) == 'processing':
                break
            self.assertEqual(1, attempt, 'import A never started twice')
        self.start_import(target_b, source_b, token=token)
        self.assertLess(time.time(), expires)
        # B waits for A: Glance has not even started it.
        self.assertEqual('pending', self.task_status(target_b))
        image_a, task_a = base.wait_for_import(self.r2, target_a['id'], 120)
        image_b, task_b = base.wait_for_import(self.r2, target_b['id'], 60)
        return dict(source_a=source_a, sha_a=sha_a, target_a=target_a,
                    image_a=image_a, task_a=task_a, source_b=source_b,
                    target_b=target_b, image_b=image_b, task_b=task_b,
                    expires=expires)

    def assert_resume_after_expiry(self, run, status):
        """A's data came in two requests, the second (a resume) made after
        the token expired, with the given answer.
        """
        first, resume = self.proxy.file_requests(run['source_a']['id'])
        self.assertEqual('dropped', first['end'])
        self.assertLess(first['time'], run['expires'])
        self.assertGreater(resume['time'], run['expires'] + 1)
        self.assertEqual(status, resume['status'])
        return resume

    def assert_b_started_after_expiry(self, run):
        """B's first request to the source is after the token expired and
        is refused; B failed naming the token, and nothing changed.
        """
        records = self.proxy.log(run['source_b']['id'], kind='image')
        self.assertTrue(records)
        self.assertGreater(records[0]['time'], run['expires'])
        self.assertEqual(401, records[0]['status'])
        self.assertFalse(records[0]['service_token'])
        self.assertEqual([], self.proxy.file_requests(run['source_b']['id']))
        self.assert_failed_and_restored(
            run['target_b'], run['image_b'], run['task_b'],
            'did not accept your token', 'HTTP 401', 'expired',
            'start the import again')

    def test_service_token_configured(self):
        tools_cloud('up', service_token=True)
        run = self.queue_and_expire()
        # (b) The transfer outlived the token and resumed with it expired:
        # the service token carried it.
        self.assert_active_copy(run['source_a'], run['sha_a'],
                                run['image_a'], run['task_a'])
        resume = self.assert_resume_after_expiry(run, 206)
        self.assertTrue(resume['auth_token'])
        self.assertTrue(resume['service_token'])
        # (a) The import that started after the token expired fails anyway,
        # in Glance's own metadata step (see the module docstring).
        self.assert_b_started_after_expiry(run)

    def test_no_service_token(self):
        tools_cloud('up', service_token=False)
        run = self.queue_and_expire()
        # (b) The resume after expiry is refused, and the task says why.
        self.assert_failed_and_restored(
            run['target_a'], run['image_a'], run['task_a'], 'HTTP 401',
            'credentials were not accepted', 'expired token',
            '[glance_download_service_user]')
        resume = self.assert_resume_after_expiry(run, 401)
        self.assertTrue(resume['auth_token'])
        self.assertFalse(resume['service_token'])
        # (a) as with the service token.
        self.assert_b_started_after_expiry(run)

        # A transfer that outlives the token without reconnecting is fine:
        # 3 MiB at 192 KiB/s, 16 s, with a 10 s token.
        source, sha512 = self.make_source(3 * base.MiB, name='gd-expiry-C')
        self.proxy.queue(source['id'], {'mode': 'trickle',
                                        'rate': 192 * 1024})
        target = self.make_target()
        token, expires = self.fresh_token()
        self.start_import(target, source, token=token)
        image, task = base.wait_for_import(self.r2, target['id'], 60)
        self.assert_active_copy(source, sha512, image, task)
        (request,) = self.proxy.file_requests(source['id'])
        self.assertLess(request['time'], expires)
        self.assertGreater(request['end_time'], expires + 3)
        self.assertFalse(request['service_token'])
