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

"""Glance 33's address rules, for the Glance releases that lack them.

Glance 33 resolves a URL's host once, drops loopback and link-local
addresses (the cloud's metadata service at 169.254.169.254 among them)
unless the operator listed the host in ``[import_filtering_opts]
allowed_hosts``, drops addresses listed in ``disallowed_hosts``, and
connects to the address that is left. Glance 28-32 only check the URL's
scheme, host and port against the lists, so a URL (or a catalog entry, or
a redirect) naming ``localhost`` or ``169.254.169.254`` would be fetched.
This module gives those releases the contract of 33's
``get_validated_address`` (same rules, same messages), on top of their own
``validate_import_uri``: an operator who moves between releases sees the
same URLs refused. :mod:`glance_download.host` decides when it is used.
"""

import ipaddress
import socket
from urllib import parse

from oslo_config import cfg

CONF = cfg.CONF


def pinned_address(url, normalize_hostname):
    """The address to connect to for ``url`` (which the scheme, host and
    port rules already let pass).

    :param normalize_hostname: ``host -> host or None``; None refuses the
        host (an encoded IP address such as ``2130706433`` or ``127.1``)
    :raises ValueError: when no address of the host may be used
    """
    parts = parse.urlsplit(url)
    hostname = parts.hostname
    host = normalize_hostname(hostname)
    if not host:
        raise ValueError('invalid external host: %s' % hostname)
    rules = CONF.import_filtering_opts
    allowed = rules.allowed_hosts
    # As in Glance: with an allow list, the deny list is not read.
    denied = [] if allowed else list(rules.disallowed_hosts)
    listed = bool(allowed and host in allowed)
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    usable = [str(address) for address in _resolve(hostname, host, port)
              if listed or (_routable(address) and
                            not _denied(address, host, denied))]
    if not usable:
        raise ValueError('no allowed addresses for external host: %s'
                         % hostname)
    return usable[0]


def _resolve(hostname, host, port):
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        # A trailing dot: a DNS name, never a number the resolver would
        # parse as an address.
        results = socket.getaddrinfo(host.rstrip('.') + '.', port)
        addresses = []
        for result in results:
            address = ipaddress.ip_address(result[4][0].split('%', 1)[0])
            if address not in addresses:
                addresses.append(address)
        return addresses
    except (socket.gaierror, ValueError) as exc:
        raise ValueError('failed to resolve external host %s: %s'
                         % (hostname, exc))


def _routable(address):
    """Not loopback or link-local, the IPv4 inside an IPv6 address too."""
    mapped = getattr(address, 'ipv4_mapped', None) or address
    return not (mapped.is_loopback or mapped.is_link_local)


def _denied(address, host, denied):
    for entry in denied:
        if entry == host:
            continue  # the name itself: the scheme/host/port rules judged it
        try:
            if address == ipaddress.ip_address(entry):
                return True
        except ValueError:
            if str(address) == entry:
                return True
    return False


def normalize_hostname(host):
    """``host`` if it is an IP address in standard form or a name that
    resolves; None for encoded addresses (``2130706433``, ``0x7f000001``,
    ``127.1``) that a resolver would still turn into one.

    Glance 29.2.1-33 have this as ``glance.common.utils.normalize_hostname``;
    this is its contract for 28.x and the x.0.0 releases.
    """
    if not host:
        return host
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if all(c.isdigit() or c == '.' for c in host):
        return None
    try:
        socket.getaddrinfo(host.rstrip('.') + '.', 80)
    except socket.gaierror:
        return None
    return host
