"""POST /v1/Messages end to end: 202 with the operation headers, the fan-out through the
simulated carrier, Operations with exact stats, the Messages views (filters, paging,
related resources, tags), cancel, validation errors, the /preview alias, and the same
messages through the 2010 API with the official twilio client."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from callbox.core.comms_ids import message_id
from tests.api.comms_v1.conftest import SENDER
from tests.support.handsets import REFUSED, STAYS_QUEUED, UNREACHABLE
from tests.support.receiver import Receiver


def send(comms: httpx.Client, to: list[dict[str, Any]], text: str = "Ahoy!",
         prefix: str = "/v1", **extra: Any) -> httpx.Response:
    body = {"from": {"address": SENDER, "channel": "SMS"}, "to": to,
            "content": {"text": text}, **extra}
    return comms.post(f"{prefix}/Messages", json=body)


def phones(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"address": f"+1415555{i:04d}", "channel": "PHONE"} for i in range(start, start + n)]


def wait_status(comms: httpx.Client, op: str, statuses: tuple[str, ...] = ("COMPLETED",),
                timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = comms.get(f"/v1/Messages/Operations/{op}").json()
        if body["status"] in statuses or time.monotonic() > deadline:
            return body  # type: ignore[no-any-return]
        time.sleep(0.05)


def all_messages(comms: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    query = {"pageSize": 1000, **params}
    while True:
        page = comms.get("/v1/Messages", params=query).json()
        out += page["messages"]
        if page["pagination"]["next"] is None:
            return out
        query = {**query, "pageToken": page["pagination"]["next"]}


def test_one_recipient_202_then_completed_and_visible_in_2010(comms: httpx.Client,
                                                              client: Client) -> None:
    r = send(comms, [{"address": "+14155550100", "channel": "PHONE"}], tags={"team": "a"})
    assert r.status_code == 202
    op = r.json()
    assert op["status"] in ("PROCESSING", "COMPLETED")
    assert r.headers["operation-id"] == op["id"] == r.headers["x-twilio-operation-id"]
    assert r.headers["operation-location"] == f"/v1/Messages/Operations/{op['id']}"
    assert r.headers["resource-location"] == f"/v1/Messages?operationId={op['id']}"
    assert r.headers["x-twilio-resource-location"] == r.headers["resource-location"]
    assert op["stats"]["recipients"] == 1 and op["tags"] == {"team": "a"}
    done = wait_status(comms, op["id"])
    assert done["status"] == "COMPLETED"
    assert done["stats"] == {"total": 1, "recipients": 1, "attempts": 1, "unaddressable": 0,
                             "queued": 0, "sent": 0, "scheduled": 0, "delivered": 1, "read": 0,
                             "undelivered": 0, "failed": 0, "canceled": 0}
    (message,) = all_messages(comms, operationId=op["id"])
    assert message["status"] == "DELIVERED" and message["tags"] == {"team": "a"}
    assert message["to"] == [{"address": "+14155550100", "channel": "PHONE"}]
    related = {r["name"]: r for r in message["related"]}
    assert related["operation"]["id"] == op["id"]
    sid = related["message"]["id"]
    # the same message through the 2010 API, with the official client
    m = client.messages(sid).fetch()
    assert (m.status, m.to, m.from_, m.body) == ("delivered", "+14155550100", SENDER, "Ahoy!")
    assert comms.get(related["message"]["uri"].removesuffix(".json") + ".json").status_code == 200
    # and fetched by its comms id, which is the same 128 bits as the sid
    fetched = comms.get(f"/v1/Messages/{message['id']}").json()
    assert fetched == message
    assert message_id(sid) == message["id"]  # one identity, two spellings
    # a 2010 message is visible through /v1 too
    sent = client.messages.create(to="+14155550101", from_=SENDER, body="from 2010")
    ids = {m["related"][0]["id"] for m in all_messages(comms)}
    assert sent.sid in ids


def test_bulk_fan_out_counts_unaddressable_and_failures_exactly(comms: httpx.Client) -> None:
    to = phones(1500)
    to += [{"address": "+1415", "channel": "PHONE"},  # not a number: unaddressable
           {"address": "+14155550001", "channel": "WHATSAPP"},  # channel mismatch
           {"address": "+14155550000", "channel": "PHONE"},  # a duplicate of to[0]
           {"address": "+15005550002"},  # Twilio's magic 'unreachable' To: failed 21612
           {"address": UNREACHABLE}, {"address": REFUSED}]
    r = send(comms, to)
    assert r.status_code == 202, r.text
    assert r.json()["stats"]["recipients"] == 1506
    done = wait_status(comms, r.json()["id"])
    stats = done["stats"]
    assert done["status"] == "COMPLETED", done
    assert stats["recipients"] == 1506 and stats["unaddressable"] == 3
    assert stats["total"] == 1503
    assert (stats["delivered"], stats["undelivered"], stats["failed"]) == (1500, 1, 2)
    assert stats["attempts"] == 1502  # the 21612 refusal never reached the carrier
    # the list counts the same (all of a page's operations in one query)
    small = wait_status(comms, send(comms, phones(2, 2000)).json()["id"])
    listed = {op["id"]: op for op in
              comms.get("/v1/Messages/Operations").json()["operations"]}
    assert listed[done["id"]] == comms.get(f"/v1/Messages/Operations/{done['id']}").json()
    assert listed[small["id"]]["stats"]["delivered"] == 2
    messages = all_messages(comms, operationId=done["id"])
    assert len(messages) == 1503
    assert len({m["to"][0]["address"] for m in messages}) == 1503
    failed = {m["to"][0]["address"]: m["error"]["code"] for m in messages
              if m["status"] == "FAILED"}
    assert failed == {"+15005550002": 21612, REFUSED: 30008}
    undelivered = [m for m in messages if m["status"] == "UNDELIVERED"]
    assert undelivered[0]["error"]["code"] == 30003
    # filters: status, and the invalid channel of the seed's example
    assert len(all_messages(comms, operationId=done["id"], status="FAILED")) == 2
    bad = comms.get("/v1/Messages", params={"channel": "CARRIER_PIGEON"})
    assert bad.status_code == 400
    (error,) = bad.json()["errors"]
    assert error["code"] == 20001 and error["field"] == "channel"
    assert error["more_info"].endswith("/20001")


def test_templating_with_variables_and_defaults(comms: httpx.Client) -> None:
    to = [{"address": "+14155550200", "variables": {"name": "Ada"}},
          {"address": "+14155550201"}]
    body = {"from": {"address": SENDER}, "to": to,
            "content": {"text": "Hi {{ name }}, code {{code}}!",
                        "defaultVariables": {"name": "there", "code": "7"}}}
    r = comms.post("/v1/Messages", json=body)
    assert r.status_code == 202
    wait_status(comms, r.json()["id"])
    texts = sorted(m["content"]["text"] for m in all_messages(comms, operationId=r.json()["id"]))
    assert texts == ["Hi Ada, code 7!", "Hi there, code 7!"]


def test_preview_is_the_same_api(comms: httpx.Client) -> None:
    r = send(comms, phones(2), prefix="/preview")
    assert r.status_code == 202
    op = r.json()["id"]
    assert r.headers["operation-location"] == f"/preview/Messages/Operations/{op}"
    wait_status(comms, op)
    a = comms.get(f"/preview/Messages/Operations/{op}").json()
    b = comms.get(f"/v1/Messages/Operations/{op}").json()
    assert a == b and a["status"] == "COMPLETED"
    listed = comms.get("/preview/Messages/Operations").json()["operations"]
    assert [o["id"] for o in listed] == [op]


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"to": [{"address": "+14155550100"}], "content": {"text": "x"}}, 21603, "from"),
    ({"from": {"address": SENDER}, "content": {"text": "x"}}, 21604, "to"),
    ({"from": {"address": SENDER}, "to": [], "content": {"text": "x"}}, 21604, "to"),
    ({"from": {"address": SENDER}, "to": [{"address": "+14155550100"}]}, 21602, "content"),
    ({"from": {"address": SENDER}, "to": [{"address": "+14155550100"}],
      "content": {"text": "  "}}, 21602, "content.text"),
    ({"from": {"address": SENDER, "channel": "FAX"}, "to": [{"address": "+14155550100"}],
      "content": {"text": "x"}}, 20001, "from.channel"),
    ({"from": {"address": SENDER}, "to": [{"address": "+14155550100", "channel": "EMAIL"}],
      "content": {"text": "x"}}, 20001, "to[0].channel"),
    ({"from": {"address": "not a sender!"}, "to": [{"address": "+14155550100"}],
      "content": {"text": "x"}}, 21212, "from.address"),
    ({"from": {"address": SENDER}, "to": [{"address": "+14155550100"}],
      "content": {"text": "x" * 1601}}, 21617, "content.text"),
    ({"from": {"address": SENDER}, "to": [{"address": "+14155550100"}],
      "content": {"text": "x"}, "tags": {f"k{i}": "v" for i in range(11)}}, 20001, "tags"),
    ({"from": {"address": SENDER}, "to": [{"address": "+14155550100"}],
      "content": {"text": "x"}, "tags": {"k": "v" * 129}}, 20001, "tags.k"),
    ({"from": {"address": SENDER}, "to": [{"address": "+14155550100"}],
      "content": {"text": "x"}, "colour": "red"}, 20001, "colour"),
    ({"from": {"address": SENDER}, "to": [{"address": "+14155550100"}],
      "content": {"text": "x"}, "sendAt": "2020-01-01T00:00:00Z"}, 35114, "sendAt"),
    ({"from": {"address": "+14155559999"}, "to": [{"address": "+14155550100"}],
      "content": {"text": "x"}}, 21606, "from.address"),
])
def test_validation_errors_array_and_nothing_written(comms: httpx.Client, body: dict[str, Any],
                                                     code: int, field: str) -> None:
    r = comms.post("/v1/Messages", json=body)
    assert r.status_code == 400, r.text
    errors = r.json()["errors"]
    assert any(e["code"] == code and e["field"] == field for e in errors), errors
    assert comms.get("/v1/Messages/Operations").json()["operations"] == []


def test_too_many_recipients_and_every_problem_reported(comms: httpx.Client) -> None:
    r = send(comms, phones(10_001))
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "to"
    body = {"from": {"address": SENDER, "channel": "PIGEON"}, "to": [{"channel": "PHONE"}],
            "content": {"text": ""}}
    fields = {e["field"] for e in comms.post("/v1/Messages", json=body).json()["errors"]}
    assert {"from.channel", "to[0].address", "content.text"} <= fields
    assert comms.post("/v1/Messages", content=b"{", headers={
        "content-type": "application/json"}).status_code == 400
    assert comms.post("/v1/Messages", data={"from": "x"}).status_code == 415
    assert comms.get("/v1/Messages/Operations").json()["operations"] == []


def test_cancel_a_scheduled_operation(comms: httpx.Client) -> None:
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = send(comms, phones(30), sendAt=at)
    assert r.status_code == 202
    op = r.json()["id"]
    scheduled = wait_status(comms, op, ("SCHEDULED",))
    deadline = time.monotonic() + 10
    while scheduled["stats"]["scheduled"] != 30 or len(all_messages(comms, operationId=op)) < 30:
        assert time.monotonic() < deadline
        scheduled = comms.get(f"/v1/Messages/Operations/{op}").json()
    assert scheduled["status"] == "SCHEDULED"
    messages = all_messages(comms, operationId=op)
    assert {m["status"] for m in messages} == {"SCHEDULED"}
    assert all(m["scheduledFor"] for m in messages)
    canceled = comms.post(f"/v1/Messages/Operations/{op}/Cancel")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "CANCELED"
    assert canceled.json()["stats"]["canceled"] == 30
    assert {m["status"] for m in all_messages(comms, operationId=op)} == {"CANCELED"}
    # again: still canceled
    assert comms.post(f"/v1/Messages/Operations/{op}/Cancel").json()["status"] == "CANCELED"


def test_cancel_stops_queued_messages_and_a_completed_one_is_refused(
        comms: httpx.Client) -> None:
    r = send(comms, [{"address": STAYS_QUEUED}, {"address": "+14155550300"}])
    op = r.json()["id"]
    deadline = time.monotonic() + 10
    while True:
        stats = comms.get(f"/v1/Messages/Operations/{op}").json()["stats"]
        if stats["delivered"] == 1:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    body = comms.post(f"/v1/Messages/Operations/{op}/Cancel").json()
    assert body["status"] == "CANCELED"
    assert (body["stats"]["canceled"], body["stats"]["delivered"]) == (1, 1)
    r = send(comms, phones(1))
    done = wait_status(comms, r.json()["id"])
    refused = comms.post(f"/v1/Messages/Operations/{done['id']}/Cancel")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == 30409


def test_tags_filter_paging_and_previous(comms: httpx.Client) -> None:
    a = send(comms, phones(5), tags={"campaign": "spring", "region": "EMEA"}).json()["id"]
    b = send(comms, phones(3, 100), tags={"campaign": "autumn"}).json()["id"]
    wait_status(comms, a)
    wait_status(comms, b)
    assert len(all_messages(comms, tags="campaign:spring;")) == 5
    assert len(all_messages(comms, tags="campaign:spring;region:EMEA;")) == 5
    assert len(all_messages(comms, tags="campaign:autumn")) == 3
    assert all_messages(comms, tags="campaign:spring;region:APAC;") == []
    assert comms.get("/v1/Messages", params={"tags": "no pairs"}).status_code == 400
    # 8 messages, pages of 3: forward, then back with `previous`
    first = comms.get("/v1/Messages", params={"pageSize": 3}).json()
    second = comms.get("/v1/Messages", params={"pageSize": 3,
                                               "pageToken": first["pagination"]["next"]}).json()
    third = comms.get(second["pagination"]["nextUrl"]).json()
    assert [len(p["messages"]) for p in (first, second, third)] == [3, 3, 2]
    assert third["pagination"]["next"] is None
    assert first["pagination"]["previous"] is None
    back = comms.get("/v1/Messages", params={"page_size": 3,
                                             "page_token": second["pagination"]["previous"]})
    assert back.json()["messages"] == first["messages"]
    ids = [m["id"] for p in (first, second, third) for m in p["messages"]]
    assert len(set(ids)) == 8
    again = comms.get(second["pagination"]["selfUrl"]).json()
    assert again["messages"] == second["messages"]
    for size in ("0", "1001", "x"):
        assert comms.get("/v1/Messages", params={"pageSize": size}).status_code == 400
    assert comms.get("/v1/Messages", params={"pageToken": "garbage!"}).status_code == 400
    assert comms.get("/v1/Messages", params={"color": "red"}).status_code == 400


def test_a_message_s_tags_are_writable(comms: httpx.Client, client: Client) -> None:
    op = send(comms, phones(2, 700), tags={"campaign": "winter"}).json()["id"]
    wait_status(comms, op)
    first, second = all_messages(comms, operationId=op)
    url = f"/v1/Messages/{first['id']}"
    r = comms.patch(url, json={"tags": {"campaign": "winter", "reply": "yes"}})
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == {"campaign": "winter", "reply": "yes"}
    assert r.json()["updatedAt"] >= first["updatedAt"]
    assert comms.get(url).json()["tags"] == {"campaign": "winter", "reply": "yes"}
    assert [m["id"] for m in all_messages(comms, tags="reply:yes")] == [first["id"]]
    assert len(all_messages(comms, tags="campaign:winter")) == 2
    # POST does the same; {} clears them
    assert comms.post(url, json={"tags": {}}).json()["tags"] == {}
    assert all_messages(comms, tags="reply:yes") == []
    # refused whole: nothing changes
    for body, field in [({"tags": {f"k{i}": "v" for i in range(11)}}, "tags"),
                        ({"tags": {"k": "v" * 129}}, "tags.k"),
                        ({"tags": {"k": 1}}, "tags.k"),
                        ({"tags": {"k": "v"}, "status": "READ"}, "status"),
                        ({}, "tags")]:
        bad = comms.patch(f"/v1/Messages/{second['id']}", json=body)
        assert bad.status_code == 400, body
        assert bad.json()["errors"][0]["field"] == field
    assert comms.get(f"/v1/Messages/{second['id']}").json()["tags"] == {"campaign": "winter"}
    assert comms.patch(f"/v1/Messages/{second['id']}", content=b"tags=x",
                       headers={"content-type": "application/x-www-form-urlencoded"}
                       ).status_code == 415
    # a 2010 message can be tagged too, and keeps its 2010 fields
    sid = client.messages.create(to="+14155550799", from_=SENDER, body="2010").sid
    tagged = comms.patch(f"/v1/Messages/{message_id(sid)}", json={"tags": {"src": "2010"}})
    assert tagged.status_code == 200 and tagged.json()["tags"] == {"src": "2010"}
    assert client.messages(sid).fetch().body == "2010"
    assert comms.patch("/v1/Messages/comms_message_01m86act03fafax6bkj9dta2sa",
                       json={"tags": {}}).status_code == 404


def test_not_found_cross_account_and_auth(comms: httpx.Client, main_client: Client,
                                          live: Any) -> None:
    op = send(comms, phones(1)).json()["id"]
    wait_status(comms, op)
    (message,) = all_messages(comms, operationId=op)
    other = main_client.api.v2010.accounts.create(friendly_name="other")
    with httpx.Client(base_url=live.base_url, auth=(other.sid, other.auth_token)) as stranger:
        assert stranger.get(f"/v1/Messages/Operations/{op}").status_code == 404
        assert stranger.get(f"/v1/Messages/{message['id']}").status_code == 404
        assert stranger.patch(f"/v1/Messages/{message['id']}",
                              json={"tags": {"x": "y"}}).status_code == 404
        assert stranger.post(f"/v1/Messages/Operations/{op}/Cancel").status_code == 404
        assert stranger.get("/v1/Messages").json()["messages"] == []
    missing = comms.get("/v1/Messages/Operations/comms_operation_01m86act03fafax6bkj9dta2sa")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == 20404
    assert comms.get("/v1/Messages/SM123").status_code == 404
    assert httpx.get(live.base_url + "/v1/Messages").status_code == 401
    assert comms.delete("/v1/Messages").status_code == 405


def test_status_callbacks_are_signed(comms: httpx.Client, account: Any,
                                     receiver: Receiver) -> None:
    path = f"/comms-{account.sid}"
    r = send(comms, phones(2, 500), statusCallback=receiver.url(path))
    wait_status(comms, r.json()["id"])
    got = receiver.wait_for(path, 6)
    validator = RequestValidator(account.auth_token)
    for hit in got:
        assert validator.validate(receiver.url(path), hit.params,
                                  hit.headers["X-Twilio-Signature"])
    delivered = [g.params for g in got if g.params["MessageStatus"] == "delivered"]
    assert len(delivered) == 2


def test_send_to_an_audience_fans_out_to_its_members(comms: httpx.Client) -> None:
    members = [{"address": "+14155550400", "variables": {"name": "Ada"}},
               {"address": "+14155550401"},
               {"address": "+14155550402", "channel": "WHATSAPP"}]  # not reachable by SMS
    audience = comms.post("/v1/Audiences", json={"name": "vip", "members": members})
    assert audience.status_code == 201, audience.text
    aid = audience.json()["id"]
    r = comms.post("/v1/Messages", json={
        "from": {"address": SENDER, "channel": "SMS"},
        "to": [{"audienceId": aid}, {"address": "+14155550499"}],
        "content": {"text": "Hi {{name}}", "defaultVariables": {"name": "friend"}}})
    assert r.status_code == 202, r.text
    assert r.json()["stats"]["recipients"] == 4
    done = wait_status(comms, r.json()["id"])
    assert (done["stats"]["delivered"], done["stats"]["unaddressable"]) == (3, 1)
    texts = {m["to"][0]["address"]: m["content"]["text"]
             for m in all_messages(comms, operationId=done["id"])}
    assert texts == {"+14155550400": "Hi Ada", "+14155550401": "Hi friend",
                     "+14155550499": "Hi friend"}
    # members added after the send are not part of it (the recipients are a snapshot)
    comms.post(f"/v1/Audiences/{aid}/Members", json={"add": [{"address": "+14155550403"}]})
    assert comms.get(f"/v1/Messages/Operations/{done['id']}").json()["stats"]["recipients"] == 4
    missing = comms.post("/v1/Messages", json={
        "from": {"address": SENDER}, "to": [{"audienceId": "comms_audience_01m86act03fafax6bkj9dta2sa"}],
        "content": {"text": "x"}})
    assert missing.status_code == 404
    empty = comms.post("/v1/Audiences", json={"name": "nobody"}).json()["id"]
    nobody = comms.post("/v1/Messages", json={
        "from": {"address": SENDER}, "to": [{"audienceId": empty}], "content": {"text": "x"}})
    assert nobody.status_code == 400
    assert (nobody.json()["errors"][0]["code"], nobody.json()["errors"][0]["field"]) == (
        21604, "to")
    assert comms.get("/v1/Messages/Operations").json()["operations"][0]["id"] == done["id"]


def test_api_key_and_secret_authenticate_as_the_account(comms: httpx.Client, client: Client,
                                                        live: Any) -> None:
    key = client.new_keys.create(friendly_name="comms")
    with httpx.Client(base_url=live.base_url, auth=(key.sid, key.secret), timeout=30) as http:
        r = http.post("/preview/Messages", json={"from": {"address": SENDER},
                                                 "to": [{"address": "+14155550777"}],
                                                 "content": {"text": "by key"}})
        assert r.status_code == 202, r.text
        wait_status(comms, r.json()["id"])
        listed = http.get("/v1/Messages", params={"operationId": r.json()["id"]}).json()
    assert [m["content"]["text"] for m in listed["messages"]] == ["by key"]
    with httpx.Client(base_url=live.base_url, auth=(key.sid, "wrong"), timeout=30) as http:
        denied = http.get("/v1/Messages")
    assert denied.status_code == 401 and denied.json()["errors"][0]["code"] == 20003


def test_ten_thousand_recipients_with_variables_fit_and_a_huge_body_is_413(
        comms: httpx.Client) -> None:
    to = [{"address": f"+1646555{i:04d}", "channel": "PHONE",
           "variables": {"firstName": f"Customer number {i}", "code": f"{i:06d}"}}
          for i in range(10_000)]
    body = {"from": {"address": SENDER}, "to": to,
            "content": {"text": "Hi {{firstName}}, your code is {{code}}"}}
    r = comms.post("/v1/Messages", json=body)
    assert len(r.request.content) > 1_048_576  # more than the 2010 API's cap
    assert r.status_code == 202, r.text[:300]
    op = r.json()["id"]
    assert comms.post(f"/v1/Messages/Operations/{op}/Cancel").status_code == 200
    huge = comms.post("/v1/Messages", content=b"{" + b" " * 17_000_000 + b"}",
                      headers={"content-type": "application/json"})
    assert huge.status_code == 413
    assert huge.json()["errors"][0]["code"] == 20413


def test_hostile_and_odd_input_is_a_400_not_a_500(comms: httpx.Client) -> None:
    def refused(r: httpx.Response, field: str | None) -> dict[str, Any]:
        assert r.status_code == 400, r.text
        error: dict[str, Any] = r.json()["errors"][0]
        assert error["field"] == field, error
        return error

    # a tags filter that backtracked exponentially under the old pattern
    refused(comms.get("/v1/Messages", params={"tags": "a:" + "bbb:" * 30 + "!"}), "tags")
    eleven = "".join(f"k{i}:v;" for i in range(11))
    refused(comms.get("/v1/Messages", params={"tags": eleven}), "tags")
    for token in ([2**62, "SMx", 0], [-(2**62), "SMx", 1]):
        raw = base64.urlsafe_b64encode(orjson.dumps(token)).decode().rstrip("=")
        for path in ("/v1/Messages", "/v1/Messages/Operations", "/v1/Audiences"):
            refused(comms.get(path, params={"pageToken": raw}), "pageToken")
    bad_query = comms.get("/v1/Messages?status=%FF")
    assert "query string" in refused(bad_query, None)["message"]
    # the sender's channel null or a number
    for channel in (None, 7):
        r = comms.post("/v1/Messages", json={"from": {"address": SENDER, "channel": channel},
                                             "to": phones(1), "content": {"text": "x"}})
        refused(r, "from.channel")
    # NUL: refused wherever it is (PostgreSQL cannot store it as text)
    refused(send(comms, phones(1), text="a\x00b"), "content.text")
    refused(send(comms, [{"address": "+14155550100\x00"}]), "to[0].address")
    refused(send(comms, phones(1), tags={"k": "\x00"}), "tags.k")
    # a huge unknown field name is not echoed back whole
    error = refused(send(comms, phones(1), **{"x" * 100_000: 1}), "x" * 40 + "…")
    assert len(error["message"]) < 200
    # template variables: at most 50, names 1..64, values 1,600 characters
    refused(send(comms, [{"address": "+14155550100", "variables": {"a": "v" * 1601}}]),
            "to[0].variables.a")
    refused(send(comms, phones(1), content={"text": "x", "defaultVariables": {
        f"v{i}": "" for i in range(51)}}), "content.defaultVariables")
    refused(send(comms, [{"address": "+14155550100", "variables": {
        "a": "v" * 1600, "b": "v" * 1600, "c": "v" * 1000}}]), "to[0].variables")
    assert comms.get("/v1/Messages").json()["messages"] == []  # nothing was written


def test_what_a_template_renders_over_1600_characters_fails_21617(comms: httpx.Client
                                                                   ) -> None:
    r = send(comms, [{"address": "+14155550100", "variables": {"a": "v" * 1600}},
                     {"address": "+14155550101", "variables": {"a": "short"}},
                     {"address": "+15005550001"}],  # Twilio's magic invalid To
             text="{{a}}{{a}}")
    done = wait_status(comms, r.json()["id"])
    assert done["stats"]["unaddressable"] == 1  # the invalid number
    assert (done["stats"]["failed"], done["stats"]["delivered"]) == (1, 1)
    by_to = {m["to"][0]["address"]: m for m in all_messages(comms, operationId=done["id"])}
    too_long = by_to["+14155550100"]
    assert too_long["status"] == "FAILED" and too_long["error"]["code"] == 21617
    assert len(too_long["content"]["text"]) == 1600
    assert by_to["+14155550101"]["content"]["text"] == "shortshort"


def test_a_tag_key_holding_a_quote_does_not_match_another_key(comms: httpx.Client) -> None:
    op = send(comms, phones(1, 900), tags={'x"k': "v"}).json()["id"]
    wait_status(comms, op)
    assert all_messages(comms, tags="k:v") == []
    (message,) = all_messages(comms, operationId=op)
    assert message["tags"] == {'x"k': "v"}


def test_messages_deleted_through_the_2010_api_still_count(comms: httpx.Client,
                                                          account: Any) -> None:
    r = send(comms, [*phones(3, 950), {"address": UNREACHABLE}])
    done = wait_status(comms, r.json()["id"])
    before = done["stats"]
    assert (before["delivered"], before["undelivered"], before["total"]) == (3, 1, 4)
    sub = Client(account.sid, account.auth_token)
    sub.api.base_url = str(comms.base_url).rstrip("/")
    messages = all_messages(comms, operationId=done["id"])
    delivered = [m for m in messages if m["status"] == "DELIVERED"]
    for m in delivered[:2] + [m for m in messages if m["status"] == "UNDELIVERED"]:
        sid = next(rel["id"] for rel in m["related"] if rel["name"] == "message")
        assert sub.messages(sid).delete()
    after = comms.get(f"/v1/Messages/Operations/{done['id']}").json()
    assert len(all_messages(comms, operationId=done["id"])) == len(messages) - 3
    assert after["stats"] == before and after["status"] == "COMPLETED"
    listed = {op["id"]: op for op in comms.get("/v1/Messages/Operations").json()["operations"]}
    assert listed[done["id"]]["stats"] == before


def test_a_session_is_the_thread_between_a_number_and_a_contact(comms: httpx.Client,
                                                               account: Any,
                                                               main_client: Client,
                                                               live: Any) -> None:
    sub = Client(account.sid, account.auth_token)
    sub.api.base_url = str(comms.base_url).rstrip("/")
    number = sub.incoming_phone_numbers.create(area_code="415").phone_number
    handset = "+14155550777"
    sub.messages.create(to=handset, from_=number, body="2010 says hi")
    sent = comms.post("/sim/v1/Messages", json={"From": handset, "To": number,
                                                 "Body": "the handset answers"})
    assert sent.status_code == 201, sent.text
    op = comms.post("/v1/Messages", json={"from": {"address": number},
                                          "to": [{"address": handset}, {"address": "+14155550778"}],
                                          "content": {"text": "bulk says hi"}}).json()["id"]
    wait_status(comms, op)
    thread = [m for m in all_messages(comms) if handset in (m["from"]["address"],
                                                             m["to"][0]["address"])]
    assert len(thread) == 3 and {m["status"] for m in thread} >= {"INBOUND"}
    sessions = {rel["id"]: rel["uri"] for m in thread for rel in m["related"]
                if rel["name"] == "session"}
    assert len(sessions) == 1  # both directions, both APIs: one session
    (session_id, uri), = sessions.items()
    session = comms.get(uri).json()
    assert session["id"] == session_id and session["messageCount"] == 3
    assert session["participants"] == [
        {"address": number, "channel": "SMS", "type": "ACCOUNT"},
        {"address": handset, "channel": "PHONE", "type": "CONTACT"}]
    assert session["createdAt"] <= session["updatedAt"]
    (messages,) = [rel["uri"] for rel in session["related"] if rel["name"] == "messages"]
    listed = comms.get(messages).json()["messages"]
    assert sorted(m["id"] for m in listed) == sorted(m["id"] for m in thread)
    # the other recipient of the bulk send is another session
    other = all_messages(comms, operationId=op)
    assert len({rel["id"] for m in other for rel in m["related"] if rel["name"] == "session"}) == 2
    # another account, an unknown session, a bad filter
    stranger = main_client.api.v2010.accounts.create(friendly_name="stranger")
    with httpx.Client(base_url=live.base_url, auth=(stranger.sid, stranger.auth_token)) as s:
        assert s.get(uri).status_code == 404
        assert s.get("/v1/Messages", params={"sessionId": session_id}).json()["messages"] == []
    assert comms.get("/v1/Sessions/comms_session_01m86act03fafax6bkj9dta2sa").status_code == 404
    assert comms.get("/v1/Sessions/nope").status_code == 404
    assert comms.get("/v1/Messages", params={"sessionId": "nope"}).status_code == 400
