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

"""Glance internal import plugins (``glance.image_import.internal_plugins``).

Glance calls ``get_flow(**kwargs)`` of every plugin registered under the
method's name and uses the one stevedore keeps. A ``get_flow`` that raises
is silently dropped by stevedore and Glance's own implementation runs
instead, so ours never raise: a problem found while building the flow is
handed to the download task, which fails with the reason when it runs.
"""

from oslo_config import cfg
from oslo_log import log as logging

from glance_download import opts
from glance_download import selection

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


def prepare(method):
    """Common start of every ``get_flow``: options and plugin selection.

    Returns whether Glance will run our flow for ``method``.
    """
    opts.register_opts(CONF)
    try:
        winner = selection.selected_elsewhere(method)
    except Exception:
        LOG.exception('Could not tell which %s plugin Glance runs', method)
        return True
    if winner is not None:
        LOG.error('Glance will run %s for %s imports, not the '
                  'glance_download package that is also installed: install '
                  'glance_download as its documentation says and check with '
                  'glance-download-check.', winner.value, method)
    return winner is None
