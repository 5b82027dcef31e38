"""/sim/v1/Rules: what the simulated carrier does with texts to a number."""

from __future__ import annotations

import re
from typing import Any

import httpx
from twilio.rest import Client

from tests.api.sim.conftest import SENDER
from tests.support.refusals import eventually
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
HANDSET = "+15557770001"


def test_put_get_list_delete(sim: httpx.Client) -> None:
    response = sim.put("/sim/v1/Rules/%2B15557770001",
                       json={"outcome": "undelivered", "error_code": 30005, "sent_ms": 10})
    assert response.status_code == 200, response.text
    rule = response.json()
    assert rule["number"] == HANDSET
    assert (rule["outcome"], rule["error_code"], rule["sending_ms"], rule["sent_ms"],
            rule["delivered_ms"]) == ("undelivered", 30005, None, 10, None)
    assert ISO.match(rule["date_created"]) and ISO.match(rule["date_updated"])
    assert rule["uri"] == "/sim/v1/Rules/%2B15557770001"
    assert sim.get(rule["uri"]).json() == rule
    assert sim.get("/sim/v1/Rules/+15557770001").json() == rule  # unencoded + works too

    default = sim.put("/sim/v1/Rules/*", json={"delivered_ms": 5}).json()
    assert (default["number"], default["outcome"], default["delivered_ms"]) == ("*", None, 5)
    assert [r["number"] for r in sim.get("/sim/v1/Rules").json()["rules"]] == ["*", HANDSET]

    response = sim.delete("/sim/v1/Rules/%2B15557770001")
    assert response.status_code == 204 and response.content == b""
    assert sim.get("/sim/v1/Rules/%2B15557770001").status_code == 404
    response = sim.delete("/sim/v1/Rules/%2B15557770001")
    assert (response.status_code, response.json()["code"]) == (404, 20404)
    assert [r["number"] for r in sim.get("/sim/v1/Rules").json()["rules"]] == ["*"]


def test_put_replaces_and_keeps_date_created(sim: httpx.Client) -> None:
    first = sim.put("/sim/v1/Rules/*", json={"outcome": "failed"}).json()
    second = sim.put("/sim/v1/Rules/*", json={"sent_ms": 20}).json()
    assert second["date_created"] == first["date_created"]
    assert (second["outcome"], second["sent_ms"]) == (None, 20)


def test_put_form_encoded(sim: httpx.Client) -> None:
    response = sim.put("/sim/v1/Rules/%2B15557770002",
                       data={"outcome": "failed", "error_code": "30008", "sending_ms": ""})
    assert response.status_code == 200, response.text
    rule = response.json()
    assert (rule["outcome"], rule["error_code"], rule["sending_ms"]) == ("failed", 30008, None)


def test_invalid_rules_are_400(sim: httpx.Client) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("*", {"outcome": "lost"}, "outcome"),
        ("*", {"outcome": "failed", "error_code": 40001}, "error_code"),
        ("*", {"outcome": "delivered", "error_code": 30003}, "error_code"),
        ("*", {"sent_ms": -1}, "sent_ms"),
        ("*", {"sent_ms": "soon"}, "sent_ms"),
        ("*", {"colour": "red"}, "colour"),
        ("not-a-number", {"outcome": "failed"}, "E.164"),
    ]
    for number, body, words in cases:
        response = sim.put(f"/sim/v1/Rules/{number}", json=body)
        assert response.status_code == 400, (body, response.text)
        error = response.json()
        assert error["code"] == 20001 and words in error["message"], error
    assert sim.get("/sim/v1/Rules").json() == {"rules": []}
    assert sim.get("/sim/v1/Rules/not-a-number").status_code == 400


def test_a_rule_decides_the_fate_of_texts(sim: httpx.Client, client: Client) -> None:
    sim.put("/sim/v1/Rules/%2B15557770003", json={"error_code": 30005})
    message = client.messages.create(to="+15557770003", from_=SENDER, body="hi")

    def undelivered() -> None:
        fetched = client.messages(message.sid).fetch()
        assert (fetched.status, fetched.error_code) == ("undelivered", 30005)

    eventually(undelivered, timeout=10)
    inbox = sim.get("/sim/v1/Phones/%2B15557770003/Messages").json()
    assert inbox["messages"] == []


def test_rules_are_per_account(sim: httpx.Client, live: LiveServer) -> None:
    assert sim.put("/sim/v1/Rules/*", json={"outcome": "failed"}).status_code == 200
    response = httpx.get(live.base_url + "/sim/v1/Rules/*", auth=(ACCOUNT_SID, AUTH_TOKEN),
                         timeout=30)
    assert response.status_code == 404
