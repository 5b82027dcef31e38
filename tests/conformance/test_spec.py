"""callbox against the official spec: the committed generated code has not drifted, every
operation has one routable stub, implemented handlers keep the stub's signature, and the
suite's responses really are checked against the spec."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import callbox.api.v2010._generated as generated
from callbox.api.router import Router, split_format
from callbox.api.v2010 import OPERATIONS, V2010Api, V2010Provider, implemented
from callbox.core.errors import NotImplementedOperation
from callbox.spec import load_v2010
from callbox.spec.codegen import generate_v2010, snake
from tests.support.schema import ResponseValidator
from tests.support.server import ACCOUNT_SID

SERVED = {
    "CreateMessage", "FetchMessage", "ListMessage", "UpdateMessage", "DeleteMessage",
    "ListMedia", "FetchMedia", "DeleteMedia", "CreateMessageFeedback",
    "ListAccount", "CreateAccount", "FetchAccount", "UpdateAccount",
    "CreateNewKey", "ListKey", "FetchKey", "UpdateKey", "DeleteKey",
}


_VALIDATING_FIXTURES = {"client", "main_client", "http"}


@pytest.fixture(scope="session", autouse=True)
def _responses_were_validated(request: pytest.FixtureRequest,
                              validator: ResponseValidator) -> Iterator[None]:
    """At the end of the session, the validator must have seen responses: a suite whose
    spec checks silently stopped running would otherwise pass. (Only when the session ran
    tests that talk to the server through the validating fixtures.)"""
    yield
    talking = [item for item in request.session.items
               if _VALIDATING_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if talking:
        assert validator.checked > 0, (
            f"{len(talking)} tests used the validating clients, yet no response was "
            "validated against the spec this session"
        )


# generated code ----------------------------------------------------------------------------------
def test_generated_module_matches_the_spec() -> None:
    committed = Path(generated.__file__).read_text()
    fresh = generate_v2010(load_v2010())
    assert committed == fresh, (
        "callbox/api/v2010/_generated.py has drifted from the spec: run `python -m callbox gen`"
    )


def test_operations_cover_the_spec_exactly() -> None:
    spec = load_v2010()
    assert set(OPERATIONS) == set(spec.operations)
    assert len(OPERATIONS) > 100
    for op_id, name in OPERATIONS.items():
        assert name == snake(op_id)


def test_operation_snake_names_are_unique() -> None:
    names = list(OPERATIONS.values())
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes
    assert all(name.isidentifier() for name in names)


def test_every_operation_has_an_async_stub() -> None:
    for op_id, name in OPERATIONS.items():
        stub = getattr(V2010Api, name, None)
        assert stub is not None, op_id
        assert inspect.iscoroutinefunction(stub), op_id
        assert list(inspect.signature(stub).parameters) == ["self", "ctx"], op_id


async def test_stub_raises_not_implemented() -> None:
    with pytest.raises(NotImplementedOperation) as info:
        await V2010Api().list_call(None)  # type: ignore[arg-type]
    assert (info.value.status, info.value.code) == (501, 20501)
    assert "ListCall" in info.value.message


# implemented handlers -------------------------------------------------------------------------
def test_implemented_includes_the_served_operations() -> None:
    done = implemented()
    missing = SERVED - done
    assert not missing, f"not implemented: {sorted(missing)}"
    assert done <= set(OPERATIONS)
    assert "ListCall" not in done  # a stub is not an implementation


def test_implemented_signatures_match_the_stubs() -> None:
    for op_id in implemented():
        name = OPERATIONS[op_id]
        impl = getattr(V2010Provider, name)
        stub = getattr(V2010Api, name)
        assert impl is not stub
        assert inspect.iscoroutinefunction(impl), f"{op_id}: {name} must be async"
        impl_params = [(p.name, p.kind) for p in inspect.signature(impl).parameters.values()]
        stub_params = [(p.name, p.kind) for p in inspect.signature(stub).parameters.values()]
        assert impl_params == stub_params, f"{op_id}: {impl_params} != {stub_params}"
        assert [n for n, _ in impl_params] == ["self", "ctx"], op_id


# routing -----------------------------------------------------------------------------------------
def _fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    return path


def test_every_spec_operation_is_routable() -> None:
    spec = load_v2010()
    router = Router(spec)
    failures = []
    for op in spec.operations.values():
        values = {name: f"PV{i}{name}" for i, name in enumerate(op.path_params)}
        for ext in (".json", ".xml", ".csv", ".html", ""):
            concrete = _fill(op.path, values)
            concrete = concrete[: -len(".json")] + ext if concrete.endswith(".json") else concrete
            base, fmt, given = split_format(concrete)
            assert given == ext
            match = router.match(base)
            if match is None or match.methods.get(op.method) is not op:
                failures.append(f"{op.method} {concrete} ({op.operation_id})")
                continue
            if match.params != values:
                failures.append(f"{op.operation_id}: params {match.params} != {values}")
    assert not failures, failures[:20]


def test_router_rejects_unknown_paths() -> None:
    router = Router(load_v2010())
    assert router.match("/2010-04-01/Accounts/AC1/Nope") is None
    assert router.match("/2010-04-01/Nope") is None
    assert router.match("/2010-04-01/Accounts/AC1/Messages/SM1/Media/ME1/Extra") is None
    assert router.match("/2010-04-01/Accounts//Messages") is None
    match = router.match("/2010-04-01/Accounts/AC1/Messages/SM1")
    assert match is not None and set(match.methods) == {"GET", "POST", "DELETE"}
    assert match.params == {"AccountSid": "AC1", "Sid": "SM1"}


# the validator itself ------------------------------------------------------------------------------
def test_validator_checks_live_responses(main_client: Client,
                                         validator: ResponseValidator) -> None:
    before = validator.checked
    main_client.api.v2010.accounts(ACCOUNT_SID).fetch()
    main_client.messages.list(limit=1)
    with pytest.raises(TwilioRestException):
        main_client.messages("SM" + "0" * 32).fetch()
    assert validator.checked >= before + 3


def test_validator_rejects_off_spec_bodies(validator: ResponseValidator) -> None:
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    bad: list[tuple[str, int, Any]] = [
        ("GET", 400, {"code": "21211", "message": "x", "more_info": "y", "status": 400}),
        ("GET", 200, {"messages": [], "page": "zero"}),
        ("GET", 200, {"messages": [], "extra_key": 1}),
        ("POST", 200, {"sid": "SM" + "0" * 32}),  # CreateMessage answers 201
    ]
    for method, status, body in bad:
        with pytest.raises(Exception):  # noqa: B017 - jsonschema or assertion error
            validator.validate(method, path, status, body)
