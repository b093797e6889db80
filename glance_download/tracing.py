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

"""One import, followed by its request id from region B's log into A's.

An import that fails in region B is investigated by grepping both regions'
logs for one id. oslo.context calls it the context's ``global_id``: the
caller's ``global_request_id`` when it sent one, else the id region B gave
the import call (the ``x-openstack-request-id`` of its answer). It is sent
to the source region as ``X-OpenStack-Request-ID`` (keystoneauth1's
``global_request_id``), where the source Glance logs its request with it.

Our log lines carry it too. oslo.log takes the request context from the
record, else from oslo.context's per-thread store; but Glance runs import
flows in pool threads, where the store holds nothing, or a context left
by whatever ran there before. So while our code runs there, the import's
context is put in that thread's store and what was there before is put
back afterwards, so that Glance's own later lines in the same thread are
not attributed to this import.
"""

import contextlib

from oslo_context import context as oslo_context


def request_id(context):
    """The id the source region should log this import's requests with."""
    return context.global_id


@contextlib.contextmanager
def logged_for(context):
    """Log lines written inside carry ``context``'s request ids."""
    previous = _enter(context)
    try:
        yield
    finally:
        _leave(context, previous)


def _enter(context):
    previous = oslo_context.get_current()
    if context is not None:
        context.update_store()
    return previous


def _leave(context, previous):
    if context is None:
        return
    if previous is not None:
        previous.update_store()
    else:
        # oslo.context has no public way to empty the store; an empty
        # store is what oslo.log and oslo.context read as "no context".
        vars(oslo_context._request_store).pop('context', None)


class RequestTask:
    """A taskflow task whose log lines carry its import's request id.

    taskflow calls ``pre_*`` and ``post_*`` in the thread that runs
    ``execute`` or ``revert``, right before and after it (``post_*`` also
    when it raised). Subclasses set ``self.context``.
    """

    context = None
    _previous = None

    def pre_execute(self):
        self._previous = _enter(self.context)

    def post_execute(self):
        _leave(self.context, self._previous)
        self._previous = None

    pre_revert = pre_execute
    post_revert = post_execute
