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

"""The benchmark plot: throughput of every method, where an import's time
goes (download vs Glance's store copy), concurrent imports and, with
tuning profiles, each profile's store copy against the default. The
documentation draws it from the committed results at build time.
"""

from gdbench import report
from gdbench import units

MiB = units.MiB
GiB = units.GiB
size_label = units.size_label


def plot(path, results, rows, scaling):
    """Write the figure to PATH (matplotlib, no display)."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    sizes = sorted({r['size'] for r in rows})
    methods = [m for m in report.all_methods(results)
               if report.find_any(rows, m)]
    names = [p['name'] for p in results.get('profiles', [])]
    imports = [m for m in methods if m not in ('client', 'raw-get', 'direct')]
    palette = ['#1f77b4', '#9467bd', '#17becf', '#8c564b']
    colors = {'in-tree': '#d62728', 'client': '#2ca02c',
              'raw-get': '#7f7f7f', 'direct': '#bcbd22'}
    for m in imports:
        if m not in colors:
            colors[m] = palette[len([c for c in colors
                                     if c not in ('in-tree', 'client',
                                                  'raw-get', 'direct')])
                                % len(palette)]
    panels = 2 + bool(scaling) + (len(names) > 1)
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 5.2))

    def row(size, method, profile=report.DEFAULT):
        return report.find(rows, size, method, profile)

    # 1: throughput of every method
    ax = axes[0]
    width = 0.8 / len(methods)
    for i, method in enumerate(methods):
        xs, ys = [], []
        for j, size in enumerate(sizes):
            r = row(size, method)
            if r:
                xs.append(j + (i - (len(methods) - 1) / 2) * width)
                ys.append(size / MiB / r['median'])
        ax.bar(xs, ys, width, label=report.label(method),
               color=colors[method])
        labelled(ax, xs, ys, '%.0f')
    size_axis(ax, sizes)
    ax.set_ylabel('MiB/s (size / median seconds)')
    ax.set_yscale('log')
    ax.set_title('One image, RegionOne -> RegionTwo')
    ax.legend(fontsize=7)

    # 2: where an import's time goes, seconds per GiB
    ax = axes[1]
    width = 0.8 / max(1, len(imports))
    for i, method in enumerate(imports):
        for j, size in enumerate(sizes):
            r = row(size, method)
            if not r:
                continue
            per = GiB / size
            dl = (r['download_s'] or 0) * per
            store = (r['store_s'] or 0) * per
            total = r['median'] * per
            other = max(0.0, total - dl - store)
            x = j + (i - (len(imports) - 1) / 2) * width
            ax.bar(x, dl, width, color=colors[method],
                   label='%s: download' % method if j == 0 else None)
            ax.bar(x, other, width, bottom=dl, color='#dddddd',
                   label='between phases' if i == 0 and j == 0 else None)
            ax.bar(x, store, width, bottom=dl + other, color=colors[method],
                   alpha=0.45, hatch='//',
                   label="%s: Glance's store copy" % method
                   if j == 0 else None)
            ax.text(x, total, '%.1f' % total, ha='center', va='bottom',
                    fontsize=7)
    size_axis(ax, sizes)
    ax.set_ylabel('seconds per GiB (median)')
    ax.set_title('Import phases')
    # Headroom above the tallest bar for the legend.
    ax.set_ylim(top=ax.get_ylim()[1] * 1.45)
    ax.legend(fontsize=7, loc='upper center', ncol=2)

    if len(names) > 1:
        profile_panel(axes[2], rows, sizes, names, row)
    if scaling:
        ax = axes[-1]
        for method in imports:
            pts = sorted((s['n'], s['mib_s']) for s in scaling
                         if s['method'] == method)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], 'o-',
                        label=report.label(method), color=colors[method])
        ax.set_xticks(sorted({s['n'] for s in scaling}))
        ax.set_xlabel('concurrent imports of %s' %
                      size_label(scaling[0]['size']))
        ax.set_ylabel('aggregate MiB/s')
        ax.set_ylim(bottom=0)
        ax.set_title('Concurrent imports')
        ax.legend(fontsize=7)
    fig.suptitle('glance-download on a local two-region cloud (%s)' %
                 results['machine']['cpu'], fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def profile_panel(ax, rows, sizes, names, row):
    """Glance's store copy per GiB under each profile: glance-direct of
    staged data if every profile ran it, else our import's store phase.
    """
    width = 0.8 / len(names)
    method = 'direct' if all(report.find_any(rows, 'direct', name)
                             for name in names) else 'ours'
    for i, name in enumerate(names):
        xs, ys = [], []
        for j, size in enumerate(sizes):
            r = row(size, method, name)
            if r and r['store_s']:
                xs.append(j + (i - (len(names) - 1) / 2) * width)
                ys.append(r['store_s'] * GiB / size)
        ax.bar(xs, ys, width, label=name)
        labelled(ax, xs, ys, '%.1f')
    size_axis(ax, sizes)
    ax.set_ylabel("Glance's store copy, seconds per GiB (median)")
    ax.set_title('Tuning profiles (RegionTwo, %s)' % report.label(method))
    ax.legend(fontsize=7)


def labelled(ax, xs, ys, spec):
    for x, y in zip(xs, ys):
        ax.text(x, y, spec % y, ha='center', va='bottom', fontsize=7)


def size_axis(ax, sizes):
    ax.set_xticks(range(len(sizes)))
    ax.set_xticklabels([size_label(s) for s in sizes])
