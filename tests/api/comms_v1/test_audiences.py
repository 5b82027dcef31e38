"""/v1/Audiences (alias /preview): audiences, their members, paging, tags, validation,
account scoping. Every response is checked against the served OpenAPI document."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.rest import Client

from callbox.core.audiences import Audience
from callbox.core.errors import InvalidParameter
from callbox.store.sql.engine import create_engine, create_writer, migrate, sqlite_url
from callbox.store.sql.store import SqlStore
from tests.support.server import LiveServer

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ID = re.compile(r"^comms_audience_[0-7][0-9a-hjkmnp-tv-z]{25}$")
UNKNOWN = "comms_audience_01jd0000000000000000000000"


def _create(comms: httpx.Client, body: dict[str, Any], prefix: str = "/v1"
            ) -> dict[str, Any]:
    response = comms.post(f"{prefix}/Audiences", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _errors(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    errors: list[dict[str, Any]] = response.json()["errors"]
    for error in errors:
        assert error["more_info"] == f"https://www.twilio.com/docs/errors/{error['code']}"
    return errors


def _all_members(comms: httpx.Client, audience_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params = {"pageSize": "1000", **({"pageToken": token} if token else {})}
        response = comms.get(f"/v1/Audiences/{audience_id}/Members", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        out += body["members"]
        token = body["pagination"]["next"]
        if token is None:
            return out


# create, fetch, update, delete ---------------------------------------------------------------
def test_create_fetch_update_delete(comms: httpx.Client) -> None:
    audience = _create(comms, {
        "name": "Spring customers",
        "description": "Who bought in spring",
        "tags": {"team": "growth"},
        "members": [
            {"address": "+14155550100", "variables": {"name": "Ada"}},
            {"address": "+1 (415) 555-0101", "channel": "PHONE"},
        ],
    })
    assert ID.match(audience["id"])
    assert (audience["name"], audience["description"], audience["tags"],
            audience["memberCount"]) == ("Spring customers", "Who bought in spring",
                                         {"team": "growth"}, 2)
    assert ISO.match(audience["createdAt"]) and audience["updatedAt"] == audience["createdAt"]
    assert set(audience) == {"id", "name", "description", "tags", "memberCount", "createdAt",
                             "updatedAt"}
    url = f"/v1/Audiences/{audience['id']}"
    assert comms.get(url).json() == audience
    assert comms.get(f"/preview/Audiences/{audience['id']}").json() == audience

    members = comms.get(url + "/Members").json()["members"]
    assert sorted((m["address"], m["channel"], m["variables"]) for m in members) == [
        ("+14155550100", "PHONE", {"name": "Ada"}), ("+14155550101", "PHONE", {})]
    assert all(m["createdAt"] == audience["createdAt"] for m in members)

    response = comms.post(url, json={"name": "Renamed"})
    assert response.status_code == 200, response.text
    renamed = response.json()
    assert (renamed["name"], renamed["description"], renamed["tags"]) == (
        "Renamed", "Who bought in spring", {"team": "growth"})
    assert renamed["createdAt"] == audience["createdAt"]
    assert renamed["updatedAt"] >= audience["updatedAt"]

    response = comms.patch(f"/preview/Audiences/{audience['id']}",
                           json={"description": None, "tags": {"a": "1", "b": ""}})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["name"], patched["description"], patched["tags"],
            patched["memberCount"]) == ("Renamed", None, {"a": "1", "b": ""}, 2)
    assert comms.get(url).json() == patched

    response = comms.delete(url)
    assert response.status_code == 204 and response.content == b""
    assert _errors(comms.get(url), 404)[0]["code"] == 20404
    assert _errors(comms.delete(url), 404)[0]["code"] == 20404
    assert _errors(comms.get(url + "/Members"), 404)[0]["code"] == 20404
    assert comms.get("/v1/Audiences").json()["audiences"] == []


def test_create_minimal_and_whatsapp_members(comms: httpx.Client) -> None:
    audience = _create(comms, {"name": "x", "members": [
        {"address": "whatsapp:+14155550102", "channel": "WHATSAPP"},
        {"address": "+14155550103", "channel": "WHATSAPP", "variables": {"k": "v"}},
        {"address": "WhatsApp:+14155550104"},  # the prefix implies the channel
    ]})
    assert (audience["description"], audience["tags"], audience["memberCount"]) == (
        None, {}, 3)
    members = comms.get(f"/v1/Audiences/{audience['id']}/Members").json()["members"]
    assert sorted((m["address"], m["channel"], m["variables"]) for m in members) == [
        ("+14155550102", "WHATSAPP", {}), ("+14155550103", "WHATSAPP", {"k": "v"}),
        ("+14155550104", "WHATSAPP", {})]


def test_validation_reports_every_problem(comms: httpx.Client) -> None:
    response = comms.post("/v1/Audiences", json={
        "description": "d" * 1025, "colour": "red", "tags": "nope",
        "members": [{"address": "+14155550100", "channel": "SMS"}, {"addr": "+1"}, "x"],
    })
    errors = _errors(response, 400)
    assert all(e["code"] == 20001 for e in errors)
    assert {e["field"] for e in errors} == {
        "name", "description", "colour", "tags", "members[0].channel", "members[1].addr",
        "members[1].address", "members[2]"}
    for body, field in [({"name": ""}, "name"), ({"name": "n" * 257}, "name"),
                        ({"name": 5}, "name"),
                        ({"name": "a", "members": {"address": "+14155550100"}}, "members"),
                        ({"name": "a", "members": [{"address": "+14155550100",
                                                    "variables": {"n": 1}}]},
                         "members[0].variables.n"),
                        ({"name": "a", "members": [{"address": "whatsapp:+14155550100",
                                                    "channel": "PHONE"}]},
                         "members[0].address")]:
        errors = _errors(comms.post("/v1/Audiences", json=body), 400)
        assert [e["field"] for e in errors] == [field], (body, errors)
    assert _errors(comms.post("/v1/Audiences", json={"name": "a", "members": [
        {"address": "+14155550100"}] * 10_001}), 400)[0]["field"] == "members"
    assert comms.post("/v1/Audiences", json={"name": "a" * 256}).status_code == 201
    assert len(comms.get("/v1/Audiences").json()["audiences"]) == 1


def test_json_only(comms: httpx.Client) -> None:
    response = comms.post("/v1/Audiences", data={"name": "form"})
    assert _errors(response, 415)[0]["code"] == 20415
    response = comms.post("/v1/Audiences", content=b"{not json",
                          headers={"content-type": "application/json"})
    assert _errors(response, 400)[0]["code"] == 20001
    response = comms.post("/v1/Audiences", json=["name"])
    assert _errors(response, 400)[0]["code"] == 20001
    assert comms.get("/v1/Audiences").json()["audiences"] == []


# tags ---------------------------------------------------------------------------------------
def test_tags_limits(comms: httpx.Client) -> None:
    ten = {f"key{i}": "v" * 128 for i in range(10)}
    audience = _create(comms, {"name": "tagged", "tags": ten})
    assert audience["tags"] == ten
    edge = _create(comms, {"name": "edge", "tags": {"k" * 128: ""}})
    assert edge["tags"] == {"k" * 128: ""}

    errors = _errors(comms.post("/v1/Audiences", json={
        "name": "too many", "tags": {**ten, "eleventh": "x"}}), 400)
    assert [(e["code"], e["field"]) for e in errors] == [(20001, "tags")]

    errors = _errors(comms.post("/v1/Audiences", json={
        "name": "long value", "tags": {"k": "v" * 129}}), 400)
    assert [(e["code"], e["field"]) for e in errors] == [(20001, "tags.k")]

    errors = _errors(comms.patch(f"/v1/Audiences/{audience['id']}", json={
        "tags": {**ten, "eleventh": "x"}}), 400)
    assert [e["field"] for e in errors] == ["tags"]
    assert comms.get(f"/v1/Audiences/{audience['id']}").json()["tags"] == ten
    assert len(comms.get("/v1/Audiences").json()["audiences"]) == 2


# paging -------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["/v1", "/preview"])
def test_list_pages_newest_first(comms: httpx.Client, prefix: str) -> None:
    names = [f"audience {i}" for i in range(5)]
    for name in names:
        _create(comms, {"name": name}, prefix)
    newest_first = names[::-1]

    first = comms.get(f"{prefix}/Audiences", params={"pageSize": "2"}).json()
    assert [a["name"] for a in first["audiences"]] == newest_first[:2]
    pagination = first["pagination"]
    assert pagination["previous"] is None and pagination["previousUrl"] is None
    assert pagination["next"] and pagination["nextUrl"].startswith(f"{prefix}/Audiences?")

    second = comms.get(pagination["nextUrl"]).json()
    assert [a["name"] for a in second["audiences"]] == newest_first[2:4]
    third = comms.get(f"{prefix}/Audiences", params={
        "page_size": "2", "page_token": second["pagination"]["next"]}).json()
    assert [a["name"] for a in third["audiences"]] == newest_first[4:]
    assert third["pagination"]["next"] is None and third["pagination"]["nextUrl"] is None

    back = comms.get(f"{prefix}/Audiences", params={
        "pageSize": "2", "pageToken": third["pagination"]["previous"]}).json()
    assert [a["name"] for a in back["audiences"]] == newest_first[2:4]
    back = comms.get(back["pagination"]["previousUrl"]).json()
    assert [a["name"] for a in back["audiences"]] == newest_first[:2]
    assert back["pagination"]["previous"] is None
    assert back["pagination"]["next"]

    again = comms.get(second["pagination"]["selfUrl"]).json()
    assert again["audiences"] == second["audiences"]

    everything = comms.get(f"{prefix}/Audiences").json()
    assert [a["name"] for a in everything["audiences"]] == newest_first
    assert everything["pagination"]["next"] is None

    for params in ({"pageSize": "0"}, {"pageSize": "1001"}, {"pageToken": "garbage!"}):
        assert _errors(comms.get(f"{prefix}/Audiences", params=params), 400)


# members ------------------------------------------------------------------------------------
def test_members_in_bulk(comms: httpx.Client) -> None:
    audience = _create(comms, {"name": "bulk"})
    url = f"/v1/Audiences/{audience['id']}/Members"
    numbers = [f"+1415555{i:04d}" for i in range(2500)]
    response = comms.post(url, json={"add": [{"address": n, "variables": {"i": str(i)}}
                                             for i, n in enumerate(numbers)]})
    assert response.status_code == 200, response.text
    assert response.json() == {"added": 2500, "removed": 0, "memberCount": 2500}
    assert comms.get(f"/v1/Audiences/{audience['id']}").json()["memberCount"] == 2500

    members = _all_members(comms, audience["id"])
    assert sorted(m["address"] for m in members) == sorted(numbers)

    # re-adding an existing address updates it and is not counted; unknown removals count 0
    response = comms.post(url, json={
        "add": [{"address": numbers[0], "channel": "WHATSAPP", "variables": {"i": "new"}},
                {"address": "+14155559999"}],
        "remove": [numbers[1], numbers[2], "+14155558888", numbers[1]],
    })
    assert response.status_code == 200, response.text
    assert response.json() == {"added": 1, "removed": 2, "memberCount": 2499}
    by_address = {m["address"]: m for m in _all_members(comms, audience["id"])}
    assert len(by_address) == 2499
    assert (by_address[numbers[0]]["channel"], by_address[numbers[0]]["variables"]) == (
        "WHATSAPP", {"i": "new"})
    assert numbers[1] not in by_address and numbers[2] not in by_address
    assert by_address["+14155559999"]["variables"] == {}

    response = comms.post(url, json={"remove": ["+14155557777"]})
    assert response.json() == {"added": 0, "removed": 0, "memberCount": 2499}
    assert comms.post(url, json={}).json() == {"added": 0, "removed": 0, "memberCount": 2499}
    updated = comms.get(f"/v1/Audiences/{audience['id']}").json()
    assert updated["memberCount"] == 2499 and updated["updatedAt"] >= audience["updatedAt"]


def test_member_paging(comms: httpx.Client) -> None:
    audience = _create(comms, {"name": "paged", "members": [
        {"address": f"+1415555010{i}"} for i in range(5)]})
    url = f"/preview/Audiences/{audience['id']}/Members"
    first = comms.get(url, params={"pageSize": "2"}).json()
    second = comms.get(first["pagination"]["nextUrl"]).json()
    third = comms.get(second["pagination"]["nextUrl"]).json()
    seen = [m["address"] for page in (first, second, third) for m in page["members"]]
    assert seen == [f"+1415555010{i}" for i in range(4, -1, -1)]  # same instant: by address
    assert third["pagination"]["next"] is None
    back = comms.get(third["pagination"]["previousUrl"]).json()
    assert back["members"] == second["members"]


def test_invalid_members_write_nothing(comms: httpx.Client) -> None:
    errors = _errors(comms.post("/v1/Audiences", json={"name": "bad", "members": [
        {"address": "+14155550100"}, {"address": "not a number"}]}), 400)
    assert [(e["code"], e["field"]) for e in errors] == [(20001, "members[1].address")]
    assert comms.get("/v1/Audiences").json()["audiences"] == []

    audience = _create(comms, {"name": "good", "members": [{"address": "+14155550100"}]})
    url = f"/v1/Audiences/{audience['id']}/Members"
    errors = _errors(comms.post(url, json={
        "add": [{"address": "+14155550101"}, {"address": "+1"}],
        "remove": ["+14155550100", 7, "nope"], "extra": True}), 400)
    assert {e["field"] for e in errors} == {"add[1].address", "remove[1]", "remove[2]",
                                            "extra"}
    assert [m["address"] for m in comms.get(url).json()["members"]] == ["+14155550100"]
    assert comms.get(f"/v1/Audiences/{audience['id']}").json()["memberCount"] == 1
    assert _errors(comms.post(url, data={"add": "+14155550101"}), 415)


# ids, accounts, authentication ----------------------------------------------------------------
def test_unknown_and_malformed_ids_are_404(comms: httpx.Client) -> None:
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "", None), ("POST", "", {"name": "x"}), ("PATCH", "", {"name": "x"}),
        ("DELETE", "", None), ("GET", "/Members", None), ("POST", "/Members", {"remove": []})]
    for audience_id in (UNKNOWN, "comms_audience_short",
                        "comms_message_01jd0000000000000000000000", "AU" + "0" * 32):
        for method, path, body in calls:
            response = comms.request(method, f"/v1/Audiences/{audience_id}{path}", json=body)
            errors = _errors(response, 404)
            assert [(e["code"], e["field"]) for e in errors] == [(20404, None)], (method, path)


def test_another_accounts_audience_is_404(comms: httpx.Client, live: LiveServer,
                                          main_client: Client) -> None:
    audience = _create(comms, {"name": "mine", "members": [{"address": "+14155550100"}]})
    other = main_client.api.v2010.accounts.create(friendly_name="other")
    url = f"/v1/Audiences/{audience['id']}"
    with httpx.Client(base_url=live.base_url, auth=(other.sid, other.auth_token),
                      timeout=30, event_hooks={"response": list(
                          comms.event_hooks["response"])}) as theirs:
        assert _errors(theirs.get(url), 404)[0]["code"] == 20404
        assert _errors(theirs.post(url, json={"name": "stolen"}), 404)
        assert _errors(theirs.patch(url, json={"name": "stolen"}), 404)
        assert _errors(theirs.get(url + "/Members"), 404)
        assert _errors(theirs.post(url + "/Members", json={"remove": ["+14155550100"]}), 404)
        assert _errors(theirs.delete(url), 404)
        assert theirs.get("/v1/Audiences").json()["audiences"] == []
    mine = comms.get(url).json()
    assert (mine["name"], mine["memberCount"]) == ("mine", 1)


def test_authentication_required(comms: httpx.Client, live: LiveServer) -> None:
    with httpx.Client(base_url=live.base_url, timeout=30,
                      event_hooks={"response": list(comms.event_hooks["response"])}) as anon:
        for method, path in [("GET", "/v1/Audiences"), ("POST", "/v1/Audiences"),
                             ("GET", f"/preview/Audiences/{UNKNOWN}")]:
            response = anon.request(method, path, json={"name": "x"} if method == "POST"
                                    else None)
            assert _errors(response, 401)[0]["code"] == 20003
            assert response.headers["www-authenticate"].startswith("Basic")
    response = comms.post("/v1/Audiences", json={"name": "x"},
                          auth=("AC" + "0" * 32, "wrong"))
    assert _errors(response, 401)[0]["code"] == 20003


def test_wrong_method_is_405(comms: httpx.Client) -> None:
    response = comms.put("/v1/Audiences", json={"name": "x"})
    assert _errors(response, 405)[0]["code"] == 20004
    assert response.headers["allow"] == "GET, HEAD, POST"


# the store's member cap (100,000 through the API: checked on the store with a small cap) -----
async def test_the_member_cap_writes_nothing(tmp_path: Path) -> None:
    store = sqlite_url(tmp_path / "audiences.db")
    engine = create_engine(store)
    await migrate(engine)
    writer = create_writer(store, engine)
    await writer.start()
    try:
        sql = SqlStore(engine, writer)
        now = datetime(2026, 11, 24, 10, tzinfo=UTC)
        account = "AC" + "1" * 32
        audience = Audience("comms_audience_01jd0000000000000000000001", account, "capped",
                            None, {}, 2, now, now)
        await sql.create_audience(audience, [("+14155550100", "PHONE", {}),
                                             ("+14155550101", "PHONE", {})])
        add = [("+14155550102", "PHONE", {}), ("+14155550100", "WHATSAPP", {"a": "b"})]
        with pytest.raises(InvalidParameter) as caught:
            await sql.change_members(account, audience.sid, add, [], now, 2)
        assert (caught.value.status, caught.value.code) == (400, 20001)
        assert await sql.audience_targets(account, audience.sid) == [
            ("+14155550100", "PHONE", {}), ("+14155550101", "PHONE", {})]
        # removing one first makes room
        assert await sql.change_members(account, audience.sid, add, ["+14155550101"], now,
                                        2) == (1, 1, 2)
        assert await sql.audience_targets(account, audience.sid) == [
            ("+14155550100", "WHATSAPP", {"a": "b"}), ("+14155550102", "PHONE", {})]
        fetched = await sql.get_audience(account, audience.sid)
        assert fetched is not None and fetched.member_count == 2
        assert await sql.change_members("AC" + "2" * 32, audience.sid, add, [], now, 9) is None
        assert await sql.audience_targets("AC" + "2" * 32, audience.sid) is None
        assert await sql.delete_audience(account, audience.sid)
        assert await sql.audience_targets(account, audience.sid) is None
    finally:
        await writer.stop()
        await engine.dispose()


def test_nul_huge_names_and_oversized_variables_are_refused(comms: httpx.Client) -> None:
    for body, field in [({"name": "a\x00b"}, "name"),
                        ({"name": "ok", "description": "x\x00"}, "description"),
                        ({"name": "ok", "members": [{"address": "+14155550100",
                                                     "variables": {"v": "x" * 1601}}]},
                         "members[0].variables.v"),
                        ({"name": "ok", "members": [{"address": "+14155550100", "variables": {
                            f"v{i}": "" for i in range(51)}}]}, "members[0].variables")]:
        (error, *_) = _errors(comms.post("/v1/Audiences", json=body), 400)
        assert error["field"] == field, (body.keys(), error)
    (error,) = _errors(comms.post("/v1/Audiences", json={"name": "ok", "z" * 50_000: 1}), 400)
    assert error["field"] == "z" * 40 + "…" and len(error["message"]) < 200
    audience = _create(comms, {"name": "ok"})
    (error,) = _errors(comms.patch(f"/v1/Audiences/{audience['id']}",
                                   json={"name": "\x00"}), 400)
    assert error["field"] == "name"
    assert comms.get(f"/v1/Audiences/{audience['id']}").json()["name"] == "ok"
    assert comms.patch(f"/v1/Audiences/{audience['id']}",
                       json={"tags": None}).json()["tags"] == {}


def test_a_members_change_that_changes_nothing_keeps_updated_at(comms: httpx.Client) -> None:
    audience = _create(comms, {"name": "still", "members": [{"address": "+14155550100"}]})
    time.sleep(0.01)
    r = comms.post(f"/v1/Audiences/{audience['id']}/Members",
                   json={"add": [], "remove": ["+14155550199"]})
    assert r.json() == {"added": 0, "removed": 0, "memberCount": 1}
    assert comms.get(f"/v1/Audiences/{audience['id']}").json()["updatedAt"] == \
        audience["updatedAt"]
