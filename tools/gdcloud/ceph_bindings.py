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

"""Debian's rados and rbd Python modules (python3-rados, python3-rbd) in
Glance's venv, for glance_store's rbd driver.

Not --system-site-packages, which would put all of Debian's Python
packages beside the venv's: a directory of two symlinks, named in a .pth
file of the venv. The modules are built for Debian's python3, so the
venv's Python must be of the same version (its extension suffix).
"""

import glob
import os
import subprocess

from gdcloud import util

DIST_PACKAGES = '/usr/lib/python3/dist-packages'
MODULES = ('rados', 'rbd')
PTH = 'gd-ceph-bindings.pth'


def _suffix(venv):
    return subprocess.check_output(
        [venv.py, '-c', 'import sysconfig; '
         'print(sysconfig.get_config_var("EXT_SUFFIX"))'],
        env=venv.env()).decode().strip()


def _importable(venv):
    return subprocess.call([venv.py, '-c', 'import rados, rbd'],
                           env=venv.env(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


def ensure(venv):
    """Link the modules into ``venv`` (a gdcloud.venv.Venv) unless it
    imports them already.
    """
    links = os.path.join(venv.path, 'gd-ceph-bindings')
    if os.path.isdir(links) and _importable(venv):
        return
    if venv.shared:
        raise util.CloudError(
            'GD_STORE=rbd: the venv %s (GD_CLOUD_VENV) cannot import rados '
            'and rbd; run `GD_STORE=rbd tools/cloud up` for the cloud that '
            'owns it first' % venv.path)
    suffix = _suffix(venv)
    os.makedirs(links, exist_ok=True)
    for module in MODULES:
        target = os.path.join(DIST_PACKAGES, module + suffix)
        if not os.path.exists(target):
            built = glob.glob(os.path.join(DIST_PACKAGES, module + '.*.so'))
            raise util.CloudError(
                'GD_STORE=rbd: Debian\'s %s module is built for another '
                'Python (%s) than the venv\'s (%s): make the venv with a '
                'Python of that version (GD_PYTHON)' % (
                    module, ', '.join(os.path.basename(b) for b in built)
                    or 'not installed', venv.py))
        link = os.path.join(links, module + suffix)
        util.remove(link)
        os.symlink(target, link)
    for site in glob.glob(os.path.join(venv.path, 'lib', 'python*',
                                       'site-packages')):
        util.write(os.path.join(site, PTH), links + '\n')
    if not _importable(venv):
        raise util.CloudError('GD_STORE=rbd: %s cannot import rados and rbd '
                              'through %s' % (venv.py, links))
