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

"""Tuning profiles: named Glance, glance_store and uWSGI settings the bench
applies to RegionTwo (on top of the cloud's own), to measure what each
changes in an import. doc/source/admin/tuning.rst explains each one for
operators."""

import collections

MiB = 1024 * 1024
DEFAULT = 'default'

Profile = collections.namedtuple('Profile', 'name help conf uwsgi')


def _profile(name, help, conf=None, uwsgi=None):
    return Profile(name, help, conf or {}, uwsgi or {})


def _chunk(mib):
    return {'filesystem_store_chunk_size': str(mib * MiB)}


PROFILES = collections.OrderedDict((p.name, p) for p in [
    _profile(DEFAULT, "the cloud's settings: glance_store's 64 KiB "
             'filesystem_store_chunk_size everywhere, uWSGI 2 processes x '
             '1 thread'),
    _profile('staging-1m', '[os_glance_staging_store] '
             'filesystem_store_chunk_size = 1 MiB (the staging store only)',
             {'os_glance_staging_store': _chunk(1)}),
    _profile('store-1m', '[fast] filesystem_store_chunk_size = 1 MiB (the '
             'target file store only)', {'fast': _chunk(1)}),
    _profile('store-8m', '[fast] filesystem_store_chunk_size = 8 MiB (the '
             'target file store only)', {'fast': _chunk(8)}),
    _profile('chunks-1m', 'filesystem_store_chunk_size = 1 MiB in both the '
             'staging and the target store',
             {'os_glance_staging_store': _chunk(1), 'fast': _chunk(1)}),
    _profile('uwsgi-1x4', 'uWSGI 1 process x 4 threads instead of 2 x 1',
             uwsgi={'processes': '1', 'threads': '4'}),
    _profile('arena-2', 'MALLOC_ARENA_MAX=2 in the workers\' environment '
             '(glibc: at most two malloc arenas per process)',
             uwsgi={'env': 'MALLOC_ARENA_MAX=2'}),
])


def get(name):
    try:
        return PROFILES[name]
    except KeyError:
        raise SystemExit('bench: no profile %r (known: %s)'
                         % (name, ', '.join(PROFILES)))


def as_dict(profile):
    return {'name': profile.name, 'help': profile.help,
            'conf': profile.conf, 'uwsgi': profile.uwsgi}


def parse(text):
    """The profiles of --profiles NAME[,NAME...], default always first."""
    names = [n for n in text.split(',') if n]
    return [get(DEFAULT)] + [get(n) for n in names if n != DEFAULT]
