"""The few domain errors services raise; each surface maps them to a page or JSON once."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: `status` is the HTTP status a web surface answers with."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """The input breaks a rule; `field` names the input at fault."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Unauthorized(DomainError):
    """No credentials, or ones that are not (or no longer) valid: the client may retry."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request is valid but clashes with what is stored (a taken name, a closed thread)."""

    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
