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

"""Why an import failed, in words an operator understands.

Every error derives from Glance's ``UploadException`` because that is the
only exception type whose text Glance's task executor copies into the task
message; anything else reaches the user as "Task failed due to Internal
Error". Messages never contain a token.
"""

from glance_download import host


class ImportFailed(host.UploadException):
    """The import cannot succeed; retrying the same request will not help."""

    def __init__(self, message):
        super().__init__(message=message)


class TransferInterrupted(ImportFailed):
    """The transfer broke off in a way a retry may cure.

    Dropped connections, timeouts, short bodies and 5xx answers. The
    transfer loop retries these; once the retries are used up the last one
    is what the user sees.
    """


class ImportCancelled(ImportFailed):
    """The image was deleted or its task stopped while data was arriving."""
