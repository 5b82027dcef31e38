"""Every error callbox reports, each with Twilio's code and HTTP status.

    CallboxError (code, status, message)
    ├── BadRequest                    400, a parameter is wrong (most carry a 21xxx code)
    │   ├── InvalidParameter          20001 / 400, a value the parser cannot type
    │   └── UnsupportedParameter      20001 / 400, a spec parameter callbox does not act on yet
    ├── AuthenticationFailed          20003 / 401
    ├── AccountNotActive              20005 / 401, the account is suspended or closed
    ├── Forbidden                     20403 / 403
    ├── ResourceNotFound              20404 / 404
    ├── MethodNotAllowed              20004 / 405
    ├── PayloadTooLarge               413
    ├── UnsupportedMediaType          415
    ├── InternalError                 20500 / 500
    ├── ServiceUnavailable            20503 / 503, starting or shutting down
    └── NotImplementedOperation       20501 / 501, a spec operation callbox does not serve yet

A handler raises these; the protocol layer renders them in the requested format.
A carrier rejection is not an exception: it is recorded on the message.
"""

from __future__ import annotations

__all__ = [
    "AccountNotActive",
    "AuthenticationFailed",
    "BadRequest",
    "CallboxError",
    "Forbidden",
    "InternalError",
    "InvalidParameter",
    "MethodNotAllowed",
    "NotImplementedOperation",
    "PayloadTooLarge",
    "ResourceNotFound",
    "ServiceUnavailable",
    "UnsupportedMediaType",
    "UnsupportedParameter",
    "more_info",
]


def more_info(code: int) -> str:
    return f"https://www.twilio.com/docs/errors/{code}"


class CallboxError(Exception):
    code: int = 20500
    status: int = 500
    default_message = "Internal Server Error"

    def __init__(self, message: str | None = None, *, code: int | None = None,
                 status: int | None = None, field: str | None = None) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        super().__init__(self.message)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": more_info(self.code),
            "status": self.status,
        }


class BadRequest(CallboxError):
    code = 21000
    status = 400
    default_message = "Bad Request"


class InvalidParameter(BadRequest):
    code = 20001
    default_message = "Invalid parameter"


class UnsupportedParameter(BadRequest):
    code = 20001

    def __init__(self, name: str, detail: str = "") -> None:
        msg = f"Parameter '{name}' is not supported by callbox yet"
        super().__init__(f"{msg}: {detail}" if detail else msg, field=name)


class AuthenticationFailed(CallboxError):
    code = 20003
    status = 401
    default_message = "Authentication Error - invalid username"


class AccountNotActive(CallboxError):
    code = 20005
    status = 401
    default_message = "Account not active"


class Forbidden(CallboxError):
    code = 20403
    status = 403
    default_message = "You do not have permission to perform this operation"


class ResourceNotFound(CallboxError):
    code = 20404
    status = 404

    def __init__(self, uri: str) -> None:
        super().__init__(f"The requested resource {uri} was not found")


class MethodNotAllowed(CallboxError):
    code = 20004
    status = 405
    default_message = "Method not allowed"


class PayloadTooLarge(CallboxError):
    code = 20413
    status = 413
    default_message = "Request body too large"


class UnsupportedMediaType(CallboxError):
    code = 20415
    status = 415
    default_message = "Unsupported Content-Type"


class InternalError(CallboxError):
    code = 20500
    status = 500
    default_message = "Internal Server Error"


class ServiceUnavailable(CallboxError):
    code = 20503
    status = 503
    default_message = "callbox is starting or shutting down; retry shortly"


class NotImplementedOperation(CallboxError):
    code = 20501
    status = 501

    def __init__(self, operation_id: str, method: str, path: str) -> None:
        super().__init__(
            f"callbox does not implement {operation_id} ({method} {path}) yet"
        )


class ValidationFailed(CallboxError):
    """A 400 that reports every problem found, each as (code, message, field); the
    Communications API renders them as its `errors` array."""

    status = 400
    code = 20001

    def __init__(self, problems: list[tuple[int, str, str | None]]) -> None:
        self.problems = list(problems)[:20]
        code, message, field = self.problems[0]
        super().__init__(message, code=code, field=field)
