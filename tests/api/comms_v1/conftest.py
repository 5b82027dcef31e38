"""Fixtures for /v1: raw HTTP as a fresh subaccount, every /v1 and /preview response
validated against the OpenAPI document the server serves at /v1/openapi.json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.sim.openapi_check import OpenApiValidator
from tests.support.server import LiveServer

SENDER = "+15005550006"


@pytest.fixture(scope="session")
def comms_validator(live: LiveServer) -> OpenApiValidator:
    response = httpx.get(live.base_url + "/v1/openapi.json", timeout=30)
    assert response.status_code == 200
    return OpenApiValidator(response.json())


def _client(live: LiveServer, auth: tuple[str, str], validator: OpenApiValidator
            ) -> httpx.Client:
    def check(response: httpx.Response) -> None:
        response.read()
        path = response.request.url.path
        if path.startswith(("/v1/", "/preview/")):
            validator.validate(response)

    return httpx.Client(base_url=live.base_url, auth=auth, event_hooks={"response": [check]},
                        timeout=30)


@pytest.fixture
def comms(live: LiveServer, account: Any, comms_validator: OpenApiValidator
          ) -> Iterator[httpx.Client]:
    """The fresh subaccount's Basic auth on /v1; every response checked against the
    document the server serves."""
    with _client(live, (account.sid, account.auth_token), comms_validator) as c:
        yield c
