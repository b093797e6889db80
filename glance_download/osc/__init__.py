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

"""``openstack image copy``: an OpenStackClient plugin (client side only).

The decisions and the API calls are glance_download.copying's, shared
with the dashboard; this sub-package is the command line front-end: the
arguments, the terminal progress and the result table. It runs on a user's
machine, next to python-openstackclient, and must never import Glance or
the server-side parts of this package (``glance_download.plugins``,
``tasks``, ``glance_task``, ...): it talks to Glance only through its API,
with glanceclient over the keystoneauth session of OSC's client manager.
Install it with the ``client`` extra::

    pip install python-openstackclient 'glance_download[client]'
"""
