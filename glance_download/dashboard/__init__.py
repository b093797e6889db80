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

"""A Horizon plugin: "Copy to regions" in the images panel.

A thin front-end of glance_download.copying (the logic ``openstack image
copy`` runs too): rest.py is a REST view under Horizon's /api/ that starts
copies with the logged-in user's own token and reads their state back from
the target regions' images and tasks; static/ holds the Angular action, its
form and the progress bars. Image data never passes through the dashboard:
each target region's Glance pulls it from the source region's.

Install into Horizon's environment with the ``dashboard`` extra and copy
enabled/_1710_glance_download.py into openstack_dashboard/local/enabled/.
"""
