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

"""Configuration options of the glance_download plugins.

Nothing is registered at import time: Glance, oslo-config-generator and the
tests each call :func:`register_opts` (or :func:`list_opts`) on the
configuration object they own.
"""

import copy

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

PROPERTIES_GROUP = 'glance_download_properties'
TRANSFER_GROUP = 'glance_download'
WEB_GROUP = 'glance_download_web'
SERVICE_USER_GROUP = 'glance_download_service_user'

DEFAULT_PREFIXES = ['hw_', 'trait:', 'os_distro', 'os_secure_boot', 'os_type']

properties_opts = [
    cfg.ListOpt(
        'extra_properties_prefixes',
        item_type=cfg.types.String(quotes=True),
        bounds=True,
        default=DEFAULT_PREFIXES,
        deprecated_opts=[cfg.DeprecatedOpt('extra_properties',
                                           group=PROPERTIES_GROUP)],
        help="""
Properties of the source image that glance-download copies to the new image.

A property is copied when its name starts with one of these prefixes. The
defaults carry what an instance needs to boot the same way in the other
region (hardware model, placement traits, guest OS hints, secure boot).

Core image attributes (size, checksum, os_hash_*, status, visibility,
owner, id, locations, ...) and reserved ``os_glance_*`` properties are never
copied, whatever the prefixes say; disk_format and container_format are
always copied.

The old name of this option, ``extra_properties`` (used by Glance's in-tree
glance-download), is still honoured, so an existing configuration keeps
working.

The value is written in brackets, as Glance's own list options are, for
example ``extra_properties_prefixes = [hw_,trait:,os_distro,img_signature]``

"""),
]

transfer_opts = [
    cfg.IntOpt(
        'chunk_size',
        default=1024 * 1024,
        min=64 * 1024,
        max=64 * 1024 * 1024,
        help="""
Most bytes taken from the source in one read and written to the staging
area in one write.

A read takes what has arrived, up to this size, so a broken connection loses
nothing that arrived: the retry resumes at the exact byte. Each read sets
aside a buffer of this size, so memory grows with it (measured: about 5 MiB
per import at 1 MiB, 24 MiB at 4 MiB) while the CPU cost per GiB is the same
from 1 MiB up and grows below 512 KiB. Memory does not grow with the image
size.
"""),
    cfg.FloatOpt(
        'connect_timeout',
        default=10.0,
        min=0.1,
        help="""
Seconds to wait for the source to accept a connection before the attempt
counts as failed (and is retried, see ``max_retries``).
"""),
    cfg.FloatOpt(
        'read_timeout',
        default=60.0,
        min=0.1,
        help="""
Seconds without receiving a single byte from the source after which the
transfer is considered stalled. A stalled transfer is resumed from the last
byte received (see ``max_retries``); without this limit a source that stops
sending would hold the import, and its image lock, for ever.
"""),
    cfg.IntOpt(
        'max_retries',
        default=5,
        min=0,
        help="""
How many times one import retries after a dropped connection, a timeout or
a 5xx answer from the source (when reading the source image record or its
data) before it gives up. When the source honours HTTP Range requests
(Glance does for most stores), each retry resumes where the previous attempt
stopped; otherwise it starts again from the first byte.
"""),
    cfg.FloatOpt(
        'retry_delay',
        default=1.0,
        min=0.0,
        help="""
Seconds to wait before the first retry. The wait doubles after each failed
attempt, up to ``max_retry_delay``.
"""),
    cfg.FloatOpt(
        'max_retry_delay',
        default=30.0,
        min=0.0,
        help="Longest wait, in seconds, between two retries.",
    ),
    cfg.BoolOpt(
        'verify_checksum',
        default=True,
        help="""
Check the downloaded data against the hash the source Glance recorded for
the image (``os_hash_value`` with its ``os_hash_algo``, or the md5
``checksum`` of images that have no multihash or whose ``os_hash_algo``
this host cannot compute, a WARNING saying so). A mismatch fails the import
and the data is discarded; so does an image none of whose hashes this host
can compute (for example md5 alone in FIPS mode), before any download. The
hash is computed while the data streams in, so this costs one hash pass and
no extra read. Turn it off only to measure its cost. For images with no
hash at all, see ``require_source_hash``.
"""),
    cfg.BoolOpt(
        'require_source_hash',
        default=False,
        help="""
Refuse to import an image whose source record has no hash of its data at
all (neither ``os_hash_value`` nor the md5 ``checksum``; Glance may leave
both empty, for example for an image whose data was added as a location
without a hash).

With the default, false, such an image is imported on its size alone and a
WARNING is logged: data damaged on the way, or served wrong by the source,
is then not detected. With true the import fails and its task says why.
Has no effect while ``verify_checksum`` is false.
"""),
    cfg.FloatOpt(
        'progress_interval',
        default=5.0,
        min=1.0,
        help="""
Seconds between two progress updates written to the import task (visible in
``glance image-tasks`` as "Downloaded 512 of 4096 MiB from RegionOne").
Each update also refreshes the image's import lock, and checks that the task
is still running and that the image still exists, so this is also the
longest time a cancelled import keeps downloading.
"""),
]

service_user_opts = [
    cfg.BoolOpt(
        'send_service_user_token',
        default=False,
        help="""
Send a service token (``X-Service-Token``) of the user configured in this
section along with the caller's token when fetching from the source region.

A source Glance whose keystonemiddleware accepts service tokens
(``[keystone_authtoken] service_token_roles_required = true`` and the
service user holding the ``service`` role) then still serves the data to an
import whose user token expired while its transfer was running (a transfer
that has to reconnect after the token expired). Without it such an import
fails with an authentication error (HTTP 401) from the source region.

It does not help an import that only starts after the user token expired
(one that waited in Glance's task queue): Glance's own first step of a
glance-download import, which no plugin can replace, reads the source
image with the user token alone. Such an import fails saying the token was
not accepted.

The other options of this section are keystoneauth1's usual ones, for
example ``auth_type = password``, ``auth_url``, ``username``, ``password``,
``project_name``, ``user_domain_name`` and ``project_domain_name``.
"""),
]


_TRANSFER_HELP = """
How glance-download and web-download fetch image data (chunks, timeouts,
retries, progress) and, for glance-download only, how the data is checked.

The TLS options of this section (``cafile``, ``certfile``, ``keyfile``,
``insecure``, ``tls_ciphers``, ``tls_min_version``) are keystoneauth1's and
apply only to glance-download's connections to the other regions' Glance
(and to Keystone, for the service user's token): never to web-download,
whose URLs any user chooses (see ``[glance_download_web]``).
Requests to the source regions are made with ``connect_timeout`` and
``read_timeout``; keystoneauth1's ``timeout`` only bounds the service
user's token requests to Keystone (see ``[glance_download_service_user]``),
and is ``read_timeout`` when unset.
"""

_WEB_HELP = """
TLS for web-download, whose URLs any user chooses: keystoneauth1's options,
on their own so that nothing set for the source regions in
``[glance_download]`` (a private CA, ``insecure``, a client certificate)
reaches a user's URL.

By default the server certificate is verified against the default CA
bundle of Python's requests library (certifi's, or the file named by the
``REQUESTS_CA_BUNDLE`` environment variable of glance-api), and no client
certificate is offered. ``insecure = true`` turns verification off for every
user's web-download, whose data no hash protects: avoid it. ``timeout`` is
not used (``[glance_download] connect_timeout`` and ``read_timeout`` apply);
chunk size, retries and progress are those of ``[glance_download]``.
"""


def register_opts(conf):
    """Register every option on ``conf``; safe to call more than once."""
    conf.register_opts(properties_opts, group=PROPERTIES_GROUP)
    conf.register_opts(transfer_opts, group=TRANSFER_GROUP)
    ks_loading.register_session_conf_options(conf, TRANSFER_GROUP)
    ks_loading.register_session_conf_options(conf, WEB_GROUP)
    conf.register_opts(service_user_opts, group=SERVICE_USER_GROUP)
    ks_loading.register_auth_conf_options(conf, SERVICE_USER_GROUP)


def list_opts():
    """Options for oslo-config-generator (entry point ``oslo.config.opts``)."""
    auth_opts = (ks_loading.get_auth_common_conf_options() +
                 ks_loading.get_auth_plugin_conf_options('password'))
    return [
        (PROPERTIES_GROUP, copy.deepcopy(properties_opts)),
        (cfg.OptGroup(TRANSFER_GROUP, help=_TRANSFER_HELP),
         copy.deepcopy(transfer_opts) +
         ks_loading.get_session_conf_options()),
        (cfg.OptGroup(WEB_GROUP, help=_WEB_HELP),
         ks_loading.get_session_conf_options()),
        (SERVICE_USER_GROUP, copy.deepcopy(service_user_opts + auth_opts)),
    ]
