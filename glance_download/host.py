"""Everything glance_download takes from the Glance it runs in.

The plugins run inside glance-api, on whatever Glance release the operator
has. Every name of ``glance.*`` the package uses is taken here, so that what
differs between releases is decided in this one module, by looking at what
the running Glance has (never at its version number), and the tasks and
plugins stay the same on every release.
"""

from glance.async_.flows import api_image_import
from glance.async_ import utils as async_utils
from glance.common import exception
from glance.common import store_utils
from glance.common import utils as common_utils
from glance.common.scripts import utils as script_utils

UploadException = exception.UploadException
NotFound = exception.NotFound

get_task = script_utils.get_task
get_dir_separator = store_utils.get_dir_separator
get_glance_endpoint = async_utils.get_glance_endpoint


def retry_on_db_lock(func):
    """``func()``, retried on SQLite lock errors where Glance does so.

    Glance 33 added ``utils.retry_on_db_lock`` for its own task and image
    writes; 28-32 have no such helper and write once, so we do too.
    """
    retry = getattr(common_utils, 'retry_on_db_lock', None)
    if retry is None:
        return func()
    return retry(func)


def validated_address(url):
    """The address Glance's ``[import_filtering_opts]`` approve for ``url``.

    :raises ValueError: with Glance's words, when the rules refuse ``url``
    """
    return common_utils.get_validated_address(url)[0]


def glance_download_opts():
    """Glance's own ``[glance_download_properties]`` options."""
    return api_image_import.glance_download_opts


def config_files(env):
    """The configuration files glance-api reads for the environment
    ``env`` (``OS_GLANCE_CONFIG_DIR`` and friends); Glance's own
    (private) function, so the check reads what the server reads.

    Imported here, not with the module: only glance-download-check needs
    it, and the plugins inside glance-api should not load the uWSGI app's
    module into a server that may not be running it.
    """
    from glance.common import wsgi_app
    return wsgi_app._get_config_files(env)
