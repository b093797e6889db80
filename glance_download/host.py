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

"""Everything glance_download takes from the Glance it runs in.

The plugins run inside glance-api, on whatever Glance release the operator
has. Every name of ``glance.*`` the package uses is taken here, so that what
differs between releases is decided in this one module, by looking at what
the running Glance has (never at its version number), and the tasks and
plugins stay the same on every release.

Supported: Glance 28 (2024.1) to 33 (2026.2). What is the same on all of
them and taken as it is: the ``get_flow`` kwargs and the action wrapper
Glance hands to internal plugins, ``get_task``, ``get_glance_endpoint``,
the staging path (``get_dir_separator``), ``[glance_download_properties]``
and the configuration file lookup (28 lists ``glance-api-paste.ini`` too;
we read what the running Glance lists). What differs is below, one
function per difference.

How a failure reaches the user (not code: what the tasks rely on). On
every release Glance's task executor copies the text of an
``UploadException`` raised out of the flow into the task message and
writes "Task failed due to Internal Error" for anything else, which is why
every error of ours derives from it (:mod:`glance_download.errors`). On
28-32 (``TaskExecutor`` without ``_fail_task``) it writes that message
into the task object it read before the flow ran, so a reason recorded by
a task during revert is replaced: when a revert of Glance's own fails as
well (the image was deleted during the download) the user reads "Task
failed due to Internal Error" there, while 33 keeps our reason. A reason
written while the flow is built survives on every release: 28-32's
``begin_processing`` tries to fail the task again ("Task was aborted
externally"), finds it failed already (``InvalidTaskStatusTransition``,
which glance-api logs) and leaves it as it is.
"""

import sys

from glance.async_.flows import api_image_import
from glance.async_ import utils as async_utils
from glance.common import exception
from glance.common.scripts import utils as script_utils
from glance.common import store_utils
from glance.common import utils as common_utils

from glance_download import address_rules

UploadException = exception.UploadException
NotFound = exception.NotFound
Forbidden = exception.Forbidden

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

    Glance 33 checks the URL and resolves it (no loopback or link-local
    address unless its host is in ``allowed_hosts``) in one function; 28-32
    only say whether the scheme, host and port rules pass, so the same
    address rules are applied here on top (:mod:`address_rules`).

    :raises ValueError: with 33's words, when the rules refuse ``url`` (on
        28-32 "scheme, host or port not allowed" when their own check
        refuses it: it does not say which rule)
    """
    validate = getattr(common_utils, 'get_validated_address', None)
    if validate is not None:
        return validate(url)[0]
    if not url:
        raise ValueError('empty external URI')
    if not common_utils.validate_import_uri(url):
        raise ValueError('scheme, host or port not allowed for external '
                         'URI: %s' % url)
    # 29.2.1-32 reject encoded IP addresses in host names with Glance's
    # own function; 28.x and the x.0.0 releases have none.
    normalize = getattr(common_utils, 'normalize_hostname',
                        address_rules.normalize_hostname)
    return address_rules.pinned_address(url, normalize)


def offload(func, *args):
    """``func(*args)``, run where it does not stop the other requests.

    Under uWSGI (28-32) and on 33 glance-api runs native threads: the call
    is made as it is. 28-32's standalone ``glance-api`` command runs
    monkey-patched by eventlet, where threads are green threads sharing one
    OS thread: a CPU-bound call (hashing a chunk) would hold every other
    request of that worker until it returns, so it goes to eventlet's pool
    of real OS threads (``tpool``) while this green thread waits
    cooperatively.
    """
    if _eventlet_patched_threads():
        from eventlet import tpool
        return tpool.execute(func, *args)
    return func(*args)


def _eventlet_patched_threads():
    # Not imported when absent: Glance 33 no longer depends on eventlet.
    eventlet = sys.modules.get('eventlet')
    return eventlet is not None and eventlet.patcher.is_monkey_patched(
        'thread')


def set_reserved_property(action, name, value):
    """Set the ``os_glance_*`` property ``name`` of the image ``action``
    (an ``_ImportActions``) wraps to ``value``, which holds no comma.

    Only Glance's server code can write that namespace: its API refuses
    it to every user, so such a property is a record users can trust.
    Glance gives plugins no setter for it (``set_image_extra_properties``
    drops those names); ``merge_store_list``, the same on 28-33, writes
    the name it is given, as a sorted comma-separated set: the value
    alone once the old one is popped.
    """
    action.pop_extra_property(name)
    action.merge_store_list(name, [value])


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
