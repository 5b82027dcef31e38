"""Fixtures for /sim/v1: the served OpenAPI document, and raw HTTP as the fresh subaccount
with every /sim/v1 response validated against that document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from twilio.rest import Client

from tests.api.sim.openapi_check import OpenApiValidator
from tests.support.server import LiveServer

SENDER = "+15005550006"


@pytest.fixture(scope="session")
def sim_validator(live: LiveServer) -> OpenApiValidator:
    response = httpx.get(live.base_url + "/sim/v1/openapi.json", timeout=30)
    assert response.status_code == 200
    return OpenApiValidator(response.json())


@pytest.fixture
def sim(live: LiveServer, account: Any, sim_validator: OpenApiValidator
        ) -> Iterator[httpx.Client]:
    """The fresh subaccount's Basic auth; every /sim/v1 response checked against the
    document the server serves."""

    def check(response: httpx.Response) -> None:
        response.read()
        if response.request.url.path.startswith("/sim/v1/"):
            sim_validator.validate(response)

    with httpx.Client(base_url=live.base_url, auth=(account.sid, account.auth_token),
                      event_hooks={"response": [check]}, timeout=30) as c:
        yield c


def buy_number(client: Client, **config: Any) -> Any:
    """One of the account's numbers (IncomingPhoneNumbers), configured as given."""
    found = client.available_phone_numbers("US").local.list(limit=1)
    assert found
    return client.incoming_phone_numbers.create(phone_number=found[0].phone_number, **config)
