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

"""Turn a run's records into medians and ratios, and those into
reStructuredText: the benchmarks page of the documentation, which renders
it from the committed results (doc/benchmarks.json) at build time.

Nothing here reads the environment or needs the cloud (the documentation
build imports this module). The page names no date and no commit: the
results file keeps both.
"""

import statistics

from gdbench import profiles as profiles_mod
from gdbench import units

METHOD_LABELS = {
    'ours': 'ours (glance-download)',
    'in-tree': 'in-tree glance-download',
    'client': 'client copy (glanceclient)',
    'raw-get': 'limit: raw GET to /dev/null',
    'direct': 'limit: glance-direct of staged data',
    'direct-sparse': 'glance-direct of staged data, second half zeros',
}
MiB = units.MiB
DEFAULT = profiles_mod.DEFAULT


def label(method):
    return METHOD_LABELS.get(method, 'plugin build "%s"' % method)


def all_methods(results):
    extra = list(results.get('extra_plugins', {}))
    return ['ours'] + extra + ['in-tree', 'client', 'raw-get', 'direct',
                               'direct-sparse']


def _group(recs):
    secs = [r['seconds'] for r in recs]

    def med(key):
        vals = [r[key] for r in recs if key in r]
        return statistics.median(vals) if vals else None

    def peak(key):
        vals = [r[key] for r in recs if key in r]
        return max(vals) if vals else None

    return {
        'n': len(recs), 'min': min(secs), 'max': max(secs),
        'median': statistics.median(secs),
        'download_s': med('download_s'), 'store_s': med('store_s'),
        'rss_mib': peak('rss_growth_mib'),
        'rss_median_mib': med('rss_growth_mib'),
        'staging_mib': peak('staging_peak_mib'),
        'disk_mib': peak('disk_peak_mib'),
        'cpu_r2_s': med('cpu_r2_s'), 'cpu_r1_s': med('cpu_r1_s'),
        'cpu_client_s': med('cpu_client_s'), 'cpu_osd_s': med('cpu_osd_s'),
        'hash_ok': all(r.get('hash_ok', True) for r in recs),
    }


def summarize(results):
    """(rows, scaling): one row per size, method and profile."""
    groups = {}
    for rec in results['runs']:
        key = (rec['size'], rec['method'], rec.get('profile', DEFAULT))
        groups.setdefault(key, []).append(rec)
    rows = []
    for (size, method, profile), recs in sorted(groups.items()):
        row = _group(recs)
        row.update({'size': size, 'method': method, 'profile': profile,
                    'mib_s': size / MiB / row['median']})
        rows.append(row)
    by = {(r['size'], r['method'], r['profile']): r for r in rows}
    for r in rows:
        ref = by.get((r['size'], 'in-tree', DEFAULT))
        r['vs_intree'] = r['median'] / ref['median'] if ref else None
        same = by.get((r['size'], r['method'], DEFAULT))
        r['vs_default'] = r['median'] / same['median'] if same else None
        if same and r['store_s'] and same['store_s']:
            r['store_vs_default'] = r['store_s'] / same['store_s']
        else:
            r['store_vs_default'] = None
    scale = {}
    for rec in results['scaling']:
        scale.setdefault((rec['method'], rec['n']), []).append(rec)
    scaling = []
    for (method, n), recs in sorted(scale.items()):
        scaling.append({
            'method': method, 'n': n, 'size': recs[0]['size'],
            'median': statistics.median(r['seconds'] for r in recs),
            'mib_s': statistics.median(r['aggregate_mib_s'] for r in recs),
            'rss_mib': max(r['rss_growth_mib'] for r in recs),
            'staging_mib': max(r['staging_peak_mib'] for r in recs),
            'cpu_r2_s': statistics.median(r['cpu_r2_s'] for r in recs),
            'hash_ok': all(r['hash_ok'] for r in recs)})
    return rows, scaling


def find(rows, size, method, profile=DEFAULT):
    return next((x for x in rows if x['size'] == size and
                 x['method'] == method and x['profile'] == profile), None)


def fmt(value, spec='%.2f'):
    return '-' if value is None else spec % value


def rst_table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = '  '.join('=' * w for w in widths)
    out = [line, '  '.join(str(h).ljust(w) for h, w in zip(header, widths)),
           line]
    out += ['  '.join(str(c).ljust(w) for c, w in zip(row, widths))
            for row in rows]
    out.append(line)
    return '\n'.join(out)


INTRO = [
    'What is compared, on one machine, in one run with interleaved '
    'repetitions:', '',
    '* **ours**: this plugin\'s ``glance-download`` import, RegionOne '
    '-> RegionTwo, timed from the import POST to the task\'s '
    'completion (image ``active``).',
    '* **in-tree**: stock Glance 33\'s own ``glance-download`` (the '
    'harness removes our ``.pth`` and restarts RegionTwo\'s '
    'glance-api; a plugin check and the task\'s log lines confirm '
    'which one ran).',
    '* **client**: a client-side copy, glanceclient streaming '
    'RegionOne\'s ``/file`` (checking its ``os_hash_value``) into a '
    'RegionTwo upload (``PUT /file``), timed until the upload '
    'returns.',
    '* **limit**: a raw ``GET`` of the data to ``/dev/null`` (no '
    'hashing), and a ``glance-direct`` import of data already staged '
    'in RegionTwo: Glance\'s own staging-to-store copy, which follows '
    'every import whatever the plugin. Their sum is the floor of an '
    'import that downloads, then copies.', '',
    'The *download* column is the import POST until every byte is '
    'staged (our log line, or sampling the staging file every '
    '50 ms); *store* is Glance\'s staging-to-store copy (first sample '
    'with the image in the store until completion). RSS is the peak '
    'growth of a RegionTwo glance-api worker over its value before '
    'the import; staging is the peak size of the staging directory; '
    'CPU is the user+system time of RegionTwo\'s glance-api workers '
    '(``/proc/<pid>/stat``), and for the client copy also the '
    'client\'s own thread. Ratios are median time divided by the '
    'in-tree median (below 1 = faster than in-tree). After every '
    'glance-api restart, unrecorded warm-up imports (two concurrent '
    '64 MiB imports, repeated until every worker has run one) load the '
    'import code in each worker: a worker\'s first import grows its RSS '
    'once by some 20 MiB (see the tuning guide).', '',
]


def environment(results):
    m = results['machine']
    q = results['quiet']
    hashes = m.get('hash_cpu_s_per_gib')
    every = results['runs'] + results['scaling']
    lines = [
        'Environment', '-----------', '',
        '* Machine: %s, %s GiB RAM, Linux %s, Python %s, %s' % (
            m['cpu'], m['memory_gib'], m['kernel'], m['python'],
            m['openssl'])]
    if hashes:
        lines.append(
            '* Hash speed of one core (hashlib, 64 KiB updates, best of 3): '
            'sha512 %.2f CPU-s/GiB, md5 %.2f CPU-s/GiB' % (
                hashes['sha512'], hashes['md5']))
    if 'sleep0_us' in m:
        lines.append(
            '* One ``time.sleep(0)`` in Python on this machine: %.0f us '
            'wall (timer slack %d us)' % (m['sleep0_us'],
                                          m['timer_slack_ns'] / 1000))
    return lines + [
        '* Versions: %s' % ', '.join('%s %s' % kv
                                     for kv in m['versions'].items()),
        '* Cloud: ``tools/cloud`` (Keystone + two glance-api under uWSGI, '
        '2 processes x 1 thread each unless a profile says otherwise, so '
        'RegionOne serves at most two downloads at a time; %s; '
        'SQLite in WAL mode) on 127.0.0.1' % stores(results),
        '* Our plugin\'s options on RegionTwo: %s' % results.get(
            'glance_download_options', 'the cloud\'s'),
        '* Load: 1-minute load average %.2f before waiting, %.2f at the '
        'start (waited %.0f s for it to drop below %.1f); highest seen '
        'during a measurement: %.2f.' % (
            q['load_before_wait'], q['load_at_start'], q['waited_s'],
            results['args']['max_load'],
            max(r['load1'] for r in every) if every else 0),
    ] + pressure(results) + [
        '* Run time: %.0f s' % results['duration_s'], '',
    ]


def stores(results):
    """The image stores of the run's cloud, in words."""
    if results.get('store', 'file') == 'file':
        return 'file stores'
    two = results.get('region_two_stores', {})
    return ('both regions\' images in Ceph RBD (a pool each, on one '
            'single-node cluster of the cloud\'s own on the same machine: '
            'monitor, manager, one BlueStore OSD on a sparse file); '
            'RegionTwo\'s stores %s' % ', '.join(
                '%s (%s)' % kv for kv in two.items()))


def pressure(results):
    start = results['quiet'].get('cpu_pressure_at_start')
    end = results.get('cpu_pressure_at_end')
    if start is None or end is None:
        return []
    return ['* CPU pressure (``/proc/pressure/cpu``, share of the last '
            'minute in which a runnable task waited for a CPU): %.0f%% at '
            'the start, %.0f%% at the end.' % (100 * start, 100 * end)]


def single_table(results, rows, sizes):
    header = ['size', 'method', 'n', 'min s', 'median s', 'MiB/s',
              'vs in-tree', 'download s', 'store s', 'RSS +MiB',
              'staging MiB', 'CPU R2 s', 'CPU client s', 'hash']
    table = []
    for size in sizes:
        for method in all_methods(results):
            r = find(rows, size, method)
            if r is None:
                continue
            table.append([
                units.size_label(size), label(method), r['n'],
                fmt(r['min']), fmt(r['median']), fmt(r['mib_s'], '%.0f'),
                fmt(r['vs_intree']), fmt(r['download_s']),
                fmt(r['store_s']), fmt(r['rss_mib'], '%.0f'),
                fmt(r['staging_mib'], '%.0f'), fmt(r['cpu_r2_s'], '%.1f'),
                fmt(r['cpu_client_s'] or None, '%.1f'),
                'ok' if r['hash_ok'] else 'MISMATCH'])
    return [rst_table(header, table), '']


def ratio_table(rows, sizes):
    out = ['Ratios (median time / in-tree median time; the limit is the '
           'raw GET plus the glance-direct import):', '']
    ratio_rows = []
    for size in sizes:
        get = {m: find(rows, size, m)
               for m in ('ours', 'in-tree', 'client', 'raw-get', 'direct')}
        if not get['ours'] or not get['in-tree']:
            continue
        limit = (get['raw-get']['median'] + get['direct']['median']) \
            if get['raw-get'] and get['direct'] else None
        ref = get['in-tree']['median']
        ours = get['ours']['median']
        ratio_rows.append([
            units.size_label(size), fmt(ours), fmt(ref),
            fmt(get['client'] and get['client']['median']), fmt(limit),
            fmt(ours / ref),
            fmt(get['client'] and get['client']['median'] / ref),
            fmt(limit and limit / ref), fmt(limit and ours / limit),
            fmt(ref / ours, '%.2fx')])
    out += [rst_table(['size', 'ours s', 'in-tree s', 'client s', 'limit s',
                       'ours/in-tree', 'client/in-tree', 'limit/in-tree',
                       'ours/limit', 'speed-up'], ratio_rows), '']
    return out


# The methods a profile's table shows under the default profile too.
PROFILED = ('ours', 'direct', 'direct-sparse')
# The profile table's columns: (header, cell of a row). A column no row
# has a figure for is left out (the in-tree import and the cloud's OSD are
# not in every run).
PROFILE_COLUMNS = [
    ('median s', lambda r: fmt(r['median'])),
    ('download s', lambda r: fmt(r['download_s'])),
    ('store s', lambda r: fmt(r['store_s'])),
    ('vs default', lambda r: fmt(r['vs_default'])),
    ('store vs default', lambda r: fmt(r['store_vs_default'])),
    ('vs in-tree', lambda r: fmt(r['vs_intree'])),
    ('RSS +MiB', lambda r: '%s / %s' % (fmt(r['rss_mib'], '%.1f'),
                                        fmt(r['rss_median_mib'], '%.1f'))),
    ('CPU R2 s', lambda r: fmt(r['cpu_r2_s'], '%.1f')),
    ('CPU OSD s', lambda r: fmt(r['cpu_osd_s'], '%.1f')),
    ('hash', lambda r: 'ok' if r['hash_ok'] else 'MISMATCH'),
]


def profile_table(results, rows, sizes):
    """Every profile's rows against the default profile's."""
    names = [p['name'] for p in results.get('profiles', [])]
    if len(names) < 2:
        return []
    shown = []
    for size in sizes:
        for name in names:
            for method in all_methods(results):
                r = find(rows, size, method, name)
                if r is None or method not in PROFILED and name == DEFAULT:
                    continue
                shown.append((size, name, method, r))
    columns = [(head, cell) for head, cell in PROFILE_COLUMNS
               if any(cell(r) != '-' for _, _, _, r in shown)]
    osd = (' *CPU OSD*: the user+system time of the cloud\'s Ceph OSD, '
           'which writes the RBD store\'s data on the same cores.'
           if 'CPU OSD s' in dict(columns) else '')
    out = ['Tuning profiles', '---------------', '',
           'The same imports under each tuning profile (settings applied to '
           'RegionTwo\'s glance-api, restarted between profiles; profiles '
           'interleaved within each repetition). *vs default* is the '
           'median time over the same method\'s median under the default '
           'profile, *store vs default* the same for Glance\'s '
           'staging-to-store copy alone, *vs in-tree* over the in-tree '
           'import under the default profile. RSS: peak / median growth of '
           'the worker that ran the import.%s The tuning guide explains '
           'each setting.' % osd, '']
    out += ['* ``%s``: %s' % (p['name'], p['help'])
            for p in results['profiles']] + ['']
    table = [[units.size_label(size), name, label(method), r['n']] +
             [cell(r) for _, cell in columns]
             for size, name, method, r in shown]
    out += [rst_table(['size', 'profile', 'method', 'n'] +
                      [head for head, _ in columns], table), '']
    return out


def memory_table(results):
    """Every single import in run order: where its RSS growth went."""
    recs = [r for r in results['runs'] if 'arenas' in r]
    if not recs:
        return []
    out = ['Worker memory per import', '------------------------', '',
           'Every measured import in the order it ran, for the RegionTwo '
           'worker whose RSS grew most: its RSS growth, the threads it '
           'started, its glibc malloc arenas after the import (anonymous '
           '64 MiB-aligned mappings in ``/proc/<pid>/smaps``), how many of '
           'them were new and how much their RSS grew. *first* marks the '
           'first measured import after a glance-api restart (and its '
           'unrecorded warm-up imports).', '']
    table = []
    last = None
    for r in recs:
        station = (r.get('profile', DEFAULT), r['method'])
        first = station != last and r['method'] not in ('client', 'raw-get',
                                                        'direct')
        last = station if r['method'] not in ('client', 'raw-get',
                                              'direct') else last
        table.append([
            units.size_label(r['size']), r.get('profile', DEFAULT),
            r['method'], r['rep'], 'first' if first else '',
            fmt(r['rss_growth_mib'], '%.1f'), r['new_threads'],
            r['arenas'], r['new_arenas'],
            fmt(r['arena_growth_mib'], '%.1f')])
    out += [rst_table(['size', 'profile', 'method', 'rep', 'after restart',
                       'RSS +MiB', 'new threads', 'arenas', 'new arenas',
                       'arena RSS +MiB'], table), '']
    return out


def scaling_table(scaling):
    if not scaling:
        return []
    out = ['Concurrent imports', '------------------', '',
           '%s imports of one %s image at once; aggregate MiB/s = '
           'total bytes / time from the first import POST until the '
           'last image is active. Each import is posted as soon as '
           'the previous one has started (its image is ``importing``, '
           'well under a second later): posted all in the same '
           'instant, Glance on SQLite drops some of them before they '
           'start ("database is locked" while setting the task to '
           'processing, swallowed by its task pool), with either '
           'plugin.'
           % ('/'.join(sorted({str(s['n']) for s in scaling})),
              units.size_label(scaling[0]['size'])), '']
    srows = [[s['n'], s['method'],
              fmt(s['median']), fmt(s['mib_s'], '%.0f'),
              fmt(s['rss_mib'], '%.0f'), fmt(s['staging_mib'], '%.0f'),
              fmt(s['cpu_r2_s'], '%.1f'),
              'ok' if s['hash_ok'] else 'MISMATCH']
             for s in sorted(scaling, key=lambda s: (s['n'], s['method']))]
    out += [rst_table(['imports', 'plugin', 'seconds', 'aggregate MiB/s',
                       'RSS +MiB', 'staging MiB', 'CPU R2 s', 'hash'],
                      srows), '']
    return out


PARTS = ('intro', 'environment', 'single', 'ratios', 'profiles', 'scaling',
         'memory', 'plot', 'failures', 'notes')


def page(results, plot_name=None, attempts=None, parts=PARTS):
    """The report of a run, as the lines of a page body (no title).

    :param plot_name: the plot's image path (part ``plot``)
    :param attempts: how many times the harness tried a measurement, for
        the part on measurements run again (``failures``)
    :param parts: which of :data:`PARTS` to show, in their order
    """
    rows, scaling = summarize(results)
    sizes = sorted({r['size'] for r in rows})
    failures = results.get('failures') or []
    every = {
        'intro': lambda: INTRO,
        'environment': lambda: environment(results) + [
            'Command::', '', '    ' + results['command'], ''],
        'single': lambda: ['Single imports', '--------------', ''] +
        single_table(results, rows, sizes),
        'ratios': lambda: ratio_table(rows, sizes),
        'profiles': lambda: profile_table(results, rows, sizes),
        'scaling': lambda: scaling_table(scaling),
        'memory': lambda: memory_table(results),
        'plot': lambda: ['.. image:: %s' % plot_name,
                         '   :alt: benchmark plot', ''] if plot_name else [],
        'failures': lambda: _failures(failures, attempts),
        'notes': lambda: ['Notes', '-----', ''] + results['notes'] + ['']
        if results.get('notes') else [],
    }
    out = []
    for part in parts:
        out += every[part]()
    return out


def _failures(failures, attempts):
    if not failures:
        return []
    return ['Measurements run again', '----------------------', '',
            'Glance failed these attempts; the harness ran the measurement '
            'again%s and kept the run that succeeded. Reasons as the '
            'image\'s task or the harness recorded them:'
            % (' (up to %d times)' % attempts if attempts else ''), ''] + [
        '* %s: %s' % (f['what'], f['error']) for f in failures] + ['']


def write_page(path, title, lines):
    """A report as a page of its own (tools/bench --out)."""
    rule = '=' * len(title)
    with open(path, 'w') as f:
        f.write('\n'.join([rule, title, rule, ''] + lines))


def find_any(rows, method, profile=DEFAULT):
    """Whether any size has a row of METHOD under PROFILE."""
    return any(r['method'] == method and r['profile'] == profile
               for r in rows)


def spy_page(results):
    """The py-spy summaries of a --py-spy run, as tables of top frames
    (the lines of a page body).
    """
    m = results['machine']
    out = ['py-spy %s samples per second (idle ones included) of the '
           'RegionTwo worker thread that ran Glance\'s staging-to-store '
           'copy (every sample whose stack holds glance_store\'s '
           '``Store.add``), by the innermost '
           'Python line; C code (hashing, ``read``, ``write``, '
           '``sleep``) is counted on the Python line that called it. '
           'Machine: %s; load average %.2f at the start. Command::' % (
               100, m['cpu'], results['quiet']['load_at_start']), '',
           '    ' + results['command'], '']
    for s in results['py_spy']:
        rec = s['record']
        out += ['%s, profile ``%s``: import %.2f s, store copy %s s; '
                '%d samples of the copy thread (%.1f s); stacks in '
                '``%s``' % (label(s['method']), s['profile'], rec['seconds'],
                            fmt(rec.get('store_s')), s['samples'],
                            s['seconds'], s['stacks']), '']
        out += [rst_table(['share', 'frame (``file:line``)', 'source line'], [
            ['%.1f%%' % (100 * share), frame, '``%s``' % text if text
             else '']
            for share, frame, text in s['leaf']]), '']
        out += ['Inclusive share of the layers inside ``Store.add``: ' +
                '; '.join('%s %.0f%%' % (f, 100 * share)
                          for share, f in s['layers']), '']
    return out


def write_layers_rst(path, rows, size, repeat, command, m):
    """The table of a --layers run."""
    by = {(c, v): (w, cpu) for c, v, w, cpu in rows}
    table = []
    for chunk in sorted({c for c, _, _, _ in rows}):
        slow, fast = by[(chunk, 'sleep(0)')], by[(chunk, 'no sleep')]
        table.append(['%d KiB' % (chunk // 1024), fmt(slow[0]),
                      fmt(slow[1]), fmt(fast[0]), fmt(fast[1]),
                      fmt(fast[0] / slow[0])])
    out = ['.. Produced by tools/bench --layers (do not edit by hand).', '',
           'Glance\'s staging-to-store read path run outside Glance on a '
           '%s file (best of %d, interleaved): seconds and CPU seconds with '
           'Glance\'s ``sleep(0)`` and with it patched out in that process '
           'only; %s, one ``time.sleep(0)`` %.0f us. Command::' % (
               units.size_label(size), repeat, m['cpu'], m['sleep0_us']),
           '', '    ' + command, '',
           rst_table(['chunk', 'sleep(0) s', 'sleep(0) CPU s',
                      'no sleep s', 'no sleep CPU s', 'no sleep / sleep(0)'],
                     table), '']
    with open(path, 'w') as f:
        f.write('\n'.join(out))
