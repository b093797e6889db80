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

"""The web-download import method on the shared download task.

Differences from Glance's in-tree version: the size is enforced while the
data streams in (against Content-Length and ``image_size_cap``), broken
transfers are resumed with Range, redirects are checked by the same
``[import_filtering_opts]`` rules as the URL, and progress is reported.
TLS is ``[glance_download_web]``'s (see :mod:`glance_download.sessions`):
the trust and client certificate configured for the source regions never
apply to a URL a user chose.
"""

import functools
from urllib import parse

from oslo_config import cfg
from taskflow.patterns import linear_flow as lf

from glance_download import opts
from glance_download import plugins
from glance_download import sessions
from glance_download import source
from glance_download.tasks import download
from glance_download import transfer
from glance_download import uri_filter

CONF = cfg.CONF


class WebDownload(download.StageImageData):
    """Stage the data found at a user-given URL."""

    def __init__(self, uri, **kwargs):
        self.uri = uri
        super().__init__(requeue_on_revert=True, name='WebDownload',
                         **kwargs)

    def plan(self):
        settings = CONF[opts.TRANSFER_GROUP]
        data = source.HttpSource(
            sessions.anonymous(CONF), self.uri,
            'the image URL %s' % uri_filter.redact(self.uri),
            (settings.connect_timeout, settings.read_timeout),
            functools.partial(uri_filter.check, what='The image URL'),
            authenticated=False)
        return download.Plan(data, transfer.Expected(),
                             origin=parse.urlsplit(self.uri).hostname)


def get_flow(**kwargs):
    """Glance's entry point for the web-download internal plugin."""
    plugins.prepare('web_download')
    task_type = kwargs.get('task_type')
    return lf.Flow('%s-web_download' % task_type).add(WebDownload(
        kwargs['import_req']['method'].get('uri'),
        context=kwargs.get('context'), task_id=kwargs.get('task_id'),
        task_type=task_type,
        action_wrapper=kwargs.get('action_wrapper'),
        stores=kwargs.get('backend') or [None],
        task_repo=kwargs.get('task_repo'),
        image_repo=kwargs.get('image_repo')))
