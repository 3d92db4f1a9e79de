"""The library's errors: each carries the HTTP status that tells a client what went wrong."""


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message says why, names the file and what to do."""


class DatabaseUpgrading(DatabaseUnavailable):
    """The database is being upgraded in the background: a moment later it can be used."""

    retry_after = 1


class AppError(Exception):
    """A request that cannot be done, with a sentence for the user; `status` is the HTTP status."""

    status = 400


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


class InvalidInput(AppError):
    status = 422


class TotalTooLarge(Conflict):
    pass


class ImportBusy(AppError):
    status = 429
