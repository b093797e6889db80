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

"""glance-download-replicator: keep regions in step with replication
policies, as a service.

    glance-download-replicator --config-file replicator.conf

Runs until SIGTERM or SIGINT, then finishes the pass under way and exits 0;
exits 2 at once when its configuration or policy file cannot be used. See
glance_download.replication.service for what it does, and the sample
configuration (etc/glance-download-replicator.conf.sample) for its
options: [replicator] policy_file and [service_credentials] are required;
a transport_url makes it listen to Glance's notifications.
"""

import signal
import sys

from keystoneauth1 import exceptions as ks_exc
from oslo_config import cfg
from oslo_log import log as logging

from glance_download.replication import policy
from glance_download.replication import service

LOG = logging.getLogger(__name__)
NAME = 'glance-download-replicator'


def main(argv=None):
    conf = cfg.ConfigOpts()
    service.register_opts(conf)
    logging.register_options(conf)
    try:
        conf(sys.argv[1:] if argv is None else argv,
             project='glance-download', prog=NAME)
    except cfg.Error as exc:
        sys.stderr.write('%s: cannot start: %s\n' % (NAME, exc))
        return 2
    logging.setup(conf, NAME)
    problem = None
    try:
        worker = service.Service(conf)
    except (policy.PolicyError, service.ConfigError, cfg.Error,
            ks_exc.ClientException) as exc:
        problem = str(exc)
    if problem:
        # Logged outside the handler: oslo.log would add the exception's
        # text to the line a second time.
        LOG.error('Cannot start: %s', problem)
        return 2
    signal.signal(signal.SIGTERM, lambda *a: worker.stop())
    signal.signal(signal.SIGINT, lambda *a: worker.stop())
    LOG.info('%s started', NAME)
    worker.run()
    LOG.info('%s stopped', NAME)
    return 0


if __name__ == '__main__':
    sys.exit(main())
