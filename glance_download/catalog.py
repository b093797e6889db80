"""Find the source region's image API in the caller's service catalog.

Glance hands plugins the catalog that keystonemiddleware put in
``X-Service-Catalog``: the v3 token catalog converted to the v2 form
(``publicURL``/``internalURL``/``adminURL`` per region). keystoneauth1's
catalog classes read both forms, so either is accepted here. Region names
are compared case-insensitively, as Glance's own API does, and the URL is
reduced to the API root whatever the operator registered (``.../v2``,
``.../image/``, ...), because Glance endpoints are registered every way in
the field.
"""

import re

from keystoneauth1.access import service_catalog

from glance_download import errors

INTERFACES = ('public', 'internal', 'admin')
SERVICE_TYPE = 'image'

_VERSION_SUFFIX = re.compile(r'/v\d+(\.\d+)?$')


def _parse(catalog):
    if not catalog:
        raise errors.ImportFailed(
            'The request carried no service catalog, so the source region '
            'cannot be found. keystonemiddleware in this Glance must pass '
            'it on ([keystone_authtoken] include_service_catalog = true).')
    v3 = any('interface' in endpoint
             for service in catalog
             for endpoint in service.get('endpoints', ()))
    if v3:
        return service_catalog.ServiceCatalogV3(catalog)
    return service_catalog.ServiceCatalogV2(catalog)


def api_root(url):
    """Return ``url`` without a trailing slash or API version segment."""
    root = url.rstrip('/')
    root = _VERSION_SUFFIX.sub('', root)
    return root.rstrip('/')


def _interface(endpoint):
    # The v2 catalog names interfaces 'publicURL' and so on.
    return endpoint.interface.replace('URL', '')


def find_image_endpoint(catalog, region, interface):
    """Return the image API root URL of ``region`` for ``interface``."""
    if interface not in INTERFACES:
        raise errors.ImportFailed(
            'Unknown glance_service_interface %r: use one of %s.'
            % (interface, ', '.join(INTERFACES)))
    if not region:
        raise errors.ImportFailed('No glance_region was given.')

    parsed = _parse(catalog)
    by_interface = parsed.get_endpoints_data(
        service_type=SERVICE_TYPE).get(SERVICE_TYPE, [])
    wanted = region.lower()
    for endpoint in by_interface:
        if (_interface(endpoint) == interface and endpoint.region_name and
                endpoint.region_name.lower() == wanted):
            return api_root(endpoint.catalog_url)

    regions = sorted({e.region_name for e in by_interface if e.region_name})
    same_region = [_interface(e) for e in by_interface
                   if e.region_name and e.region_name.lower() == wanted]
    if same_region:
        raise errors.ImportFailed(
            'Region %s has no %s image endpoint in your service catalog '
            '(it has: %s).' % (region, interface,
                               ', '.join(sorted(set(same_region)))))
    raise errors.ImportFailed(
        'Region %s has no image endpoint in your service catalog. Regions '
        'with an image endpoint: %s.'
        % (region, ', '.join(regions) or 'none'))
