"""The Communications API's OpenAPI document, offline: it is well formed, `/v1` and
`/preview` describe the same API, and its response schemas accept what the API returns and
refuse what it must not."""

from __future__ import annotations

import copy
import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

from tests.api.sim.openapi_check import OpenApiValidator


def _load() -> ModuleType:
    try:
        return importlib.import_module("callbox.api.comms_v1.openapi")
    except Exception:  # the package's __init__ may not exist (or import) yet
        path = Path(__file__).parents[3] / "callbox" / "api" / "comms_v1" / "openapi.py"
        spec = importlib.util.spec_from_file_location("_comms_v1_openapi", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


DOCUMENT: dict[str, Any] = _load().DOCUMENT
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

MESSAGE_ID = "comms_message_01jkz3q4r5s6t7v8w9x0y1z2ab"
OPERATION_ID = "comms_operation_01jkz3q4r5s6t7v8w9x0y1z2ac"
AUDIENCE_ID = "comms_audience_7zzzzzzzzzzzzzzzzzzzzzzzzz"
SESSION_ID = "comms_session_00000000000000000000000000"
SID = "SM" + "0" * 31 + "1"
NOW = "2026-11-24T10:00:00.123Z"


def _valid(name: str, instance: Any) -> bool:
    root = {**SCHEMAS[name], "components": DOCUMENT["components"]}
    return jsonschema.Draft202012Validator(root).is_valid(instance)


def _errors(name: str, instance: Any) -> list[str]:
    root = {**SCHEMAS[name], "components": DOCUMENT["components"]}
    return [e.message for e in jsonschema.Draft202012Validator(root).iter_errors(instance)]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


# examples -------------------------------------------------------------------------------------
def message(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": MESSAGE_ID,
        "from": {"address": "+15005550006", "channel": "SMS"},
        "to": [{"address": "+14155550100", "channel": "PHONE"}],
        "content": {"text": "Ahoy!", "media": [{"url": "https://example.com/a.png"}]},
        "status": "QUEUED",
        "error": None,
        "related": [
            {"name": "message", "id": SID,
             "uri": f"/2010-04-01/Accounts/AC{'0' * 32}/Messages/{SID}.json"},
            {"name": "session", "id": SESSION_ID, "uri": f"/v1/Sessions/{SESSION_ID}"},
        ],
        "tags": {},
        "scheduledFor": None,
        "createdAt": NOW,
        "updatedAt": NOW,
        "deletedAt": None,
    }
    body.update(changes)
    return body


STATS = {"total": 2, "recipients": 3, "attempts": 1, "unaddressable": 1, "queued": 1,
         "sent": 1, "scheduled": 0, "delivered": 0, "read": 0, "undelivered": 0, "failed": 0,
         "canceled": 0}


def operation(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": OPERATION_ID, "status": "PROCESSING", "stats": dict(STATS),
                            "tags": {"campaign": "spring"}, "createdAt": NOW, "updatedAt": NOW}
    body.update(changes)
    return body


def audience(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": AUDIENCE_ID, "name": "Customers", "description": None,
                            "tags": {}, "memberCount": 2, "createdAt": NOW, "updatedAt": NOW}
    body.update(changes)
    return body


def member(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"address": "whatsapp:+14155550100", "channel": "WHATSAPP",
                            "variables": {"name": "Ada"}, "createdAt": NOW}
    body.update(changes)
    return body


def pagination(last: bool = False) -> dict[str, Any]:
    return {"self": "WzAsIiIsMF0", "next": None if last else "WzE3LCJTTTEiLDBd",
            "previous": None, "selfUrl": "/v1/Messages?pageSize=50&pageToken=WzAsIiIsMF0",
            "nextUrl": None if last else "/v1/Messages?pageSize=50&pageToken=WzE3LCJTTTEiLDBd",
            "previousUrl": None}


ERRORS = {"errors": [
    {"code": 21604, "message": "to is required", "field": "to",
     "more_info": "https://www.twilio.com/docs/errors/21604"},
    {"code": 20003, "message": "Authenticate", "field": None,
     "more_info": "https://www.twilio.com/docs/errors/20003"},
]}


# the document ---------------------------------------------------------------------------------
def test_document_header() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    assert DOCUMENT["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    assert DOCUMENT["security"] == [{"basic": []}]
    assert DOCUMENT["components"]["securitySchemes"]["basic"] == {
        **DOCUMENT["components"]["securitySchemes"]["basic"], "type": "http",
        "scheme": "basic"}


def test_every_schema_compiles() -> None:
    for name, schema in SCHEMAS.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator({**schema, "components": DOCUMENT["components"]})
        assert name


def test_every_ref_resolves_and_operation_ids_are_unique() -> None:
    for ref in _refs(DOCUMENT):
        target: Any = DOCUMENT
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, ref
            target = target[part]
    op_ids = [op["operationId"] for item in DOCUMENT["paths"].values()
              for method, op in item.items() if method in METHODS]
    assert len(op_ids) == len(set(op_ids))


def test_v1_and_preview_are_the_same_api() -> None:
    paths = DOCUMENT["paths"]
    v1 = {p.removeprefix("/v1") for p in paths if p.startswith("/v1/")}
    preview = {p.removeprefix("/preview") for p in paths if p.startswith("/preview/")}
    assert v1 == preview
    assert len(v1) + len(preview) == len(paths)
    assert v1 == {"/Messages", "/Messages/{id}", "/Messages/Operations",
                  "/Messages/Operations/{id}", "/Messages/Operations/{id}/Cancel",
                  "/Sessions/{id}", "/Audiences", "/Audiences/{id}", "/Audiences/{id}/Members",
                  "/openapi.json"}
    for path in v1:
        one, two = paths["/v1" + path], paths["/preview" + path]
        assert set(one) == set(two)
        for key in one:
            if key not in METHODS:
                assert one[key] is two[key]
                continue
            assert two[key]["operationId"] == "Preview" + one[key]["operationId"]
            for field in set(one[key]) - {"operationId"}:
                assert one[key][field] is two[key][field], (path, key, field)


def test_methods_per_path() -> None:
    methods = {path: {m for m in item if m in METHODS}
               for path, item in DOCUMENT["paths"].items() if path.startswith("/v1/")}
    assert methods == {
        "/v1/Messages": {"get", "post"},
        "/v1/Messages/{id}": {"get", "post", "patch"},
        "/v1/Messages/Operations": {"get"},
        "/v1/Messages/Operations/{id}": {"get"},
        "/v1/Messages/Operations/{id}/Cancel": {"post"},
        "/v1/Sessions/{id}": {"get"},
        "/v1/Audiences": {"get", "post"},
        "/v1/Audiences/{id}": {"get", "post", "patch", "delete"},
        "/v1/Audiences/{id}/Members": {"get", "post"},
        "/v1/openapi.json": {"get"},
    }


def test_the_test_validator_picks_the_right_template() -> None:
    validator = OpenApiValidator(DOCUMENT)
    for prefix in ("/v1", "/preview"):
        cases = {
            f"{prefix}/Messages": f"{prefix}/Messages",
            f"{prefix}/Messages/Operations": f"{prefix}/Messages/Operations",
            f"{prefix}/Messages/{MESSAGE_ID}": f"{prefix}/Messages/{{id}}",
            f"{prefix}/Messages/Operations/{OPERATION_ID}/Cancel":
                f"{prefix}/Messages/Operations/{{id}}/Cancel",
            f"{prefix}/Audiences/{AUDIENCE_ID}/Members": f"{prefix}/Audiences/{{id}}/Members",
        }
        for path, template in cases.items():
            assert validator.operation("GET", path)[0] == template
    assert validator.operation("GET", "/v1/Nope") == (None, None)
    for status in (400, 401, 404, 405, 413, 415, 500, 503):
        assert f"E{status}" in DOCUMENT["components"]["responses"]


def test_every_operation_lists_its_responses() -> None:
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            responses = op["responses"]
            assert responses["default"] == {"$ref": "#/components/responses/E500"}
            assert "503" in responses
            if not path.endswith("/openapi.json"):
                assert "401" in responses, (method, path)
                assert "security" not in op
            if "{id}" in path:
                assert "404" in responses, (method, path)
            if "requestBody" in op:
                assert {"400", "413", "415"} <= set(responses), (method, path)
            for response in responses.values():
                spec = response
                if "$ref" in response:
                    spec = DOCUMENT["components"]["responses"][
                        response["$ref"].rsplit("/", 1)[1]]
                assert "Twilio-Request-Id" in spec["headers"]
    paths = DOCUMENT["paths"]
    send = paths["/v1/Messages"]["post"]["responses"]
    assert set(send["202"]["headers"]) == {
        "Twilio-Request-Id", "operation-id", "operation-location", "resource-location",
        "X-Twilio-Operation-Id", "X-Twilio-Resource-Location"}
    assert "404" in send
    assert "201" in paths["/v1/Audiences"]["post"]["responses"]
    deleted = paths["/v1/Audiences/{id}"]["delete"]["responses"]["204"]
    assert "content" not in deleted
    assert paths["/v1/openapi.json"]["get"]["security"] == []


# response bodies ------------------------------------------------------------------------------
def test_messages_validate() -> None:
    assert _errors("Message", message()) == []
    related = [{"name": "operation", "id": OPERATION_ID,
                "uri": f"/v1/Messages/Operations/{OPERATION_ID}"}, *message()["related"]]
    assert _errors("Message", message(related=related, status="SCHEDULED",
                                      scheduledFor=NOW, tags={"campaign": "spring"})) == []
    assert _errors("Message", message(status="UNDELIVERED",
                                      error={"code": 30003, "message": "Unreachable"})) == []
    assert _errors("Message", message(status="INBOUND", content={"text": None, "media": []},
                                      **{"from": {"address": "whatsapp:+14155550100",
                                                  "channel": "WHATSAPP"}})) == []


@pytest.mark.parametrize("changes", [
    {"id": "comms_message_81jkz3q4r5s6t7v8w9x0y1z2ab"},        # first character over 7
    {"id": "comms_message_01jkz3q4r5s6t7v8w9x0y1z2au"},        # u is not Crockford
    {"id": "comms_operation_01jkz3q4r5s6t7v8w9x0y1z2ab"},      # wrong type
    {"id": SID},
    {"status": "queued"},
    {"status": "RECEIVED"},
    {"extra": 1},
    {"deletedAt": NOW},
    {"createdAt": "2026-11-24T10:00:00Z"},                    # no milliseconds
    {"to": []},
    {"to": [{"address": "+1", "channel": "PHONE"}] * 2},
    {"to": [{"address": "+14155550100", "channel": "SMS"}]},
    {"from": {"address": "+15005550006", "channel": "PHONE"}},
    {"content": {"text": "x"}},
    {"error": {"code": "30003", "message": "x"}},
    {"related": [{"name": "session", "id": OPERATION_ID, "uri": "/v1/Sessions/x"}]},
    {"tags": {f"k{i}": "v" for i in range(11)}},
    {"tags": {"": "v"}},
    {"tags": {"k": "v" * 129}},
])
def test_bad_messages_do_not_validate(changes: dict[str, Any]) -> None:
    assert not _valid("Message", message(**changes))


def test_missing_field_does_not_validate() -> None:
    for name, example in (("Message", message()), ("Operation", operation()),
                          ("Audience", audience()), ("Member", member())):
        for key in example:
            partial = {k: v for k, v in example.items() if k != key}
            assert not _valid(name, partial), (name, key)


def test_operations_validate() -> None:
    assert _errors("Operation", operation()) == []
    for status in ("SCHEDULED", "COMPLETED", "CANCELED"):
        assert _valid("Operation", operation(status=status))
    assert not _valid("Operation", operation(status="QUEUED"))
    assert not _valid("Operation", operation(id="comms_operation_short"))
    for key in STATS:
        broken = copy.deepcopy(operation())
        del broken["stats"][key]
        assert not _valid("Operation", broken), key
        broken["stats"][key] = -1
        assert not _valid("Operation", broken), key
    assert not _valid("Operation", operation(stats={**STATS, "more": 0}))


def test_audiences_and_members_validate() -> None:
    assert _errors("Audience", audience()) == []
    assert _valid("Audience", audience(description="All of them", tags={"k": ""}))
    assert not _valid("Audience", audience(name=""))
    assert not _valid("Audience", audience(id="comms_session_00000000000000000000000000"))
    assert not _valid("Audience", audience(memberCount=-1))
    assert _errors("Member", member()) == []
    assert _valid("Member", member(address="+14155550100", channel="PHONE", variables={}))
    assert not _valid("Member", member(channel="SMS"))
    assert not _valid("Member", member(variables={"n": 1}))
    assert _errors("MembersChange", {"added": 2, "removed": 0, "memberCount": 2}) == []
    assert not _valid("MembersChange", {"added": 2, "removed": 0})


def test_list_envelopes_validate() -> None:
    assert _errors("MessagePage", {"messages": [message()], "pagination": pagination()}) == []
    assert _errors("OperationPage", {"operations": [operation()],
                                     "pagination": pagination(True)}) == []
    assert _errors("AudiencePage", {"audiences": [], "pagination": pagination(True)}) == []
    assert _errors("MemberPage", {"members": [member()], "pagination": pagination()}) == []
    assert not _valid("MessagePage", {"items": [], "pagination": pagination()})
    assert not _valid("MessagePage", {"messages": [operation()], "pagination": pagination()})
    broken = pagination()
    del broken["previousUrl"]
    assert not _valid("AudiencePage", {"audiences": [], "pagination": broken})


def test_errors_body_validates() -> None:
    assert _errors("Errors", ERRORS) == []
    assert not _valid("Errors", {"errors": []})
    assert not _valid("Errors", {"code": 20003, "message": "x", "more_info": "x",
                                 "status": 401})
    one = ERRORS["errors"][0]
    assert not _valid("Errors", {"errors": [{k: v for k, v in one.items() if k != "field"}]})
    assert not _valid("Errors", {"errors": [{**one, "status": 400}]})
    for status in (400, 401, 404, 405, 413, 415, 500, 503):
        spec = DOCUMENT["components"]["responses"][f"E{status}"]
        schema = spec["content"]["application/json"]["schema"]
        OpenApiValidator(DOCUMENT).validate_body(schema, ERRORS)


# request bodies -------------------------------------------------------------------------------
def test_request_bodies() -> None:
    send = {"from": {"address": "+15005550006", "channel": "SMS"},
            "to": [{"address": "+14155550100", "channel": "PHONE", "variables": {"n": "Ada"}},
                   {"audienceId": AUDIENCE_ID}],
            "content": {"text": "Hi {{name}}", "media": [{"url": "https://x.test/a.png"},
                                                          "https://x.test/b.png"],
                        "defaultVariables": {"name": "there"}},
            "tags": {"campaign": "spring"}, "sendAt": NOW,
            "statusCallback": "https://example.com/status"}
    assert _errors("SendMessagesRequest", send) == []
    assert not _valid("SendMessagesRequest", {**send, "to": []})
    assert not _valid("SendMessagesRequest", {**send, "content": {}})
    assert not _valid("SendMessagesRequest", {**send, "unknown": 1})
    assert not _valid("SendMessagesRequest", {**send, "to": [{"audienceId": AUDIENCE_ID,
                                                               "address": "+1"}]})
    assert _errors("CreateAudienceRequest", {"name": "A", "members": [
        {"address": "+14155550100", "channel": "PHONE", "variables": {}}]}) == []
    assert not _valid("CreateAudienceRequest", {"description": "no name"})
    assert _errors("UpdateAudienceRequest", {"description": None}) == []
    assert _errors("UpdateMembersRequest", {"add": [{"address": "+14155550100"}],
                                            "remove": ["+14155550101"]}) == []
