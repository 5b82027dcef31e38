"""Property-based fuzzing of every operation callbox serves, driven by the official spec.

schemathesis generates requests (valid and invalid) for each implemented 2010-04-01
operation and sends them to the live server (SQLite and PostgreSQL) as a session-scoped
subaccount the test owns. Whatever the input, callbox must answer:

* never with a 5xx;
* always with JSON (only a 204 may be empty);
* a 4xx with exactly Twilio's error envelope {code, message, more_info, status};
* a 2xx with a body that validates against the operation's response schema.

The path's AccountSid (and FetchAccount's `Sid`) is always the fuzzing subaccount, so the
requests reach the handlers; other path SIDs stay random (mostly 404s). UpdateAccount runs on
a throwaway subaccount per call, so a fuzzed `Status=closed|suspended` never locks the
fuzzing subaccount out (every later call would fail with 20005). DeleteKey and UpdateKey are
harmless: their `Sid` is random and every request authenticates with an account's Auth
Token, never with an API key.

Reproducible: Hypothesis is derandomized (its seed derives from this test's source, so
editing the test changes the examples drawn, but a given revision always draws the same).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.core import NOT_SET

from callbox.api.v2010 import implemented
from callbox.spec import load_v2010, spec_path
from tests.support.schema import ResponseValidator
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer

MAX_EXAMPLES = 25
ERROR_KEYS = {"code", "message", "more_info", "status"}
TO, FROM = "+15558675310", "+15005550006"
# CreateMessage parameters that alone make the request a 400 in callbox (features it does
# not have, or a Messaging Service that cannot exist); dropped from the "deliverable" variant.
NOT_DELIVERABLE = {
    "ApplicationSid", "ContentSid", "ContentVariables", "FallbackFrom", "PersistentAction",
    "ShortenUrls", "ContentRetention", "AddressRetention", "MessagingServiceSid",
}

# Operation id by (METHOD, spec path), for the implemented operations only.
OPERATION_IDS = {
    (op.method, op.path): op_id
    for op_id, op in load_v2010().operations.items()
    if op_id in implemented()
}

schema = schemathesis.openapi.from_path(spec_path()).include(
    operation_id=sorted(implemented())
)
# The spec's own examples, then fuzzing, with valid and invalid data. The coverage phase is
# off: it enumerates every boundary case the schema defines, unbounded by max_examples
# (hundreds for CreateMessage's 25 form fields), which would blow the time budget.
schema.config.phases.update(phases=["examples", "fuzzing"])
schema.config.generation.update(
    modes=["positive", "negative"],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    # Authentication is ours (Basic, as an account the test owns), never generated.
    with_security_parameters=False,
)


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    """Random `To`/`From` are never valid numbers, so CreateMessage would only ever be a
    400. Half of its form bodies also get a deliverable variant (real numbers, a Body when
    there is none, no parameter that is always refused), so the 201 path and its response
    schema are fuzzed over the remaining fields too."""
    operation = context.operation
    if (operation is None or not isinstance(body, dict)
            or OPERATION_IDS.get((operation.method.upper(), operation.path)) != "CreateMessage"):
        return st.just(body)
    deliverable = {"Body": "fuzz", **{k: v for k, v in body.items() if k not in NOT_DELIVERABLE},
                   "To": TO, "From": FROM}
    return st.sampled_from([body, deliverable])


@dataclass(frozen=True)
class Owned:
    sid: str
    auth_token: str


def _create_subaccount(live: LiveServer, http: requests.Session, name: str) -> Owned:
    response = http.post(f"{live.base_url}/2010-04-01/Accounts.json",
                         data={"FriendlyName": name}, auth=(ACCOUNT_SID, AUTH_TOKEN),
                         timeout=30)
    assert response.status_code == 201, response.text
    body = response.json()
    return Owned(body["sid"], body["auth_token"])


@pytest.fixture(scope="session")
def fuzz_http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="session")
def fuzz_account(live: LiveServer, fuzz_http: requests.Session) -> Owned:
    """One subaccount per backend, created once through the main account."""
    return _create_subaccount(live, fuzz_http, "fuzz")


def _check(response: requests.Response, validator: ResponseValidator, case: Case) -> None:
    status = response.status_code
    request = response.request
    where = f"{request.method} {request.url}"
    if request.body:
        where += f" body={request.body!r}"
    assert status < 500, f"{where}: {status} {response.text[:500]}"
    if status == 204 and not response.content:
        return
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{where}: {status} body is not JSON: {response.text[:500]!r}"
                             ) from None
    if 400 <= status < 500:
        assert isinstance(body, dict) and set(body) == ERROR_KEYS, (
            f"{where}: {status} body is not Twilio's error envelope: {body}")
        assert isinstance(body["code"], int) and not isinstance(body["code"], bool), body
        assert isinstance(body["message"], str), body
        assert isinstance(body["more_info"], str), body
        assert body["status"] == status, f"{where}: envelope status {body['status']} != {status}"
    elif 200 <= status < 300:
        validator.validate(case.method, urlsplit(request.url).path, status, body)
    else:
        raise AssertionError(f"{where}: unexpected status {status}")


def _send(case: Case, live: LiveServer, fuzz_account: Owned, http: requests.Session,
          validator: ResponseValidator) -> None:
    """Aim the case at an account the test owns, send it as that account, check the answer."""
    op_id = OPERATION_IDS[(case.method.upper(), case.operation.path)]
    owner = fuzz_account
    if op_id == "UpdateAccount":  # may close or suspend: never the shared subaccount
        owner = _create_subaccount(live, http, "fuzz-throwaway")
    if "AccountSid" in case.path_parameters:
        case.path_parameters["AccountSid"] = owner.sid
    if op_id in ("FetchAccount", "UpdateAccount"):
        case.path_parameters["Sid"] = owner.sid
    response = case.call(base_url=live.base_url, session=http,
                         auth=(owner.sid, owner.auth_token), timeout=30)
    _check(response, validator, case)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
def test_fuzz(case: Case, live: LiveServer, fuzz_account: Owned, fuzz_http: requests.Session,
              validator: ResponseValidator) -> None:
    _send(case, live, fuzz_account, fuzz_http, validator)


# Inputs the fuzzer (or probing around what it found) has shown to crash callbox, pinned so
# that they are checked on every run whatever the derandomized draw above happens to hit.
# The same property applies: no 5xx, Twilio's envelope on a 4xx, a valid body on a 2xx.
INT64_MAX = 2**63 - 1
MESSAGE = {"To": TO, "From": FROM, "Body": "fuzz"}
REGRESSIONS: list[tuple[str, str, dict[str, Any]]] = [
    # Page * PageSize beyond a 64-bit integer (the SQL OFFSET): both backends.
    ("page-offset-accounts", "ListAccount", {"query": {"Page": INT64_MAX}}),
    ("page-offset-keys", "ListKey", {"query": {"Page": INT64_MAX}}),
    ("page-offset-messages", "ListMessage", {"query": {"Page": INT64_MAX}}),
    # U+0000 in a string: PostgreSQL text cannot hold it.
    ("nul-key-name", "CreateNewKey", {"body": {"FriendlyName": "\x00"}}),
    ("nul-account-name", "UpdateAccount", {"body": {"FriendlyName": "a\x00"}}),
    ("nul-account-filter", "ListAccount", {"query": {"FriendlyName": "\x00"}}),
    ("nul-message-filter", "ListMessage", {"query": {"To": "\x00"}}),
    ("nul-message-body", "CreateMessage", {"body": {**MESSAGE, "Body": "\x00"}}),
    ("nul-key-sid", "FetchKey", {"path_parameters": {"Sid": "SK\x00"}}),
    # An unbounded integer option beyond 64 bits, recorded on the message: both backends.
    ("huge-attempt", "CreateMessage", {"body": {**MESSAGE, "Attempt": 2**64}}),
    # Date filters at the edges of Python's datetime range: both backends.
    ("date-day-after-9999-12-31", "ListMessage", {"query": {"DateSent": "9999-12-31"}}),
    ("date-second-after-max", "ListMessage",
     {"query": {"DateSent>": "9999-12-31T23:59:59Z"}}),
    ("date-before-min-in-utc", "ListMessage",
     {"query": {"DateSent<": "0001-01-01T00:00:00+01:00"}}),
]


@pytest.mark.parametrize(("op_id", "data"), [(op, data) for _, op, data in REGRESSIONS],
                         ids=[name for name, _, _ in REGRESSIONS])
def test_fuzz_regression(op_id: str, data: dict[str, Any], live: LiveServer,
                         fuzz_account: Owned, fuzz_http: requests.Session,
                         validator: ResponseValidator) -> None:
    spec_op = load_v2010().operations[op_id]
    operation = schema[spec_op.path][spec_op.method]
    path_parameters = {name: name[:2].upper() + "0" * 32 for name in spec_op.path_params}
    path_parameters.update(data.get("path_parameters", {}))
    case = operation.Case(path_parameters=path_parameters, query=data.get("query"),
                          body=data.get("body", NOT_SET))
    _send(case, live, fuzz_account, fuzz_http, validator)
