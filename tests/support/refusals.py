"""How a test reads a refusal through the official client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException


@dataclass
class Refusal:
    status: int
    code: int
    msg: str


def rest_error(call: Callable[[], Any]) -> Refusal:
    """The HTTP status and Twilio code of a refused call. twilio-python raises
    TwilioRestException for fetch/create/update/delete, and a plain TwilioException carrying
    the response when a list page is refused."""
    with pytest.raises(TwilioException) as info:
        call()
    exc = info.value
    if isinstance(exc, TwilioRestException):
        return Refusal(exc.status, exc.code, exc.msg)
    response = exc.args[1]
    body = json.loads(response.text)
    return Refusal(response.status_code, body["code"], body["message"])


def eventually(check: Callable[[], Any], timeout: float = 3.0) -> Any:
    """Retry `check` until it stops raising AssertionError/TwilioException (credentials are
    cached for up to 2 s)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, TwilioException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
