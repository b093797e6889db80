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

"""Copying images to other regions through Glance's API: the one code path
of ``openstack image copy`` and of the dashboard's "Copy to regions".

Framework-free on purpose: no osc-lib or cliff, no Django. It takes a
keystoneauth session (the caller's, with the caller's token) and talks to
each region's Glance with glanceclient; the front-ends (glance_download.osc,
glance_download.dashboard) only parse their input and show the results.
Like them it runs on the client side and never imports Glance.
"""
