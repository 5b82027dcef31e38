"""/sim/v1 as a protocol: the OpenAPI document, authentication, routing errors, bodies."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
from twilio.rest import Client

from callbox.api.sim import DOCUMENT, ROUTES
from tests.api.sim.openapi_check import OpenApiValidator
from tests.support.server import LiveServer

ERROR_KEYS = {"code", "message", "more_info", "status"}


def _error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["status"], body["code"]) == (status, code)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    return body


# the document -------------------------------------------------------------------------------
def test_openapi_is_served_without_auth(live: LiveServer, sim_validator: OpenApiValidator
                                        ) -> None:
    response = httpx.get(live.base_url + "/sim/v1/openapi.json", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["twilio-request-id"].startswith("RQ")
    assert response.json() == DOCUMENT
    assert DOCUMENT["openapi"].startswith("3.1")
    sim_validator.validate(response)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_openapi_schemas_and_refs_are_valid() -> None:
    for schema in DOCUMENT["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    for ref in _refs(DOCUMENT):
        target: Any = DOCUMENT
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, ref
            target = target[part]
    op_ids = [op["operationId"] for item in DOCUMENT["paths"].values()
              for method, op in item.items() if method != "parameters"]
    assert len(op_ids) == len(set(op_ids))
    assert DOCUMENT["components"]["securitySchemes"]["basic"]["scheme"] == "basic"


def test_every_route_is_documented_and_nothing_else() -> None:
    served = {("/sim/v1" + r.template, m.lower()) for r in ROUTES for m in r.methods}
    documented = {(path, method) for path, item in DOCUMENT["paths"].items()
                  for method in item if method != "parameters"}
    assert served == documented


# authentication -----------------------------------------------------------------------------
def test_no_or_wrong_credentials_are_401(live: LiveServer, account: Any,
                                         sim_validator: OpenApiValidator) -> None:
    with httpx.Client(base_url=live.base_url, timeout=30,
                      event_hooks={"response": [lambda r: (r.read(),
                                                           sim_validator.validate(r))]}) as c:
        for auth in (None, (account.sid, "0" * 32), ("nobody", "x")):
            response = c.get("/sim/v1/Rules", auth=auth) if auth else c.get("/sim/v1/Rules")
            _error(response, 401, 20003)
            assert response.headers["www-authenticate"].startswith("Basic")
        _error(c.get("/sim/v1/Nope"), 401, 20003)


def test_api_key_credentials_work(live: LiveServer, client: Client) -> None:
    key = client.new_keys.create(friendly_name="sim")
    response = httpx.get(live.base_url + "/sim/v1/Rules", auth=(key.sid, key.secret),
                         timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"rules": []}


# routing --------------------------------------------------------------------------------------
def test_unknown_route_is_404(sim: httpx.Client) -> None:
    body = _error(sim.get("/sim/v1/Nope"), 404, 20404)
    assert "/sim/v1/Nope" in body["message"]
    _error(sim.get("/sim/v1/Rules/%2B15551230001/extra"), 404, 20404)


def test_wrong_method_is_405_with_allow(sim: httpx.Client) -> None:
    response = sim.get("/sim/v1/Messages")
    _error(response, 405, 20004)
    assert response.headers["allow"] == "POST"
    response = sim.post("/sim/v1/Rules/*", json={})
    _error(response, 405, 20004)
    assert response.headers["allow"] == "DELETE, GET, HEAD, PUT"


# bodies -------------------------------------------------------------------------------------
def test_malformed_json_is_400(sim: httpx.Client) -> None:
    response = sim.put("/sim/v1/Rules/*", content=b"{not json",
                       headers={"content-type": "application/json"})
    assert "not valid JSON" in _error(response, 400, 20001)["message"]
    response = sim.put("/sim/v1/Rules/*", json=[1, 2])
    assert "JSON object" in _error(response, 400, 20001)["message"]


def test_other_content_types_are_415(sim: httpx.Client) -> None:
    response = sim.put("/sim/v1/Rules/*", content=b"outcome: failed",
                       headers={"content-type": "text/yaml"})
    _error(response, 415, 20415)
