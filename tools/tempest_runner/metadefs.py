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

"""Glance's metadata definitions, which tempest's metadefs tests need."""

import configparser
import os
import subprocess

from tempest_runner.common import clean_env
from tempest_runner.common import Error
from tempest_runner.common import say


def ensure_metadefs(cloud_dir, service, log_path):
    """Load Glance's metadata definitions into SERVICE's database once.

    Devstack does this (glance-manage db load_metadefs); tools/cloud does
    not, and tempest's metadefs tests need the resource types (they fail
    with IndexError on an empty /v2/metadefs/resource_types). Only when
    the table is empty; about 3 s.
    """
    cloud_venv = os.path.join(cloud_dir, 'venv')
    conf = configparser.ConfigParser(interpolation=None, strict=False)
    conf.read(os.path.join(cloud_dir, 'etc', service, 'glance-api.conf'))
    db = conf.get('database', 'connection')
    # SQLAlchemy of the cloud's venv: SQLite or MariaDB (GD_DB) alike.
    proc = subprocess.run(
        [os.path.join(cloud_venv, 'bin', 'python'), '-c',
         'import sqlalchemy, sys\n'
         'with sqlalchemy.create_engine(sys.argv[1]).connect() as c:\n'
         '    print(c.execute(sqlalchemy.text("SELECT count(*) FROM '
         'metadef_resource_types")).scalar())', db],
        env=clean_env(cloud_venv), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise Error('cannot read %s\'s database: %s'
                    % (service, proc.stdout.strip()[-500:]))
    if int(proc.stdout.strip()):
        return
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
    say('loaded Glance\'s metadata definitions into %s' % service)
