"""Glance's metadata definitions, which tempest's metadefs tests need."""

import os
import subprocess

from tempest_runner.common import clean_env, Error, REPO, say


def ensure_metadefs(cloud_dir, service, log_path):
    """Load Glance's metadata definitions into SERVICE's database once.

    Devstack does this (glance-manage db load_metadefs); tools/cloud does
    not, and tempest's metadefs tests need the resource types (they fail
    with IndexError on an empty /v2/metadefs/resource_types). Only when
    the table is empty; about 3 s.
    """
    import sqlite3
    db = os.path.join(cloud_dir, service, 'glance.db')
    try:
        conn = sqlite3.connect('file:%s?mode=ro' % db, uri=True, timeout=10)
        try:
            count = conn.execute(
                'SELECT count(*) FROM metadef_resource_types').fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise Error('cannot read %s: %s' % (db, e))
    if count:
        return
    cloud_venv = os.path.join(cloud_dir, 'venv')
    metadefs = os.path.join(cloud_venv, 'etc', 'glance', 'metadefs')
    cmd = [os.path.join(cloud_venv, 'bin', 'glance-manage'),
           '--config-dir', os.path.join(cloud_dir, 'etc', service),
           'db', 'load_metadefs', '--path', metadefs]
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, 'a') as out:
        rc = subprocess.call(cmd, cwd='/', env=clean_env(cloud_venv),
                             stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT)
    if rc != 0:
        raise Error('%s failed (exit %d); see %s'
                    % (' '.join(cmd), rc, log_path))
    say('loaded Glance\'s metadata definitions into %s (%s)'
        % (service, os.path.relpath(db, REPO)))
