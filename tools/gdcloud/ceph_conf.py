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

"""ceph.conf of the cloud's single-node Ceph (gdcloud.ceph): what each
setting is for, measured in ../shared/notes/ceph-facts.md.
"""

import uuid

from gdcloud import util

# OSD and manager take their ports from a block of this many, starting at
# GD_CEPH_PORT_MIN (messenger v2 only: the OSD binds 4, the manager 1).
PORT_SPAN = 10
# BlueStore on a sparse file: grows with the data written, up to this.
BLOCK_BYTES = 10 * 1024 ** 3
# Always-on manager modules cannot be disabled (HEALTH_ERR); these are the
# optional ones, off: the manager's RSS halves and nothing listens on 8003.
MGR_OFF = ('alerts,influx,insights,localpool,mirroring,nfs,osd_perf_query,'
           'osd_support,prometheus,restful,selftest,snap_schedule,stats,'
           'telegraf,test_orchestrator,zabbix,diskprediction_local')


def fsid(ceph_dir):
    """The cluster's id: fixed by its directory, so it needs no file."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, 'file://%s' % ceph_dir))


def text(cluster):
    """ceph.conf for ``cluster`` (a gdcloud.ceph.Cluster)."""
    d = cluster.dir
    port_min = cluster.port_min

    def daemon(kind, data):
        """Sockets, pidfile and log of a daemon in the cloud's run/ and
        logs/ (in [global] every client would write them there too).
        """
        d = cluster.daemons[kind]
        return {'%s data' % kind: data,
                'admin socket': d.socket,
                'pid file': d.pidfile,
                'log file': d.log}
    osd = daemon('osd', '%s/osd-$id' % d)
    osd.update({
        'osd objectstore': 'bluestore',
        # Not in the OSD's data directory: mkfs makes a symlink of that
        # name itself (ELOOP).
        'bluestore block path': '%s/osd-$id.block' % d,
        'bluestore block create': 'true',
        'bluestore block size': str(BLOCK_BYTES),
        # A shared 2-core test machine: a small fixed cache instead of
        # growing towards osd_memory_target (4 GiB).
        'bluestore cache autotune': 'false',
        'bluestore cache size': str(128 * 1024 ** 2),
    })
    mgr = daemon('mgr', '%s/mgr-$id' % d)
    mgr['mgr disabled modules'] = MGR_OFF
    return util.ini({
        'global': {
            'fsid': fsid(d),
            'mon initial members': 'a',
            'mon host': '[v2:127.0.0.1:%d]' % cluster.mon_port,
            'public network': '127.0.0.0/8',
            'ms bind ipv4': 'true',
            'ms bind ipv6': 'false',
            'ms bind msgr1': 'false',
            'ms bind port min': str(port_min),
            'ms bind port max': str(port_min + PORT_SPAN - 1),
            'auth cluster required': 'cephx',
            'auth service required': 'cephx',
            'auth client required': 'cephx',
            'auth allow insecure global id reclaim': 'false',
            'osd pool default size': '1',
            'osd pool default min size': '1',
            'osd pool default pg num': '8',
            'osd pool default pgp num': '8',
            'osd pool default pg autoscale mode': 'off',
            'osd crush chooseleaf type': '0',
            'mon allow pool size one': 'true',
            'mon warn on pool no redundancy': 'false',
            # The machine's disk may be fuller than Ceph's 30 % warning.
            'mon data avail warn': '2',
            'mon data avail crit': '1',
            # Ready in about 9 s instead of 13.
            'mgr stats period': '1',
            'mgr tick period': '1',
            'mon mgr digest period': '1',
            # Here, not in [mgr]: else the restful module starts (port 8003).
            'mgr initial modules': 'iostat',
            # RocksDB's options and statistics, thousands of lines per
            # start, would bury what `tools/cloud logs` should show.
            'debug rocksdb': '1/5',
        },
        # Glance's and the ceph CLI's: keys here, no admin socket or log.
        'client': {'keyring': '%s/$name.keyring' % d,
                   'admin socket': '',
                   'log file': ''},
        'mon': daemon('mon', '%s/mon-$id' % d),
        'mgr': mgr,
        'osd': osd,
    })
