"""``openstack image copy``: an OpenStackClient plugin (client side only).

This sub-package runs on a user's machine, next to python-openstackclient.
It must never import Glance or the server-side parts of this package
(``glance_download.plugins``, ``tasks``, ``glance_task``, ...): it talks to
Glance only through its API, with glanceclient over the keystoneauth
session of OSC's client manager. Install it with the ``client`` extra::

    pip install python-openstackclient 'glance_download[client]'
"""
