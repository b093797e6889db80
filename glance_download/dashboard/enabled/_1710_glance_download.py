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

# Horizon plugin "Copy to regions" (glance_download.dashboard): copy this
# file into openstack_dashboard/local/enabled/ of a Horizon whose Python
# environment has glance_download[dashboard] installed, then restart
# Horizon. It adds a row and detail action to the (default, Angular)
# images panel and a REST view under /api/glance_download/.

# A plugin without a panel of its own: Horizon skips enabled files that
# define none of DASHBOARD, PANEL, PANEL_GROUP or FEATURE.
FEATURE = True

ADD_INSTALLED_APPS = ['glance_download.dashboard']
ADD_ANGULAR_MODULES = ['horizon.dashboard.glance-download']
# The .js and .html files under the app's static/ directory.
AUTO_DISCOVER_STATIC_FILES = True
