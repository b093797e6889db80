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

"""Benchmark glance-download imports on the local two-region cloud.

    GD_CLOUD_DIR=.cloud-bench GD_KEYSTONE_PORT=... GD_GLANCE1_PORT=... \\
    GD_GLANCE2_PORT=... tools/bench [--sizes 256M,1G,4G] [--repeat 3] \\
        [--scaling 1,2,4] [--scaling-size 1G] [--scaling-repeat 1] \\
        [--profiles store-1m,chunks-1m,...] [--profile-sizes 1G]

Compares, for each image size, with interleaved repetitions in one run:

  ours     this project's glance-download import, RegionOne -> RegionTwo
  in-tree  stock Glance's own glance-download (the harness removes our
           .pth from the cloud's venv and restarts RegionTwo's glance-api,
           then puts it back)
  client   a client-side copy: glanceclient streams RegionOne's /file into
           a RegionTwo upload (with glanceclient's own hash check)
  limit    raw GET of the data to /dev/null (no hashing), and a
           glance-direct import of data already staged in RegionTwo (the
           staging-to-store copy every import ends with)

and then 1, 2 and 4 concurrent imports of one size (aggregate MiB/s), ours
vs in-tree. With --profiles, the imports named by --profile-methods run
again under each named tuning profile (Glance/glance_store/uWSGI settings
applied to RegionTwo, restarted between profiles, interleaved with the
default); --list-profiles shows them. Per measurement it samples, every
50 ms, the VmRSS of RegionTwo's glance-api workers, the staging directory
and the store, and reads the workers' CPU time from /proc; every import
reports its phases (download into staging, Glance's staging-to-store
copy). Results go to doc/benchmarks.json (every sample summary), from
which the documentation renders its benchmarks page, tables and plot
(tox -e docs; --out and --plot write them on their own too); with
profiles, the tables have a section per profile (the tuning guide,
doc/source/admin/tuning.rst, explains them). Not a test: nothing passes
or fails on speed.

On a cloud with Ceph RBD stores (GD_STORE=rbd, and GD_GLANCE2_STORES=2 for
the file-target profile) the rbd-* profiles tune the RBD target store and
the OSD's CPU time is recorded too; method direct-sparse (not by default)
is the glance-direct import of an image whose second half is zero bytes.
Give such a run a results file of its own (--json doc/benchmarks-rbd.json,
--py-spy doc/profile/rbd), which the tuning guide renders beside the
file-store figures.

It switches plugins and settings and restarts RegionTwo's glance-api of
the cloud named by GD_CLOUD_DIR, so use a cloud of its own, never one
others test against. It runs with the cloud venv's python (re-executing
itself with it when started with another one); matplotlib must be
installed there for the plot.
"""
