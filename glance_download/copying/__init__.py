"""Copying images to other regions through Glance's API: the one code path
of ``openstack image copy`` and of the dashboard's "Copy to regions".

Framework-free on purpose: no osc-lib or cliff, no Django. It takes a
keystoneauth session (the caller's, with the caller's token) and talks to
each region's Glance with glanceclient; the front-ends (glance_download.osc,
glance_download.dashboard) only parse their input and show the results.
Like them it runs on the client side and never imports Glance.
"""
