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

"""The local two-region cloud behind tools/cloud (its --help says what it
runs). One module per job:

    cli        the command line             cloud     up/status/down/logs
    settings   GD_* environment             state     the state directory
    venv       the venv and child env       procs     set-up commands;
    service    what a server has in common            services by PID
    uwsgi      servers under uWSGI          sqlite    the databases
    keystone   Keystone, users              glance    a region's glance-api
    faultproxy RegionFaulty's proxy         catalog   the Keystone catalog
    plugin     install and check the plugin clients   rc files, clouds.yaml
    horizon    Horizon with the dashboard   horizon_tests  tools/dashboard
               plugin (tools/dashboard)                test
    stores     a region's image stores      ceph      Ceph for RBD stores
    ceph_conf  its ceph.conf                ceph_bindings  rados/rbd in the
    debian     Debian packages (bindep.txt)            venv
    rabbitmq   RabbitMQ for Glance's notifications (GD_RABBITMQ=1)

catalog_apply.py runs inside the venv (keystoneauth1); uwsgi_imports/ is
imported by every uWSGI worker; smoke is a shell smoke test of a running
cloud. Stdlib only: the package runs before the venv exists.
"""
