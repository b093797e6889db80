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

"""The results of a test stage: read from stestr's subunit, summed up.

    python tools/stage_results.py functional [STESTR-RUN-ARGS...]
    python tools/stage_results.py subunit < STREAM    (one JSON line per test)

``functional`` is the functional stage (tox -e functional): the tests run
once, with one worker (they take turns on the shared cloud), and its last
line is "totals: P passed, F failed, S skipped", which tools/run-tests
reads. A failed test fails the stage: nothing runs again. ``subunit`` is
what tools/tempest reads tempest's results with, in tempest's venv.

Stdlib only but for the subunit reader, which needs python-subunit (the
functional env and tempest's venv have it).
"""

import collections
import io
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_failure(result):
    return result['status'] not in ('success', 'skip')


def first_error(result, most=300):
    """The last line of a test's traceback that is not a frame, shortened."""
    lines = [line.strip() for line in result.get('traceback', '').splitlines()
             if line.strip() and not line.strip().startswith('File ') and
             set(line.strip()) - set('^~ ')]
    text = ' '.join((lines[-1] if lines else result['status']).split())
    return text if len(text) <= most else text[:most - 3] + '...'


def totals(results):
    """The stage's last line, read by tools/run-tests."""
    counts = collections.Counter(
        'failed' if is_failure(r) else
        'skipped' if r['status'] == 'skip' else 'passed'
        for r in results)
    return 'totals: %d passed, %d failed, %d skipped' % (
        counts['passed'], counts['failed'], counts['skipped'])


def read_subunit(stream):
    """One dict per test of a subunit v2 byte stream: id, status, skip
    reason and traceback.
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
        results[tid] = {'id': tid, 'status': test['status'],
                        'reason': text('reason').strip(),
                        'traceback': text('traceback')}
    parser = subunit.ByteStreamToStreamResult(stream,
                                              non_subunit_name='stdout')
    result = testtools.StreamToDict(on_test)
    result.startTestRun()
    try:
        parser.run(result)
    finally:
        result.stopTestRun()
    return sorted(results.values(), key=lambda r: r['id'])


def functional(args):
    """tests/functional, once, one worker, against the local cloud."""
    base = [sys.executable, '-m', 'stestr', '--test-path',
            './tests/functional', '--top-dir', './']
    rc = subprocess.call(base + ['run', '--concurrency', '1'] + args,
                         cwd=REPO)
    last = subprocess.run(base + ['last', '--subunit'], cwd=REPO,
                          stdout=subprocess.PIPE)
    results = read_subunit(io.BytesIO(last.stdout))
    failed = [r for r in results if is_failure(r)]
    for r in failed:
        print('FAILED %s: %s' % (r['id'], first_error(r)))
    if rc != 0 and not failed:
        print('stestr exited %d with no failed test' % rc)
    print(totals(results), flush=True)
    return 1 if rc != 0 or failed else 0


def main(argv):
    if argv[:1] == ['functional']:
        return functional(argv[1:])
    if argv[:1] == ['subunit']:
        for r in read_subunit(sys.stdin.buffer):
            print(json.dumps(r))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
