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

"""A local two-region OpenStack image cloud for testing glance_download.

    tools/cloud up [--reinstall] [--dashboard]
                                   create/refresh and start everything
    tools/cloud status             services, PIDs, ports, plugin check
    tools/cloud logs [-n LINES]    tail of every service and set-up log
    tools/cloud down [--wipe] [--wipe-venv]
    tools/cloud constraints [--check]   derive tools/constraints/*.txt

One Keystone (30.0.0) and two glance-api servers, RegionOne and RegionTwo,
on 127.0.0.1, with SQLite databases (or one MariaDB server: GD_DB=mariadb)
and file stores (or Ceph RBD: GD_STORE=rbd). A third region, RegionFaulty,
has for its image endpoint tools/faultproxy: a proxy in front of
RegionOne's Glance that misbehaves on request (see its --help), for fault
tests.

Glance runs at the series GD_GLANCE_SERIES asks for (default the newest):
%(series)s
installed with tools/constraints/<series>.txt (`tools/cloud constraints`
derives them from upstream's upper-constraints); 2026.2 uses the frozen
tools/cloud-constraints.txt. Keystone always runs at the newest release,
from the newest series' venv (<repo>/.cloud/venv, installed once).
GD_GLANCE_MODE says how glance-api runs: uwsgi (default; Keystone always
runs under uWSGI) or standalone, the `glance-api` command with its
eventlet server (28-32 only; 33 has none). Clouds of different series use
the same GD_* ports: `tools/cloud down` one before `up` of another.

Every `up` installs this working tree into the Glance venv with
tools/install-into-glance when the tree changed since the last install
(--reinstall: always), restarts the glance-apis when the installed plugin
changed, and fails unless `python -m glance_download.cmd.check` says
Glance runs our plugin.

State lives in <repo>/.cloud for the newest series, in
<repo>/.cloud/<series> for another one (or in $GD_CLOUD_DIR), so switching
series reinstalls nothing:
    venv/            glance, clients, uwsgi (and keystone, newest series)
                     (tools/constraints/<series>.txt; or $GD_CLOUD_VENV)
    etc/             keystone.conf, glance-api.conf per region, uwsgi inis
    keystone/ glance1/ glance2/   databases, keys, images, staging, tasks,
                     locks
    mariadb/data/    MariaDB's data (GD_DB=mariadb)
    ceph/            Ceph's ceph.conf, keyrings, daemons' data (GD_STORE=rbd)
    rabbitmq/        RabbitMQ's config, data, password and a rabbitmqctl
                     that reaches it (GD_RABBITMQ=1; etc/notifications.url
                     is the transport URL for clients)
    run/             pidfiles; the servers' working directory
    logs/            one log per server, plus set-up command logs
    horizon/         tools/dashboard's Horizon: venv/, run/, logs/
    admin.rc demo.rc alt.rc clouds.yaml

Environment:
    GD_GLANCE_SERIES    2024.1 ... 2026.2 (default the newest, 2026.2)
    GD_GLANCE_MODE      uwsgi (default) or standalone (series up to 2026.1)
    GD_CLOUD_DIR        state directory (default above)
    GD_KEYSTONE_PORT    5000
    GD_GLANCE1_PORT     9292  (RegionOne)
    GD_GLANCE2_PORT     9293  (RegionTwo)
    GD_WEB_PORT         8090  a local HTTP port web-download tests may serve
                        images from; allowed by Glance's import filter
    GD_PROXY_PORT       9295  tools/faultproxy, the image endpoint of
                        RegionFaulty (in front of RegionOne's Glance)
    GD_TRAP_PORT        9296  the proxy's redirect target; both ports are
                        allowed by Glance's import filter
    GD_CLOUD_VENV       use this venv instead of <state dir>/venv: a second
                        cloud sharing the first one's. It is only used, never
                        installed into (no pip, no plugin install: that is
                        the owning cloud's `up`), so it cannot disturb the
                        cloud that owns it
    GD_TOKEN_EXPIRATION Keystone's [token] expiration, seconds (14400)
    GD_SERVICE_TOKEN    1: RegionTwo sends a service token with glance-
                        download ([glance_download_service_user], as the
                        glance user); default 0
    GD_TASK_POOL_THREADS  RegionTwo's [wsgi] task_pool_threads (Glance's
                        default when unset)
    GD_GLANCE2_PROCESSES  uWSGI processes of RegionTwo's glance-api (2); each
                        has its own task pool, so 1 (with
                        GD_TASK_POOL_THREADS=1) makes imports queue
    GD_GLANCE2_NODES    1 (default) or 2: RegionTwo as two glance-api nodes,
                        glance2 (the catalog's image endpoint) and glance2b
                        (service type image_remote, for tempest), with one
                        database and image store, each with its own port,
                        staging directory and worker_self_reference_url
    GD_GLANCE2B_PORT    9297  the second node's port
    GD_DB               sqlite (default: a file per service; for the quick
                        demo) or mariadb: Keystone and both regions on one
                        MariaDB server of this tool's own (Debian's
                        mariadb-server, installed when missing; its system
                        service need not run), data in <state dir>/mariadb/.
                        The test stages (tools/run-tests, tox -e functional,
                        tempest, tempest-plugin) set mariadb
    GD_DB_PORT          3306  MariaDB's port (GD_DB=mariadb), on 127.0.0.1
    GD_STORE            file (default: each region's images in a directory)
                        or rbd: each region's images in a pool of its own
                        (cephx user glanceN) on a single-node Ceph of this
                        tool's own (monitor, manager, one BlueStore OSD on
                        a sparse file; Debian's ceph-mon, ceph-mgr,
                        ceph-osd, python3-rados, python3-rbd, installed
                        with apt-get when missing: bindep.txt), started and
                        stopped by PID; Glance's venv reaches the rados and
                        rbd modules through a .pth file. Staging stays on
                        files. Glance answers 400 to Range requests on RBD.
    GD_CEPH_MON_PORT    3300  Ceph's monitor (messenger v2), on 127.0.0.1
    GD_CEPH_PORT_MIN    6800  Ceph's OSD and manager bind in the 10 ports
                        from here
    GD_CONVERT          raw (or qcow2, vmdk): RegionTwo runs Glance's
                        image_conversion import plugin to that format
                        (qemu-utils installed with apt-get when missing);
                        default off
    GD_RABBITMQ         1: a RabbitMQ broker of this tool's own (Debian's
                        rabbitmq-server, installed with apt-get when
                        missing: bindep.txt; its system service need not
                        run), on 127.0.0.1, started and stopped by PID
                        with its epmd, data in <state dir>/rabbitmq/; both
                        regions' Glance send their notifications to it
                        (exchange glance, topic notifications, publisher
                        image.<region>) with retry 0: while the broker is
                        down a notification is dropped and logged, and API
                        calls do not wait. The transport URL (vhost and
                        user openstack, a generated password) is in
                        <state dir>/etc/notifications.url. Default 0
    GD_RABBITMQ_PORT    5672  RabbitMQ's AMQP port (GD_RABBITMQ=1)
    GD_RABBITMQ_DIST_PORT  25672  its Erlang distribution port;
                        rabbitmqctl binds one of the 10 ports above it
    GD_EPMD_PORT        4369  its Erlang port mapper (epmd)
    GD_GLANCE2_STORES   1 (default) or 2: RegionTwo with a second store,
                        "cheap" (file), beside "fast" (file, or RBD with
                        GD_STORE=rbd), for imports with stores/all_stores
    GD_ADMIN_PASSWORD   admin
    GD_CLOUD_TIMEOUT    seconds to wait for each server to answer (90)
    GD_PYTHON           interpreter for the venv (default: this python3)

Users (domain Default): admin/$GD_ADMIN_PASSWORD in project admin;
demo/demo in project demo (member, reader); alt/alt in project alt
(member); glance/glance-service in project service (admin, service).

The code is the package tools/gdcloud/ (one module per job); stdlib
only: it runs before the venv exists.
"""

import argparse
import signal
import sys

from gdcloud import cloud
from gdcloud import horizon
from gdcloud import series
from gdcloud import util


def parser():
    p = argparse.ArgumentParser(
        prog='tools/cloud', description=__doc__ % {'series': '\n'.join(
            '    %s  Glance %s' % (s.name, s.glance) for s in series.SERIES)},
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='command', required=True)
    up = sub.add_parser('up', help='create/refresh and start the cloud')
    up.add_argument('--reinstall', action='store_true',
                    help='reinstall the plugin even if the source tree did '
                    'not change')
    up.add_argument('--dashboard', action='store_true',
                    help='then Horizon with the plugin too (tools/dashboard '
                    'up)')
    down = sub.add_parser('down', help='stop the servers this tool (and '
                          'tools/dashboard) started')
    down.add_argument('--wipe', action='store_true',
                      help='also delete the state (databases, images, '
                      'staging, logs, configs, rc files); keeps the venv '
                      'and anything in the state directory this tool did '
                      'not make')
    down.add_argument('--wipe-venv', action='store_true',
                      help='with --wipe, delete the venv too')
    sub.add_parser('status', help='services, PIDs, ports, plugin check; '
                   'exit 0 only when all is up')
    logs = sub.add_parser('logs', help='tail of every log')
    logs.add_argument('-n', '--lines', type=int, default=60)
    cons = sub.add_parser(
        'constraints', help='write tools/constraints/<series>.txt for every '
        'series from ../shared/upper-constraints (gdcloud/series.py)')
    cons.add_argument('--check', action='store_true',
                      help='only compare; exit 1 when a file is stale')
    return p


def constraints(check):
    stale = series.write_all(check)
    for path in stale:
        util.log('%s %s' % ('stale:' if check else 'wrote', path))
    if not stale:
        util.log('constraints up to date in %s' % series.DERIVED_DIR)
    return 1 if check and stale else 0


def main(argv=None):
    args = parser().parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `tools/cloud logs | head`
    try:
        if args.command == 'constraints':
            return constraints(args.check)
        c = cloud.Cloud()
        dashboard = horizon.Dashboard(c.settings)
        if args.command == 'up':
            rc = c.up(args.reinstall)
            return dashboard.up() if args.dashboard else rc
        if args.command == 'down':
            # Horizon without Keystone only shows its login page.
            dashboard.supervisor.stop_many([dashboard.server])
            return c.down(args.wipe or args.wipe_venv, args.wipe_venv)
        if args.command == 'status':
            return c.status()
        return c.show_logs(args.lines)
    except util.CloudError as exc:
        print('cloud: ERROR: %s' % exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
