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
