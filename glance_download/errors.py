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
