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

"""Run tempest against RegionTwo of the local cloud: tempest's own image API
tests, or this project's tempest plugin.

    tools/tempest [--suite upstream|plugin] [--regex REGEX]
                  [--concurrency N] [-- TEMPEST-RUN-ARGS...]

Suites: upstream (default), tempest's image API tests, `--regex
'^tempest\\.api\\.image'`; plugin, this project's tempest plugin
(tempest-plugin/, `--regex '^glance_download_tempest_plugin\\.'`), which
copies images from RegionOne into RegionTwo.

Needs the cloud up (tools/cloud up; tox -e tempest and tox -e
tempest-plugin do that first). Steps:

1. Tempest (pinned, see tempest_runner/venv.py) goes into its own venv,
   <cloud dir>/tempest-venv, with this project's tempest plugin installed
   in develop mode (so it is always the working tree's); skipped when it
   is there with the same pins.
2. A tempest workspace, <cloud dir>/tempest (made by `tempest init`), gets
   a freshly generated etc/tempest.conf: identity and image in RegionTwo,
   dynamic credentials made with the admin account of admin.rc, only
   Glance available, the new RBAC defaults enforced, and the plugin's
   [glance_download] group (source region RegionOne, RegionTwo's property
   prefixes, the web-download URL below). Glance's metadata definitions
   are loaded into RegionTwo's database if it has none (devstack does
   that; tempest's metadefs tests need them).
3. A small HTTP server on 127.0.0.1:$GD_WEB_PORT (default 8090, a port
   Glance's import filter in this cloud allows) serves the images the
   web-download tests import. It runs in this process and stops with it.
4. `tempest run --regex REGEX --concurrency 2 --exclude-list
   tools/tempest-exclude.txt` in the workspace.
5. A summary: counts, every skipped test with its reason, every failure;
   and, when the suite's own regex ran, checks that our Glance plugin was
   exercised: RegionTwo's glance log got our plugin's "downloading image"
   line for tempest's images (and no line of Glance's in-tree import
   plugins); upstream: the four glance-download tests of ImportImagesTest
   ran and passed (not skipped); plugin: no test skipped (the local cloud
   has everything the plugin's tests can use).

Exits non-zero if the install failed, a test failed, or a check failed.
The last line is "totals: N passed, N failed, N skipped"
(tools/stage_results.py), which tools/run-tests reads.

Environment: GD_CLOUD_DIR (default <repo>/.cloud, or .cloud/<series>
for GD_GLANCE_SERIES), GD_WEB_PORT (8090),
GD_WEB_PORT_WAIT (150 seconds to wait for that port when busy),
GD_TEMPEST_REGION (RegionTwo), GD_TEMPEST_CONCURRENCY (2),
GD_TEMPEST_LARGE_MIB (the plugin's large image, 512 MiB).
Stdlib only (runs with any python3); tempest runs in its venv. Both the
venv and the workspace live in the cloud dir: `tools/cloud down --wipe`
removes them, and the next run installs tempest again.
"""

import argparse
import os
import shlex
import subprocess
import time
import urllib.error
import urllib.request

from gdcloud import state
from gdcloud.util import env_int
import stage_results

from tempest_runner.common import clean_env
from tempest_runner.common import Error
from tempest_runner.common import parse_rc
from tempest_runner.common import REPO
from tempest_runner.common import say
from tempest_runner.common import write
from tempest_runner import metadefs
from tempest_runner import results
from tempest_runner import suites
from tempest_runner import venv as tempest_venv
from tempest_runner import web
from tempest_runner import workspace as tempest_workspace

EXCLUDE_LIST = os.path.join(REPO, 'tools', 'tempest-exclude.txt')


def wait_for_cloud(admin, timeout=30):
    """Keystone answers."""
    url = admin['OS_AUTH_URL'].rstrip('/')
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except (urllib.error.URLError, OSError) as e:
            if time.time() > deadline:
                raise Error('Keystone at %s does not answer (%s): is the '
                            'cloud up? (tools/cloud up)' % (url, e))
            time.sleep(1)


def parse_args():
    parser = argparse.ArgumentParser(
        prog='tools/tempest', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--suite', choices=sorted(suites.SUITES),
                        default=suites.DEFAULT,
                        help='which tests (default %(default)s): ' + '; '.join(
                            '%s: %s' % (s.name, s.doc)
                            for s in suites.SUITES.values()))
    parser.add_argument('--regex',
                        help='tests to run (default: the suite\'s own)')
    parser.add_argument('--concurrency', type=int,
                        default=env_int('GD_TEMPEST_CONCURRENCY', 2))
    parser.add_argument('extra', nargs='*',
                        help='more arguments for `tempest run` (after --)')
    return parser.parse_args()


class Paths(object):
    """Where this run's cloud, venv, workspace and logs are."""

    def __init__(self):
        self.cloud_dir = state.default_dir(REPO)
        # Tempest does not depend on the Glance series: the series' clouds
        # in <repo>/.cloud/<series> share the one in <repo>/.cloud.
        self.venv = os.path.join(state.default_dir(REPO, {
            'GD_CLOUD_DIR': os.environ.get('GD_CLOUD_DIR', '')}),
            'tempest-venv')
        self.workspace = os.path.join(self.cloud_dir, 'tempest')
        self.region = os.environ.get('GD_TEMPEST_REGION', 'RegionTwo')
        self.source_region = ('RegionOne' if self.region == 'RegionTwo'
                              else 'RegionTwo')
        self.web_port = env_int('GD_WEB_PORT', 8090)
        self.web_url = 'http://127.0.0.1:%d' % self.web_port
        self.glance_service = ('glance2' if self.region == 'RegionTwo'
                               else 'glance1')
        self.glance_log = os.path.join(self.cloud_dir, 'logs',
                                       self.glance_service + '.log')
        self.tempest_log = os.path.join(self.workspace, 'logs',
                                        'tempest.log')
        self.web_dir = os.path.join(self.workspace, 'web')


def prepare(paths):
    """Venv, workspace, tempest.conf, web files, metadefs; return the
    seconds the install took.
    """
    admin = parse_rc(os.path.join(paths.cloud_dir, 'admin.rc'))
    wait_for_cloud(admin)
    install_time = tempest_venv.ensure_venv(paths.venv)
    install_time += tempest_venv.ensure_plugin(paths.venv)
    tempest_workspace.ensure_workspace(paths.venv, paths.cloud_dir,
                                       paths.workspace)
    write(os.path.join(paths.workspace, 'etc', 'tempest.conf'),
          tempest_workspace.tempest_conf(
              paths.workspace, admin, paths.region, paths.source_region,
              paths.web_url,
              large_mib=env_int('GD_TEMPEST_LARGE_MIB', 512),
              remote=(paths.region == 'RegionTwo' and
                      tempest_workspace.second_node_running(
                          paths.cloud_dir))),
          mode=0o600)
    web.prepare_web_files(paths.web_dir)
    metadefs.ensure_metadefs(
        paths.cloud_dir, paths.glance_service,
        os.path.join(paths.workspace, 'logs', 'load-metadefs.log'))
    stale = results.stale_glance_workers(paths.cloud_dir,
                                         paths.glance_service)
    if stale:
        say('WARNING: %s processes %s started before the plugin was last '
            'installed; they may run Glance\'s own glance_download (restart '
            'them: tools/cloud down && tools/cloud up)'
            % (paths.glance_service, stale))
    return install_time


def run_tests(paths, args, regex):
    """tempest run with the web server up.

    :returns: (exit status, results, the web server's requests)
    """
    cmd = [os.path.join(paths.venv, 'bin', 'tempest'), 'run',
           '--exclude-list', EXCLUDE_LIST, '--regex', regex,
           '--concurrency', str(args.concurrency)] + args.extra
    env = clean_env(paths.venv,
                    TEMPEST_CONFIG_DIR=os.path.join(paths.workspace, 'etc'),
                    TEMPEST_CONFIG='tempest.conf')
    with web.WebServer(paths.web_dir, paths.web_port,
                       os.path.join(paths.workspace, 'logs',
                                    'web.log')) as server:
        say('serving %s on %s' % (paths.web_dir, paths.web_url))
        say('running (in %s): %s' % (paths.workspace, ' '.join(
            shlex.quote(c) for c in cmd)))
        rc = subprocess.call(cmd, cwd=paths.workspace, env=env,
                             stdin=subprocess.DEVNULL)
        return (rc, results.last_results(paths.venv, paths.workspace),
                list(server.requests))


def report(outcome):
    """Print skips and failures; return the failures."""
    skipped = [r for r in outcome if r['status'] == 'skip']
    failed = [r for r in outcome if stage_results.is_failure(r)]
    print()
    say('skipped tests (%d):' % len(skipped))
    for r in skipped:
        print('  %s\n      %s' % (r['id'], r['reason'] or '(no reason)'))
    if failed:
        say('FAILED tests (%d):' % len(failed))
        for r in failed:
            print('  %s\n      %s' % (r['id'], stage_results.first_error(r)))
    return failed


def main():
    args = parse_args()
    suite = suites.SUITES[args.suite]
    regex = args.regex or suite.regex
    t_start = time.time()
    paths = Paths()
    install_time = prepare(paths)

    log_offset = results.log_size(paths.glance_log)
    tempest_offset = results.log_size(paths.tempest_log)
    t_run = time.time()
    rc, outcome, web_requests = run_tests(paths, args, regex)
    run_time = time.time() - t_run

    failed = report(outcome)
    problems = []
    if rc != 0 and not failed:
        problems.append('tempest run exited %d' % rc)
    if regex == suite.regex:
        problems += suite.problems(outcome, say)
        problems += results.check_plugin_served(
            paths.glance_log,
            results.glance_log_since(paths.glance_log, log_offset),
            results.glance_log_since(paths.tempest_log, tempest_offset))
        say('web server requests: %d' % len(web_requests))
        for line in web_requests[:5]:
            print('  ' + line)

    for p in problems:
        say('PROBLEM: %s' % p)
    say('wall time: %.0f s in all, tempest venv install %.0f s, '
        'tempest run %.0f s' % (time.time() - t_start, install_time,
                                run_time))
    print(stage_results.totals(outcome), flush=True)
    return 1 if (failed or problems or rc != 0) else 0
