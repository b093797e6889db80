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

"""tools/bench-replication's results as reStructuredText, from the JSON
alone (the documentation build runs it, with no cloud and no client
library).
"""

import json
import sys

IN_STEP = 'in step'       # glance_download.replication.plan.IN_STEP


def report(results):
    lines = ['Measured on %s, %s GiB, Python %s.' % (
        results['machine']['cpu'], results['machine']['memory_gib'],
        results['machine']['python']), '']
    header = ('Source images', 'Target regions', 'Items in step',
              'Seconds (median)', 'List operations', 'HTTP requests')
    rows = []
    for run in results.get('passes', ()):
        rows.append((str(run['images']), str(run['target_regions']),
                     str(run['states'].get(IN_STEP, 0)),
                     '%.2f' % run['median_seconds'],
                     str(sum(n for k, n in run['operations'].items()
                             if k.endswith(' list'))),
                     str(sum(run['http_requests'].values()))))
    widths = [max(len(h), *(len(r[i]) for r in rows))
              for i, h in enumerate(header)]
    rule = ' '.join('=' * w for w in widths)
    lines += [rule, ' '.join(h.ljust(w) for h, w in zip(header, widths)),
              rule]
    lines += [' '.join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines += [rule]
    events = results.get('events')
    if events:
        lines += ['', 'From the end of an upload to its copy\'s import under '
                  'way (%d images each):' % events['latency'][0]['images'],
                  '']
        for run in events['latency']:
            lines.append('- event_delay %.1f s: median %.2f s, 95th '
                         'percentile %.2f s' % (run['event_delay'],
                                                run['median_seconds'],
                                                run['p95_seconds']))
        burst = events['burst']
        lines += ['', '%d images published at once, per_region = %d: at '
                  'most %d imports under way in RegionTwo at a time; every '
                  'copy active after %.0f s.' % (
                      burst['images'], burst['per_region'],
                      burst['most_importing'],
                      burst['seconds_to_all_active'])]
    return '\n'.join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        print(report(json.load(f)))
    return 0
