"""Baseline (b) of the ingest benchmark: the least a Starlette app must do for CreateMessage.

It parses the same form, checks HTTP Basic credentials and answers 201 with a
Message resource of the same shape and about the same size as callbox's, and
nothing more: no storage, no queue, no spec. callbox's throughput divided by
this app's is the cost of everything callbox adds on top of the framework.

Run by bench/ingest.py as
``python -m uvicorn bench.bare_app:app --loop uvloop --http httptools ...``
with the credentials in CALLBOX_ACCOUNT_SID / CALLBOX_AUTH_TOKEN, as callbox.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import time
import uuid
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["app"]

API_VERSION = "2010-04-01"
ACCOUNT_SID = os.environ.get("CALLBOX_ACCOUNT_SID", "")
AUTH_TOKEN = os.environ.get("CALLBOX_AUTH_TOKEN", "")


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _error(status: int, code: int, message: str) -> Response:
    return _json(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def _authorized(header: str | None) -> bool:
    if not header or not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    # Compare both parts even when the first differs, as a real server should.
    user_ok = hmac.compare_digest(user.encode(), ACCOUNT_SID.encode())
    password_ok = hmac.compare_digest(password.encode(), AUTH_TOKEN.encode())
    return user_ok and password_ok


def _rfc2822_now() -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())


async def create_message(request: Request) -> Response:
    if not _authorized(request.headers.get("authorization")):
        return _error(401, 20003, "Authenticate")
    account_sid = request.path_params["account_sid"]
    if account_sid != ACCOUNT_SID:
        return _error(404, 20404, "The requested resource was not found")
    form = await request.form()
    to = form.get("To")
    from_ = form.get("From")
    body = form.get("Body")
    if not isinstance(to, str) or not to:
        return _error(400, 21604, "A 'To' phone number is required.")
    if not isinstance(from_, str) or not from_:
        return _error(400, 21603, "A 'From' phone number is required.")
    if not isinstance(body, str) or not body:
        return _error(400, 21602, "Message body is required.")

    sid = "SM" + uuid.uuid4().hex
    now = _rfc2822_now()
    base = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
    message = {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": from_,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {
            "media": f"{base}/Media.json",
            "feedback": f"{base}/Feedback.json",
        },
        "to": to,
        "uri": f"{base}.json",
    }
    return _json(201, message)


async def health(request: Request) -> Response:
    return Response(b"ok", media_type="text/plain")


app = Starlette(
    routes=[
        Route(
            "/2010-04-01/Accounts/{account_sid}/Messages.json",
            create_message,
            methods=["POST"],
        ),
        Route("/health", health, methods=["GET"]),
    ]
)
