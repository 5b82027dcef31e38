"""Fixtures: callbox on a real socket (SQLite and PostgreSQL), the official twilio client
pointed at it, and a validator that checks every JSON response against the official spec."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import settings
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from tests.support.pg import postgres_database
from tests.support.receiver import Receiver
from tests.support.schema import ResponseValidator
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer

# No per-example deadline: a first call may load phonenumbers' metadata (hundreds of ms) on
# a shared machine. CI runs the property tests on a fixed seed (reproducible); local runs
# keep exploring.
settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")

os.environ.pop("TWILIO_EDGE", None)
os.environ.pop("TWILIO_REGION", None)


@pytest.fixture(scope="session")
def validator() -> ResponseValidator:
    return ResponseValidator()


class ValidatingHttpClient(TwilioHttpClient):
    """twilio-python's own transport; every JSON response is checked against the spec."""

    def __init__(self, validator: ResponseValidator) -> None:
        super().__init__()
        self.validator = validator

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        path = urlsplit(url).path
        if response.text and path.endswith(".json"):
            import json

            self.validator.validate(method, path, response.status_code, json.loads(response.text))
        return response


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp(f"callbox-{request.param}")
    if request.param == "sqlite":
        server = LiveServer(data_dir).start()
        yield server
        server.stop()
        return
    with postgres_database() as url:
        server = LiveServer(data_dir, database_url=url).start()
        yield server
        server.stop()


def make_client(live: LiveServer, validator: ResponseValidator, username: str, password: str,
                account_sid: str | None = None) -> Client:
    client = Client(username, password, account_sid=account_sid,
                    http_client=ValidatingHttpClient(validator))
    client.api.base_url = live.base_url
    return client


@pytest.fixture(scope="session")
def main_client(live: LiveServer, validator: ResponseValidator) -> Client:
    """The main account's client."""
    return make_client(live, validator, ACCOUNT_SID, AUTH_TOKEN)


@pytest.fixture
def account(main_client: Client) -> Any:
    """A fresh subaccount per test, so lists start empty."""
    return main_client.api.v2010.accounts.create(friendly_name="test")


@pytest.fixture
def client(live: LiveServer, validator: ResponseValidator, account: Any) -> Client:
    """The official twilio client, acting as a fresh subaccount."""
    return make_client(live, validator, account.sid, account.auth_token)


@pytest.fixture
def http(live: LiveServer, account: Any, validator: ResponseValidator) -> Iterator[httpx.Client]:
    """Raw HTTP as the fresh subaccount (for formats, headers and malformed input)."""

    def check(response: httpx.Response) -> None:
        response.read()
        path = response.request.url.path
        if path.endswith(".json") and response.content and path.startswith("/2010-04-01"):
            validator.validate(response.request.method, path, response.status_code,
                               response.json())

    with httpx.Client(base_url=live.base_url, auth=(account.sid, account.auth_token),
                      event_hooks={"response": [check]}, timeout=30) as c:
        yield c


@pytest.fixture
def base(account: Any) -> str:
    return f"/2010-04-01/Accounts/{account.sid}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver for webhooks; tests use paths of their own."""
    r = Receiver().start()
    yield r
    r.stop()
