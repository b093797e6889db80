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
