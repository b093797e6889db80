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

"""Sphinx configuration of the glance-download documentation.

Built by ``tox -e docs`` (``sphinx-build -W``: a warning fails the build)
into doc/build/html. What the pages show of the code is generated from it
at build time: the configuration references and sample files from the
``oslo.config.opts`` entry points, the ``openstack image copy``,
``image replicate`` and ``image replication status`` references from the
commands' parsers (cliff), the tools' help from the tools
themselves, and the benchmark figures from the committed results
(``_exts/benchmarks.py``).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, '_exts'))
# The tempest plugin's options are read from its module (it is a
# distribution of its own, not installed into this environment; its
# config module needs only oslo.config).
sys.path.insert(0, os.path.join(REPO, 'tempest-plugin'))

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'cliff.sphinxext',
    'sphinxcontrib.programoutput',
    'benchmarks',
    'module_options',
    'glance_series',
]

project = 'glance-download'
copyright = 'glance-download team'
master_doc = 'index'
exclude_patterns = ['_generated']
pygments_style = 'native'

# openstackdocstheme: the project has no public repository or bug tracker
# to link to, so no source or bug links are configured.
openstackdocs_auto_name = False
html_theme = 'openstackdocs'

# The sample files, generated from the oslo.config.opts entry points by
# the generator configurations tox -e genconfig runs too: the Glance
# plugin's and the replication service's. Each (generator configuration,
# output path without ".conf.sample") is written under _static, which is
# published with the pages so that the samples can be downloaded.
_GENERATOR = os.path.join(REPO, 'etc', 'oslo-config-generator')
config_generator_config_file = [
    (os.path.join(_GENERATOR, 'glance-download.conf'),
     '_static/glance-download'),
    (os.path.join(_GENERATOR, 'glance-download-replicator.conf'),
     '_static/glance-download-replicator'),
]
html_static_path = ['_static']
# Made here: in a fresh clone the directory holds nothing but what the
# generator writes, after Sphinx has checked html_static_path.
os.makedirs(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         '_static'), exist_ok=True)

# The openstack commands: OSC's global options are documented by OSC.
autoprogram_cliff_application = 'openstack'
