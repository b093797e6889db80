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

"""One image in another region's Glance, reached as the caller.

The data path of glance-download starts here: the caller's catalog gives
the source region's image API (``catalog``), a keystoneauth1 session
carries the caller's token (``sessions``), the image record tells us what
the data must look like, and ``/file`` is the stream (``source``).
"""

import functools
import hashlib

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import token_endpoint
from oslo_log import log as logging

from glance_download import catalog
from glance_download import errors
from glance_download import sessions
from glance_download import source
from glance_download import tracing
from glance_download import transfer
from glance_download import uri_filter

LOG = logging.getLogger(__name__)

# Answers of a Glance (or its proxy) that is briefly unavailable.
_RETRIABLE = [500, 502, 503, 504]


def _computable(algo):
    """Whether this host computes ``algo``, asked the way the transfer
    will (``hashlib.new``): FIPS mode refuses md5, and an unknown or
    misspelt name is refused everywhere.
    """
    try:
        hashlib.new(algo)
    except (TypeError, ValueError):
        return False
    return True


class RemoteImage:
    """The image ``image_id`` of ``region``, as the caller may see it."""

    def __init__(self, context, conf, region, interface, image_id):
        self.conf = conf
        self.region = region
        self.image_id = image_id
        self.label = 'image %s in region %s' % (image_id, region)
        root = catalog.find_image_endpoint(
            context.service_catalog, region, interface)
        # Glance 33's own metadata step refuses endpoints its import filter
        # rejects (saying so here turns its "Internal Error" into a
        # reason); 28-32's would fetch from them, we refuse them there too.
        self._check_url = functools.partial(
            uri_filter.check,
            what='the %s image endpoint of region %s' % (interface, region))
        self.session = sessions.for_caller(context, conf)
        approved = self._check_url(root)
        uri_filter.pin(self.session.session, approved)
        self.image_url = '%s/v2/images/%s' % (approved.url.rstrip('/'),
                                              image_id)
        self.request_id = tracing.request_id(context)
        self._user_auth = token_endpoint.Token(None, context.auth_token)
        self._timeouts = (conf.glance_download.connect_timeout,
                          conf.glance_download.read_timeout)

    def describe(self):
        """Return the remote image record, if it can be imported.

        It must be ``active`` (anything else has no, or no final, data) and
        must have a size, which bounds what we accept from ``/file``.

        Read with the caller's token alone, even when a service token is
        configured: Glance's own metadata step, which runs before any task
        of ours and cannot be replaced, sends only that token. A token it
        would refuse (one that expired while the import waited to start) is
        found here and named, instead of Glance's "Internal Error".
        """
        retry = self.conf.glance_download
        try:
            # A source Glance that is restarting (refused connection, 503
            # from its load balancer) gets the same retries as the data.
            response = self.session.get(
                self.image_url, redirect=False, raise_exc=False,
                timeout=self._timeouts, auth=self._user_auth,
                headers={'Accept': 'application/json'},
                global_request_id=self.request_id,
                connect_retries=retry.max_retries,
                connect_retry_delay=retry.retry_delay,
                status_code_retries=retry.max_retries,
                retriable_status_codes=_RETRIABLE,
                status_code_retry_delay=retry.retry_delay)
        except ks_exceptions.ConnectionError as exc:
            # Not keystoneauth1's text, nor its traceback (from None):
            # both hold the whole URL.
            raise errors.ImportFailed(
                'Could not reach the image API of region %s: %s.'
                % (self.region, source.connect_failure(
                    exc, self.image_url, self._timeouts)[0])) from None
        if response.status_code == 401:
            raise errors.ImportFailed(
                'Region %s did not accept your token (HTTP 401) when this '
                'import of image %s started: it has most likely expired, '
                'for instance while the import waited in the queue. Start '
                'the import again with a new token. (A service token does '
                'not help here: Glance itself reads the image record with '
                'your token alone before the download starts.)'
                % (self.region, self.image_id))
        if response.status_code in (403, 404):
            # Glance answers 404 for another project's private image too.
            raise errors.ImportFailed(
                'Image %s was not found in region %s, or you are not '
                'allowed to read it (HTTP %d).'
                % (self.image_id, self.region, response.status_code))
        if response.status_code != 200:
            raise errors.ImportFailed(
                'The image API of region %s answered HTTP %d for image %s.'
                % (self.region, response.status_code, self.image_id))
        try:
            image = response.json()
        except ValueError:
            image = None
        if not isinstance(image, dict):
            raise errors.ImportFailed(
                'The image API of region %s answered something other than '
                'an image record for image %s.' % (self.region, self.image_id))
        status = image.get('status')
        if status != 'active':
            raise errors.ImportFailed(
                'Image %s in region %s is %s, not active: only active '
                'images can be imported.' % (self.image_id, self.region,
                                             status))
        if not isinstance(image.get('size'), int):
            raise errors.ImportFailed(
                'Image %s in region %s has no size, so its data cannot be '
                'checked.' % (self.image_id, self.region))
        return image

    def expected(self, image, verify_checksum):
        """What ``/file`` must deliver: exactly ``size`` bytes, and the
        source's multihash, or its md5 ``checksum`` when it has none or
        this host cannot compute it.

        Decided before any byte is downloaded, so an image that could not
        be verified fails at once, in words, instead of after the download
        (or of Glance's "Internal Error" when hashlib refuses the name).
        """
        if not verify_checksum:
            return transfer.Expected(size=image['size'])
        recorded = [(algo, value) for algo, value in (
            (image.get('os_hash_algo'), image.get('os_hash_value')),
            ('md5', image.get('checksum'))) if value]
        if not recorded:
            if self.conf.glance_download.require_source_hash:
                raise errors.ImportFailed(
                    'Image %s in region %s records no hash of its data (no '
                    'os_hash_value, no checksum), and this Glance refuses '
                    'to import such images ([glance_download] '
                    'require_source_hash).' % (self.image_id, self.region))
            LOG.warning('%s records no hash; only its size is checked',
                        self.label)
            return transfer.Expected(size=image['size'])
        usable = [(algo, value) for algo, value in recorded
                  if _computable(algo)]
        if not usable:
            raise errors.ImportFailed(
                'Image %s in region %s can only be checked with %s, which '
                'this Glance host cannot compute (hashlib refuses it, for '
                'example an unknown name or md5 in FIPS mode), so its data '
                'cannot be verified.'
                % (self.image_id, self.region,
                   ' or '.join(str(algo) for algo, _v in recorded)))
        if usable[0] != recorded[0]:
            LOG.warning('%s records its hash as %s, which this host cannot '
                        'compute; checking its md5 checksum instead',
                        self.label, recorded[0][0])
        algo, value = usable[0]
        return transfer.Expected(size=image['size'], hash_algo=algo,
                                 hash_value=value)

    def data(self):
        return source.HttpSource(
            self.session, self.image_url + '/file', self.label,
            self._timeouts, self._check_url, authenticated=True,
            request_id=self.request_id)
