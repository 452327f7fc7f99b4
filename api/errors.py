"""The API layer's own error families and codes (docs/contract/errors.md).

The ledger's families (ledger.errors) cover what its input and rules can say; reading over HTTP
adds authorisation (401, 403), media types (415) and methods (405). Their codes join the ledger's
table (ledger.codes) in the documentation; api.problems maps every family to its HTTP status.
"""

from __future__ import annotations

from ledger.codes import CodeTable
from ledger.errors import LedgerError, MalformedInput, NotFound, VerificationFailed


class Unauthorised(LedgerError):
    """A read that needs a bearer token came without a valid one (missing, unknown or revoked)."""

    code = "unauthorized"
    family = "unauthorised"


class Forbidden(LedgerError):
    """A valid token whose role may not read this resource."""

    code = "forbidden"
    family = "forbidden"


class UnsupportedMediaType(MalformedInput):
    """A request body in a media type the route does not take."""

    code = "unsupported_media_type"
    family = "unsupported_media_type"


class MethodNotAllowed(LedgerError):
    """A method the resource does not allow (the answer names the allowed ones)."""

    code = "method_not_allowed"
    family = "method_not_allowed"


API_CODES = CodeTable()
_code = API_CODES.define

UNAUTHORIZED = _code(Unauthorised.code, Unauthorised, "no bearer token, or one unknown or revoked")
FORBIDDEN = _code(Forbidden.code, Forbidden, "the token's role may not read this resource")
UNSUPPORTED_MEDIA_TYPE = _code(UnsupportedMediaType.code, UnsupportedMediaType, "a submission not application/json")
METHOD_NOT_ALLOWED = _code(MethodNotAllowed.code, MethodNotAllowed, "a method the resource does not allow")
INVALID_REQUEST = _code("invalid_request", MalformedInput, "a path or query parameter missing or not valid")
NO_SUCH_ROUTE = _code("no_such_route", NotFound, "a path the API does not have")
INTERNAL_ERROR = _code("internal_error", LedgerError, "an unexpected server fault (the operator's log has it)")
# signing in with a key (issue 13, api.sessions)
CHALLENGE_INVALID = _code("challenge_invalid", Unauthorised, "a sign-in challenge unknown, already used or expired")
SIGNIN_REFUSED = _code(
    "signin_refused", Unauthorised, "a sign-in by a key the log does not hold or has revoked, or a wrong signature"
)
INVALID_SIGNIN = _code("invalid_signin", MalformedInput, "a sign-in request of the wrong shape")
# finding a known employee for the browser's edition-3 forms (issue 15, api.routers.personal_data)
EMPLOYEE_NAME_DIFFERS = _code(
    "employee_name_differs",
    VerificationFailed,
    "a person lookup whose employee number the personal-data store holds under another name",
)
EMPLOYEE_NUMBER_HELD = _code(
    "employee_number_held",
    VerificationFailed,
    "a new person's disclosure whose employee number the personal-data store holds for another pseudonym",
)
