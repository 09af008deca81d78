"""Domain errors: rules raise them with a kind and a message for people (in Chinese); the
app turns them into HTTP answers in one place (`api.main`), so rules never speak HTTP."""
from enum import Enum


class Kind(Enum):
    """What went wrong, and the HTTP status that says so."""

    INVALID = 422      # the request itself is wrong (bad phone, empty reply ...)
    NOT_FOUND = 404    # no such thing (or not one this user may see)
    CONFLICT = 409     # not allowed in the current state (claim a closed case ...)
    UNAVAILABLE = 503  # try again later (busy, switched off)

    @property
    def status(self) -> int:
        return self.value


class DomainError(ValueError):
    def __init__(self, message: str, kind: Kind = Kind.INVALID):
        super().__init__(message)
        self.kind = kind

    @property
    def message(self) -> str:
        return str(self)
