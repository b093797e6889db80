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

"""Replication policies: regions kept in step with a source region.

Client-side like ``copying`` (whose copier and lineage it builds on), and
importing no server code: ``policy`` reads and checks the policy file,
``plan`` decides from what the regions hold, ``engine`` reads the regions
and acts, ``service`` runs passes on Glance's notifications and a timer.
"""
