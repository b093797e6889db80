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

"""The Django app of the plugin (ADD_INSTALLED_APPS in the enabled file)."""

from django import apps


class GlanceDownloadConfig(apps.AppConfig):
    name = 'glance_download.dashboard'
    label = 'glance_download_dashboard'
    verbose_name = 'glance-download: copy images to other regions'

    def ready(self):
        # Registering the REST views appends them to Horizon's /api/ URLs
        # (openstack_dashboard.api.rest.urls); Horizon has no other hook.
        from glance_download.dashboard import rest  # noqa: F401
