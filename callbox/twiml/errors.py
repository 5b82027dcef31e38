"""What TwiML parsing reports, with Twilio's error and warning codes.

    TwimlError (code, message, warnings)   the document cannot be used at all
    TwimlWarning (code, message)           a part was skipped or a default used

Twilio logs both to the debugger; a TwimlError means no verb runs, a warning means the
rest of the document still does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["TwimlCode", "TwimlError", "TwimlWarning"]


class TwimlCode(IntEnum):
    """Twilio's codes for problems with a webhook's response (docs.twilio.com/docs/errors)."""

    RESPONSE_TOO_LARGE = 11750       # "TwiML response body too large" (> 64 kB), error
    DOCUMENT_PARSE_FAILURE = 12100   # "Document parse failure", error
    INVALID_ROOT = 12102             # "The root element must be Response", error
    SCHEMA_VALIDATION = 12200        # "Schema validation warning", warning
    INVALID_CONTENT_TYPE = 12300     # "Invalid Content-Type", error
    INVALID_BODY = 14103             # "Invalid Body" (empty, or over 1600 chars), warning
    INVALID_METHOD = 14104           # "Invalid Method attribute" (GET or POST), warning
    REPLY_LIMIT = 14109              # "TwiML Reply message limit exceeded" (10), warning
    INVALID_VERB = 14110             # "Invalid Verb for Message Reply", warning


@dataclass(frozen=True, slots=True)
class TwimlWarning:
    code: int
    message: str


class TwimlError(Exception):
    """The response cannot be run; ``warnings`` are those found before the failure."""

    def __init__(self, code: int, message: str,
                 warnings: tuple[TwimlWarning, ...] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.warnings = warnings
