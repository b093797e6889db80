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
operators.

A profile of a store's options names the driver that store must have
(``stores``): an rbd option in a file store's group would be ignored by
Glance without a word, and the run would measure nothing."""

import collections

MiB = 1024 * 1024
DEFAULT = 'default'
# RegionTwo's stores as tools/cloud names them (gdcloud.stores; not
# imported: the documentation build imports this module, and no gdcloud)
TARGET = 'fast'
SECOND = 'cheap'

Profile = collections.namedtuple('Profile', 'name help conf uwsgi stores')


def _profile(name, help, conf=None, uwsgi=None, stores=None):
    return Profile(name, help, conf or {}, uwsgi or {}, stores or {})


def _chunk(mib):
    return {'filesystem_store_chunk_size': str(mib * MiB)}


def _file_target(name, help, mib):
    return _profile(name, help, {TARGET: _chunk(mib)},
                    stores={TARGET: 'file'})


def _rbd(name, help, **options):
    return _profile(name, help, {TARGET: options}, stores={TARGET: 'rbd'})


PROFILES = collections.OrderedDict((p.name, p) for p in [
    _profile(DEFAULT, "the cloud's settings: glance_store's defaults (file "
             'stores: 64 KiB filesystem_store_chunk_size; RBD: 8 MiB '
             'rbd_store_chunk_size, no thin provisioning), Glance\'s sha512 '
             'hashing_algorithm, uWSGI 2 processes x 1 thread'),
    _profile('staging-1m', '[os_glance_staging_store] '
             'filesystem_store_chunk_size = 1 MiB (the staging store only)',
             {'os_glance_staging_store': _chunk(1)}),
    _file_target('store-1m', '[fast] filesystem_store_chunk_size = 1 MiB '
                 '(the target file store only)', 1),
    _file_target('store-8m', '[fast] filesystem_store_chunk_size = 8 MiB '
                 '(the target file store only)', 8),
    _profile('chunks-1m', 'filesystem_store_chunk_size = 1 MiB in both the '
             'staging and the target store',
             {'os_glance_staging_store': _chunk(1), TARGET: _chunk(1)},
             stores={TARGET: 'file'}),
    _profile('uwsgi-1x4', 'uWSGI 1 process x 4 threads instead of 2 x 1',
             uwsgi={'processes': '1', 'threads': '4'}),
    _profile('arena-2', 'MALLOC_ARENA_MAX=2 in the workers\' environment '
             '(glibc: at most two malloc arenas per process)',
             uwsgi={'env': 'MALLOC_ARENA_MAX=2'}),
    # RBD targets (GD_STORE=rbd): the store's object size is also the size
    # of every read and write of its add().
    _rbd('rbd-4m', '[fast] rbd_store_chunk_size = 4 (MiB; the target RBD '
         'store: its objects, and each read and write of the copy)',
         rbd_store_chunk_size='4'),
    _rbd('rbd-16m', '[fast] rbd_store_chunk_size = 16 (MiB)',
         rbd_store_chunk_size='16'),
    _rbd('rbd-32m', '[fast] rbd_store_chunk_size = 32 (MiB)',
         rbd_store_chunk_size='32'),
    _rbd('rbd-thin', '[fast] rbd_thin_provisioning = True (the target RBD '
         'store skips writing chunks that are all zero bytes)',
         rbd_thin_provisioning='True'),
    _profile('sha256', '[DEFAULT] hashing_algorithm = sha256 (os_hash_value '
             'of the images RegionTwo stores; sha512 by default)',
             {'DEFAULT': {'hashing_algorithm': 'sha256'}}),
    # The same imports into RegionTwo's second store, a file store
    # (GD_GLANCE2_STORES=2): RBD against file in one run.
    _profile('file-target', '[glance_store] default_backend = cheap (the '
             "imports go to RegionTwo's second store, a file store with "
             "glance_store's defaults, instead of RBD)",
             {'glance_store': {'default_backend': SECOND}},
             stores={SECOND: 'file'}),
])


def get(name):
    try:
        return PROFILES[name]
    except KeyError:
        raise SystemExit('bench: no profile %r (known: %s)'
                         % (name, ', '.join(PROFILES)))


def as_dict(profile):
    return {'name': profile.name, 'help': profile.help,
            'conf': profile.conf, 'uwsgi': profile.uwsgi,
            'stores': profile.stores}


# How tools/cloud makes RegionTwo's stores so (tools/cloud --help)
HOW = {(TARGET, 'file'): 'GD_STORE=file, the default',
       (TARGET, 'rbd'): 'GD_STORE=rbd',
       (SECOND, 'file'): 'GD_GLANCE2_STORES=2'}


def backends(conf):
    """{store name: driver} of a parsed glance-api.conf (its
    ``enabled_backends``, "fast:rbd,cheap:file").
    """
    text = conf.get('DEFAULT', {}).get('enabled_backends', '')
    pairs = (item.strip().partition(':') for item in text.split(','))
    return {name: driver for name, _, driver in pairs if name}


def unfit(profile, conf):
    """Why PROFILE cannot be measured on a RegionTwo of CONF (a parsed
    glance-api.conf), or None.
    """
    have = backends(conf)
    for store, driver in sorted(profile.stores.items()):
        if have.get(store) != driver:
            return ('profile %s needs RegionTwo\'s store "%s" to be %s '
                    '(tools/cloud: %s), but the cloud has %s' % (
                        profile.name, store, driver,
                        HOW.get((store, driver), 'see its --help'),
                        ', '.join('%s:%s' % kv for kv in sorted(have.items()))
                        or 'no enabled_backends'))
    return None


def parse(text):
    """The profiles of --profiles NAME[,NAME...], default always first."""
    names = [n for n in text.split(',') if n]
    return [get(DEFAULT)] + [get(n) for n in names if n != DEFAULT]
