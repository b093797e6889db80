"""glance-download-check: tell an operator which plugin Glance will run.

Run it with the Python interpreter of Glance's environment, from a
directory that holds no copy of this project (metadata found earlier on
``sys.path`` changes the answer), for example::

    cd / && /opt/glance/bin/python -m glance_download.cmd.check
"""

import argparse
import importlib
import sys

from glance_download import selection


def _describe(entry_point):
    if entry_point is None:
        return 'nothing (no plugin registered under that name)'
    try:
        where = importlib.import_module(entry_point.module).__file__
    except Exception as exc:  # report, do not hide, a broken install
        where = 'cannot be imported: %s' % exc
    return '%s (%s)' % (entry_point.value, where)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='glance-download-check',
        description=(
            'Repeat the stevedore lookup that glance-api makes for the '
            'glance-download and web-download import methods, print which '
            'implementation each resolves to, and exit with status 1 when '
            'any of them is not the glance_download package. Run it with '
            "the python of Glance's environment, from a directory that "
            'does not contain a checkout of this project.'),
        epilog='Exit status: 0 when Glance runs our plugins, 1 otherwise.')
    parser.add_argument(
        '--method', action='append', choices=selection.METHODS,
        help='check only this method (repeatable; default: all)')
    args = parser.parse_args(argv)

    ok = True
    for method in args.method or selection.METHODS:
        entry_point = selection.lookup(method)
        ours = selection.is_ours(entry_point)
        ok = ok and ours
        print('%-16s %s -> %s' % (method, 'OK  ' if ours else 'NOT OURS',
                                  _describe(entry_point)))
    if not ok:
        print('Glance would not run the glance_download plugin for every '
              'method. Install it as README.rst describes (its own '
              'directory plus a .pth file in Glance\'s site-packages).',
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
