#!/usr/bin/env python3
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

"""The local cloud's known host flakes, and re-running only those.

    python tools/flakes.py functional [STESTR-RUN-ARGS...]
    python tools/flakes.py subunit < STREAM       (one JSON line per test)
    python tools/flakes.py list                   (the known flakes)

The functional stage (tox -e functional) and tools/tempest both run their
tests through run_with_reruns(): a failed test runs again only when its
failure has the signature of a host flake named in FLAKES, and the match
is printed with its evidence. Any other failure fails the stage and is
not run again, so a race in our code cannot hide behind a second try.
A test that passed on such a re-run counts as passed, and the last line
("totals: ...") says how many did.

Stdlib only (tools/tempest runs it with any python3); the subunit reader
needs python-subunit, which the functional env and tempest's venv have.
"""

import collections
import datetime
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = ('keystone', 'glance1', 'glance2', 'glance2b')
UUID_RE = re.compile(
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
# oslo.log and tempest's REST client name requests by these.
REQUEST_ID_RE = re.compile(
    r'req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
# oslo.log's line prefix: local time, as time.mktime() reads it.
LOG_TIME_RE = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d+)? ')
# A cloud log line may trail the failure it explains by a little; it
# cannot precede the test's start (same clock; the log has milliseconds).
SLACK = 2.0

Flake = collections.namedtuple('Flake', 'name reason failure evidence')


def say(msg):
    print('flakes: %s' % msg, flush=True)


# ------------------------------------------------------------ the host

class Host(object):
    """What the cloud(s) wrote while a stage ran: their logs since the
    stage started, and their Glance databases.
    """

    def __init__(self, cloud_dirs):
        self.cloud_dirs = list(cloud_dirs)
        self.since = time.time()
        self.offsets = {path: _size(path) for path in self._logs()}

    def _logs(self):
        return [os.path.join(d, 'logs', s + '.log')
                for d in self.cloud_dirs for s in SERVICES]

    def log_lines(self):
        """(path, seconds since the epoch or None, line) of every line
        the cloud logs got since the stage started; a line without a
        time (a message's second line, uWSGI's request lines) has its
        log's last time before it.
        """
        for path in self._logs():
            offset = self.offsets.get(path, 0)
            try:
                with open(path, 'rb') as f:
                    f.seek(0, os.SEEK_END)
                    f.seek(offset if f.tell() >= offset else 0)
                    text = f.read().decode(errors='replace')
            except FileNotFoundError:
                continue
            when = None
            for line in text.splitlines():
                m = LOG_TIME_RE.match(line)
                if m:
                    when = time.mktime(time.strptime(
                        m.group(1), '%Y-%m-%d %H:%M:%S')) + float(
                            m.group(2) or 0)
                yield path, when, line

    def tasks(self, ids):
        """(db path, task id, image id, status, created_at) of the Glance
        tasks that have one of ``ids`` as their own or their image's id,
        created since the stage started, newest first.
        """
        ids = sorted(set(ids))
        if not ids:
            return []
        since = datetime.datetime.fromtimestamp(
            self.since - SLACK, datetime.timezone.utc).strftime(
                '%Y-%m-%d %H:%M:%S')
        marks = ','.join('?' * len(ids))
        return self._rows(
            'SELECT id, image_id, status, created_at FROM tasks WHERE (id '
            'IN (%s) OR image_id IN (%s)) AND created_at >= ? ORDER BY '
            'created_at DESC' % (marks, marks), ids + ids + [since])

    def properties(self, image_id, at):
        """(db path, name, created_at) of the properties image
        ``image_id`` had at ``at`` (a UTC time in Glance's format).
        """
        return self._rows(
            'SELECT name, created_at FROM image_properties WHERE image_id = '
            '? AND created_at < ? AND (deleted = 0 OR deleted_at > ?)',
            [image_id, at, at])

    def _rows(self, sql, args):
        """(db path,) + row of ``sql`` in every Glance database."""
        found = []
        for d in self.cloud_dirs:
            for service in SERVICES[1:]:
                db = os.path.join(d, service, 'glance.db')
                if not os.path.exists(db):
                    continue
                try:
                    conn = sqlite3.connect('file:%s?mode=ro' % db, uri=True,
                                           timeout=10)
                    try:
                        rows = conn.execute(sql, args).fetchall()
                    finally:
                        conn.close()
                except sqlite3.Error as e:
                    say('cannot read %s: %s' % (db, e))
                    continue
                found += [(db,) + tuple(row) for row in rows]
        return found


def _size(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def _short(text, n=300):
    text = ' '.join(text.split())
    return text if len(text) <= n else text[:n - 3] + '...'


# ---------------------------------------------------- the known flakes

def locked_during(result, host):
    """A "database is locked" line in a cloud log about one of the test's
    requests when its output names them (tempest logs every request's
    id), else while the test ran (glanceclient names none).
    """
    requests = set(REQUEST_ID_RE.findall(
        result.get('traceback', '') + result.get('log', '')))
    start = result.get('start') or host.since
    stop = result.get('stop') or time.time()
    for path, when, line in host.log_lines():
        if 'database is locked' not in line:
            continue
        if requests:
            ours = any(r in line for r in requests)
        else:
            ours = when is not None and start - 0.001 <= when <= stop + SLACK
        if ours:
            return '%s: %s' % (os.path.relpath(path, REPO), _short(line))
    return None


def task_left_pending(result, host):
    """A task, named in the failure by its id or its image's, that Glance
    still has ``pending``: its pending -> processing update never
    happened, so none of our plugin's code ran for it.
    """
    newest = {}
    for db, task_id, image_id, status, created in host.tasks(
            UUID_RE.findall(result.get('traceback', ''))):
        newest.setdefault(image_id or task_id, (db, task_id, image_id,
                                                status, created))
    for db, task_id, image_id, status, created in newest.values():
        if status == 'pending':
            return ('task %s of image %s, created %s UTC, is still pending '
                    'in %s' % (task_id, image_id, created,
                               os.path.relpath(db, REPO)))
    return None


# Our metadata step's line (glance_download/tasks/metadata.py) and the
# download's first line (tasks/download.py), for one target image.
METADATA_RE = re.compile(r'Image (%s): formats \S+, copied properties: '
                         r'(.*); not copied: (.*)$' % UUID_RE.pattern)
DOWNLOAD_RE = re.compile(r'Image (%s): downloading image (%s) in region '
                         % (UUID_RE.pattern, UUID_RE.pattern))


def _names(listed):
    return set() if listed == 'none' else set(listed.split(', '))


def stale_source_read(result, host):
    """Glance answered our plugin's read of the source image, for a target
    the test names, without properties that Glance's database had held
    since before that target's import task was created: a Glance worker
    read an old snapshot of its SQLite database (WAL), and the plugin
    copied what it was given.
    """
    named = set(UUID_RE.findall(result.get('traceback', '') +
                                result.get('log', '')))
    sources, seen = {}, {}
    for _path, when, line in host.log_lines():
        download = DOWNLOAD_RE.search(line)
        if download and download.group(1) in named:
            sources[download.group(1)] = download.group(2)
        metadata = METADATA_RE.search(line)
        if metadata and metadata.group(1) in named and when is not None:
            seen[metadata.group(1)] = (_names(metadata.group(2)) |
                                       _names(metadata.group(3)), when)
    for target, source in sorted(sources.items()):
        if target not in seen:
            continue
        names, when = seen[target]
        tasks = [t for t in host.tasks([target]) if t[2] == target]
        if not tasks:
            continue
        created = min(t[4] for t in tasks)
        read_by = datetime.datetime.fromtimestamp(
            when, datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S.%f')
        still = {n for _db, n, _c in host.properties(source, read_by)}
        for db, name, since in host.properties(source, created):
            if name in still and name not in names and \
                    not name.startswith('os_glance'):
                return ('the source %s had %s since %s UTC in %s (before the '
                        'import task of %s, %s UTC), but Glance answered '
                        'the plugin without it' % (
                            source, name, since, os.path.relpath(db, REPO),
                            target, created))
    return None


# One place for the host flakes a failed test may be re-run for: each has
# a pattern its failure text must match and a check of the host that must
# find evidence. Nothing else is re-run.
FLAKES = (
    Flake('sqlite-locked',
          'the local cloud keeps Keystone and Glance in SQLite, which '
          'answers a write it cannot lock in time with an HTTP 500',
          re.compile(r'HTTP 500|Got server fault|ServerFault'),
          locked_during),
    Flake('task-lost-pending',
          'Glance 33 sets an import task to processing in a thread pool '
          'whose errors nobody reads: a lock error there leaves the task '
          'pending for ever',
          re.compile(r'never started|did not end within|failed to reach|'
                     r'TimeoutException'),
          task_left_pending),
    Flake('sqlite-stale-read',
          'a Glance worker of the local cloud can read an old snapshot of '
          'its SQLite database (WAL mode): the source image a test has just '
          'updated is read without its new properties',
          re.compile(r'MismatchError|AssertionError|KeyError'),
          stale_source_read),
)


def known_flake(result, host, flakes=FLAKES):
    """(flake, evidence) for the first flake whose signature the failed
    ``result`` has, else None.
    """
    text = result.get('traceback', '')
    for flake in flakes:
        if flake.failure.search(text):
            evidence = flake.evidence(result, host)
            if evidence:
                return flake, evidence
    return None


# ------------------------------------------------------------ re-running

def is_failure(result):
    return result['status'] not in ('success', 'skip')


def first_error(result):
    """The last line of a test's traceback that is not a frame, shortened."""
    lines = [line.strip() for line in result.get('traceback', '').splitlines()
             if line.strip() and not line.strip().startswith('File ') and
             set(line.strip()) - set('^~ ')]
    return _short(lines[-1] if lines else result['status'])


Outcome = collections.namedtuple('Outcome', 'results rc flaky')


def rerun_regex(results):
    """A regex (stestr's and tempest's filter) for the tests of RESULTS;
    a class fixture that failed stands for its class's tests.
    """
    parts = set()
    for r in results:
        m = re.match(r'^(?:setUpClass|tearDownClass) \((.*)\)$', r['id'])
        if m:
            parts.add('^%s\\.' % re.escape(m.group(1)))
        else:
            parts.add('^%s(\\[|$)' % re.escape(r['id']))
    return '|'.join(sorted(parts))


def run_with_reruns(run, host, retries=1, flakes=FLAKES):
    """Run a stage, and its failures that are known host flakes again.

    ``run(None)`` runs the whole stage, ``run(results)`` the tests of
    those failed results again; each returns (exit status, results).
    Returns an Outcome: every test's last result, the exit status of the
    last run, and (first result, flake name) of each test that passed
    only on a re-run.
    """
    rc, latest = run(None)
    final = {r['id']: r for r in latest}
    reran = {}
    for attempt in range(retries + 1):
        todo = []
        for r in (r for r in latest if is_failure(r)):
            match = known_flake(r, host, flakes) if attempt < retries \
                else None
            if match:
                flake, evidence = match
                say('re-running %s: known host flake %s: %s'
                    % (r['id'], flake.name, evidence))
                reran.setdefault(r['id'], (r, flake.name))
                todo.append(r)
            else:
                say('%s failed%s (%s): the stage fails' % (
                    r['id'], ' again' if r['id'] in reran else
                    ', not as a known host flake', first_error(r)))
        if not todo:
            break
        rc, latest = run(todo)
        # A class fixture run again reports its tests, not itself.
        for r in todo:
            final.pop(r['id'], None)
        final.update((r['id'], r) for r in latest)
    flaky = [(first, name) for tid, (first, name) in sorted(reran.items())
             if tid not in final or not is_failure(final[tid])]
    return Outcome(sorted(final.values(), key=lambda r: r['id']), rc, flaky)


def totals(outcome):
    """The stage's last line, read by tools/run-tests."""
    counts = collections.Counter(
        'failed' if is_failure(r) else
        'skipped' if r['status'] == 'skip' else 'passed'
        for r in outcome.results)
    return ('totals: %d passed, %d failed, %d skipped; %d of the passed '
            'only on a known-flake re-run' % (
                counts['passed'], counts['failed'], counts['skipped'],
                len(outcome.flaky)))


def report(outcome):
    for r, name in outcome.flaky:
        say('passed on a re-run for known host flake %s: %s (first: %s)'
            % (name, r['id'], first_error(r)))


# --------------------------------------------------------------- subunit

def read_subunit(stream):
    """One dict per test of a subunit v2 byte stream: id, status, skip
    reason, traceback, captured log, start and stop (seconds since the
    epoch).
    """
    import subunit
    import testtools
    results = {}

    def on_test(test):
        details = test.get('details') or {}

        def text(name):
            d = details.get(name)
            return d.as_text() if d is not None else ''
        tid = test['id']
        if '[' in tid and not tid.startswith(('setUpClass (',
                                              'tearDownClass (')):
            tid = tid.split('[', 1)[0]
        stamps = [t.timestamp() for t in test.get('timestamps') or ()
                  if t is not None]
        results[tid] = {'id': tid, 'status': test['status'],
                        'reason': text('reason').strip(),
                        'traceback': text('traceback'),
                        'log': text("pythonlogging:''"),
                        'start': min(stamps) if stamps else None,
                        'stop': max(stamps) if stamps else None}
    parser = subunit.ByteStreamToStreamResult(stream,
                                              non_subunit_name='stdout')
    result = testtools.StreamToDict(on_test)
    result.startTestRun()
    try:
        parser.run(result)
    finally:
        result.stopTestRun()
    return sorted(results.values(), key=lambda r: r['id'])


# ------------------------------------------------------------ functional

def functional(args):
    """The functional stage: tests/functional, one worker, against the
    local cloud and the token-expiry cloud.
    """
    base = [sys.executable, '-m', 'stestr', '--test-path',
            './tests/functional', '--top-dir', './']

    def run(again):
        cmd = base + ['run', '--concurrency', '1']
        cmd += [rerun_regex(again)] if again else args
        rc = subprocess.call(cmd, cwd=REPO)
        last = subprocess.run(base + ['last', '--subunit'], cwd=REPO,
                              stdout=subprocess.PIPE)
        return rc, read_subunit(io.BytesIO(last.stdout))

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from gdcloud import state
    cloud = state.default_dir(REPO)
    host = Host([cloud, os.path.join(REPO, '.cloud-expiry')])
    outcome = run_with_reruns(run, host)
    report(outcome)
    failed = any(is_failure(r) for r in outcome.results)
    if outcome.rc != 0 and not failed:
        say('stestr exited %d with no failed test' % outcome.rc)
        failed = True
    print(totals(outcome), flush=True)
    return 1 if failed else 0


def main(argv):
    if argv[:1] == ['functional']:
        return functional(argv[1:])
    if argv[:1] == ['list']:
        for flake in FLAKES:
            print('%s: %s' % (flake.name, flake.reason))
        return 0
    if argv[:1] == ['subunit']:
        for r in read_subunit(sys.stdin.buffer):
            print(json.dumps(r))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
