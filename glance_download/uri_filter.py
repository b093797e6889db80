"""Glance's ``[import_filtering_opts]`` rules, applied to our requests.

The rules (scheme, host and port allow and deny lists, no loopback or
link-local address unless allowed by name) are Glance's own code; we only
turn its ValueError into a message for the user.
"""

from urllib import parse

from glance.common import utils as glance_utils

from glance_download import errors


def check(url, what):
    """Raise ImportFailed unless Glance's import filter lets ``url`` pass.

    ``what`` names the URL for the user, e.g. "the image endpoint of
    region RegionOne".
    """
    url = url or ''  # web-download without a uri
    try:
        glance_utils.get_validated_address(url)
    except ValueError as exc:
        raise errors.ImportFailed(
            '%s (%s) is not allowed by this Glance\'s '
            '[import_filtering_opts]: %s.'
            % (what, redact(url), str(exc).replace(url, redact(url))))


def redact(url):
    """``url`` without user info or query string: they may hold secrets."""
    parts = parse.urlsplit(url)
    netloc = parts.hostname or ''
    if parts.port:
        netloc = '%s:%d' % (netloc, parts.port)
    return parse.urlunsplit((parts.scheme, netloc, parts.path, '', ''))
