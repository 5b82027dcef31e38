"""Property-based fuzzing of the Communications API (/v1), driven by callbox's own OpenAPI
document (the one served at /v1/openapi.json). Whatever schemathesis sends (valid and
invalid bodies, queries and ids), callbox must answer:

* never with a 5xx;
* always with JSON (only a 204 may be empty);
* a 4xx with the `errors` array, each element {code, message, field, more_info};
* a 2xx with a body valid against the document's schema for that status.

Derandomized, as the 2010 fuzzing (tests/conformance/test_fuzz.py)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case

from callbox.api.comms_v1.openapi import DOCUMENT
from tests.api.sim.openapi_check import OpenApiValidator
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer

MAX_EXAMPLES = 20
ERROR_KEYS = {"code", "message", "field", "more_info"}

_document = copy.deepcopy(DOCUMENT)
_document["paths"] = {p: v for p, v in _document["paths"].items() if p.startswith("/v1/")}
_validator = OpenApiValidator(DOCUMENT)

schema = schemathesis.openapi.from_dict(_document)
schema.config.phases.update(phases=["examples", "fuzzing"])
schema.config.generation.update(modes=["positive", "negative"], max_examples=MAX_EXAMPLES,
                                deterministic=True, with_security_parameters=False)


@pytest.fixture(scope="session")
def comms_fuzz() -> Iterator[tuple[requests.Session, dict[str, str]]]:
    with requests.Session() as session:
        yield session, {}


def _owner(live: LiveServer, state: tuple[requests.Session, dict[str, str]]
           ) -> tuple[str, str]:
    http, owned = state
    if live.base_url not in owned:
        r = http.post(f"{live.base_url}/2010-04-01/Accounts.json", data={"FriendlyName": "fz"},
                      auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=30)
        assert r.status_code == 201, r.text
        owned[live.base_url] = f"{r.json()['sid']}:{r.json()['auth_token']}"
    sid, token = owned[live.base_url].split(":")
    return sid, token


def _check(response: requests.Response, case: Case) -> None:
    status = response.status_code
    request = response.request
    where = f"{request.method} {request.url}"
    if request.body:
        where += f" body={str(request.body)[:300]!r}"
    assert status < 500, f"{where}: {status} {response.text[:500]}"
    if status == 204 and not response.content:
        return
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{where}: {status} body is not JSON") from None
    if status >= 400:
        errors = body.get("errors") if isinstance(body, dict) else None
        assert isinstance(errors, list) and errors, f"{where}: {status} {body}"
        for error in errors:
            assert set(error) == ERROR_KEYS, f"{where}: {error}"
            assert isinstance(error["code"], int) and isinstance(error["message"], str)
        return
    path = urlsplit(request.url).path
    template, op = _validator.operation(case.method, path)
    assert op is not None, where
    spec = _validator._resolve(op["responses"][str(status)])
    _validator.validate_body(spec["content"]["application/json"]["schema"], body)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
def test_fuzz_comms(case: Case, live: LiveServer,
                    comms_fuzz: tuple[requests.Session, dict[str, str]]) -> None:
    sid, token = _owner(live, comms_fuzz)
    response = case.call(base_url=live.base_url, session=comms_fuzz[0], auth=(sid, token),
                         timeout=60)
    _check(response, case)
