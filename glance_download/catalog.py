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

"""Find the source region's image API in the caller's service catalog.

Glance hands plugins the catalog that keystonemiddleware put in
``X-Service-Catalog``: the v3 token catalog converted to the v2 form (one
entry per region with ``publicURL``/``internalURL``/``adminURL``, no
endpoint ids). keystoneauth1's catalog classes read both forms.

For glance-download, Glance first runs its own metadata step, which cannot
be replaced: it takes the first image entry whose region matches
(case-insensitively) and appends ``/v2/images/<id>`` to that entry's URL as
it is. :func:`check_glance_step` finds, while the flow is built, every
catalog entry that step cannot use, so the import fails with the entry and
the fix instead of Glance's "Internal Error".
"""

import re

from keystoneauth1.access import service_catalog
from keystoneauth1 import exceptions as ks_exceptions

from glance_download import errors
from glance_download import host

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


def _endpoint_data(catalog, region, interface):
    """keystoneauth1's EndpointData of ``region``'s image API."""
    if interface not in INTERFACES:
        raise errors.ImportFailed(
            'Unknown glance_service_interface %r: use one of %s.'
            % (interface, ', '.join(INTERFACES)))
    if not region:
        raise errors.ImportFailed('No glance_region was given.')

    parsed = _parse(catalog)
    every = parsed.get_endpoints_data(
        service_type=SERVICE_TYPE).get(SERVICE_TYPE, [])
    # keystoneauth1 compares region names exactly, while Glance's API and
    # its own metadata step ignore case: the region is matched here, to the
    # catalog's own spellings, and the lookup is keystoneauth1's. Its
    # EndpointNotFound names neither the regions nor the interfaces there
    # are, which is what a user needs to correct the request.
    wanted = region.lower()
    same_region = [e for e in every
                   if e.region_name and e.region_name.lower() == wanted]
    if not same_region:
        regions = sorted({e.region_name for e in every if e.region_name})
        raise errors.ImportFailed(
            'Region %s has no image endpoint in your service catalog. '
            'Regions with an image endpoint: %s.'
            % (region, ', '.join(regions) or 'none'))
    for spelling in dict.fromkeys(e.region_name for e in same_region):
        try:
            return parsed.endpoint_data_for(
                service_type=SERVICE_TYPE, interface=interface,
                region_name=spelling)
        except ks_exceptions.EndpointNotFound:
            pass
    raise errors.ImportFailed(
        'Region %s has no %s image endpoint in your service catalog (it '
        'has: %s).' % (region, interface, ', '.join(
            sorted({_interface(e) for e in same_region}))))


def find_image_endpoint(catalog, region, interface):
    """Return the image API root URL of ``region`` for ``interface``."""
    return api_root(_endpoint_data(catalog, region, interface).catalog_url)


def check_glance_step(context, region, interface):
    """Refuse a catalog entry Glance's own metadata step cannot use.

    That step (``_ImportMetadata``, always run before our plugin) reads the
    source image record from what Glance's ``get_glance_endpoint`` returns
    for the same ``context.service_catalog``, plus ``/v2/images/<id>``.
    Glance's own function is called here, so this sees exactly what it
    will; it must give the endpoint our lookup gives (a trailing slash
    aside: Glance serves ``//v2/images/<id>`` as ``/v2/images/<id>``), and
    that URL must not end in an API version, which would become
    ``.../v2/v2/images/<id>`` (HTTP 404).
    """
    ours = _endpoint_data(context.service_catalog, region,
                          interface).catalog_url
    entry = 'the %s image endpoint of region %s in your service catalog' % (
        interface, region)
    try:
        theirs = host.get_glance_endpoint(
            context, region, interface)
    except (KeyError, AttributeError):
        # keystonemiddleware leaves 'region' out of an entry registered
        # without one, and Glance's loop stops at it with a KeyError.
        raise errors.ImportFailed(
            'Your service catalog lists an image endpoint without a region '
            'before %s, and Glance\'s own first step of glance-download, '
            'which cannot be replaced, stops there. Ask the cloud operator '
            'to give that endpoint a region or delete it (`openstack '
            'endpoint list --service image` shows it).' % entry)
    if not theirs or theirs.rstrip('/') != ours.rstrip('/'):
        raise errors.ImportFailed(
            'Glance\'s own first step of glance-download, which cannot be '
            'replaced, would not use %s (%s): it reads the first entry of '
            'region %s there, whose %s URL is %s. Ask the cloud operator to '
            'register one image endpoint per region and interface, and '
            'region names that differ in more than case.'
            % (entry, ours, region, interface, theirs or 'missing'))
    if _VERSION_SUFFIX.search(theirs.rstrip('/')):
        raise errors.ImportFailed(
            '%s is %s: it ends in an API version, and Glance\'s own first '
            'step of glance-download, which cannot be replaced, adds '
            '/v2/images/<id> to it as it is (%s/v2/images/<id>, which '
            'does not exist). Ask the cloud operator to register the '
            'endpoint without the version: `openstack endpoint set --url %s '
            '<endpoint id>` (`openstack endpoint list --service image '
            '--region %s --interface %s` shows the id).'
            % (entry[0].upper() + entry[1:], theirs, theirs.rstrip('/'),
               api_root(theirs), region, interface))
