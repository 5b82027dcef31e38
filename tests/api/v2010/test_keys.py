"""API Keys: the secret is shown once, CRUD through the official client, a key's credentials
act on its account's resources (never on Accounts or Keys), and die with the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from twilio.rest import Client

from tests.conftest import make_client
from tests.support.refusals import eventually, rest_error
from tests.support.schema import ResponseValidator
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer

TO, FROM = "+15558675310", "+15005550006"


@pytest.fixture
def key_client(live: LiveServer, validator: ResponseValidator
               ) -> Callable[[str, str, str], Client]:
    def build(key_sid: str, secret: str, account_sid: str) -> Client:
        return make_client(live, validator, key_sid, secret, account_sid=account_sid)
    return build


# the secret -------------------------------------------------------------------------------
def test_create_returns_secret_once(client: Client, http: httpx.Client, base: str) -> None:
    key = client.new_keys.create(friendly_name="ci")
    assert key.sid.startswith("SK") and len(key.sid) == 34
    assert key.friendly_name == "ci"
    assert isinstance(key.secret, str) and len(key.secret) >= 16

    other = client.new_keys.create(friendly_name="ci")
    assert other.sid != key.sid and other.secret != key.secret

    fetched = http.get(f"{base}/Keys/{key.sid}.json")
    assert fetched.status_code == 200
    assert "secret" not in fetched.json()
    assert fetched.json()["sid"] == key.sid
    assert key.secret not in fetched.text

    listed = http.get(f"{base}/Keys.json")
    assert listed.status_code == 200
    assert {k["sid"] for k in listed.json()["keys"]} == {key.sid, other.sid}
    assert all("secret" not in k for k in listed.json()["keys"])
    assert key.secret not in listed.text and other.secret not in listed.text

    for ext in ("", ".xml", ".csv", ".html"):
        r = http.get(f"{base}/Keys/{key.sid}{ext}")
        assert r.status_code == 200, (ext, r.text)
        assert key.secret not in r.text, ext


def test_create_over_raw_http_is_201_with_secret(http: httpx.Client, base: str) -> None:
    r = http.post(f"{base}/Keys.json", data={"FriendlyName": "raw"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["secret"] and body["friendly_name"] == "raw"
    assert body["sid"].startswith("SK")


# CRUD ------------------------------------------------------------------------------------------
def test_list_fetch_update_delete(client: Client) -> None:
    assert client.keys.list() == []
    a = client.new_keys.create(friendly_name="a")
    b = client.new_keys.create(friendly_name="b")
    assert {k.sid for k in client.keys.list()} == {a.sid, b.sid}

    fetched = client.keys(a.sid).fetch()
    assert (fetched.sid, fetched.friendly_name) == (a.sid, "a")
    assert fetched.date_created is not None

    updated = client.keys(a.sid).update(friendly_name="renamed")
    assert updated.sid == a.sid and updated.friendly_name == "renamed"
    assert client.keys(a.sid).fetch().friendly_name == "renamed"
    assert client.keys(b.sid).fetch().friendly_name == "b"

    assert client.keys(a.sid).delete() is True  # twilio-python: True only on 204
    err = rest_error(client.keys(a.sid).fetch)
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(client.keys(a.sid).delete)
    assert (err.status, err.code) == (404, 20404)
    err = rest_error(lambda: client.keys(a.sid).update(friendly_name="x"))
    assert (err.status, err.code) == (404, 20404)
    assert [k.sid for k in client.keys.list()] == [b.sid]


def test_delete_is_204_with_empty_body(client: Client, http: httpx.Client, base: str) -> None:
    key = client.new_keys.create()
    r = http.delete(f"{base}/Keys/{key.sid}.json")
    assert r.status_code == 204
    assert r.content == b""
    assert http.get(f"{base}/Keys/{key.sid}.json").status_code == 404


def test_keys_of_another_account_are_404(main_client: Client, client: Client,
                                         live: LiveServer, validator: ResponseValidator,
                                         account: Any) -> None:
    other = main_client.api.v2010.accounts.create(friendly_name="other")
    other_client = make_client(live, validator, other.sid, other.auth_token)
    foreign = other_client.new_keys.create(friendly_name="theirs")
    for call in (client.keys(foreign.sid).fetch, client.keys(foreign.sid).delete,
                 lambda: client.keys(foreign.sid).update(friendly_name="mine")):
        err = rest_error(call)
        assert (err.status, err.code) == (404, 20404)
    assert client.keys.list() == []
    assert other_client.keys(foreign.sid).fetch().friendly_name == "theirs"


# a key's credentials ---------------------------------------------------------------------------
def test_key_credentials_send_and_list_messages(
    client: Client, account: Any, key_client: Callable[[str, str, str], Client],
) -> None:
    key = client.new_keys.create(friendly_name="sender")
    via_key = key_client(key.sid, key.secret, account.sid)
    msg = via_key.messages.create(to=TO, from_=FROM, body="via key")
    assert msg.account_sid == account.sid
    assert [m.sid for m in via_key.messages.list()] == [msg.sid]
    assert via_key.messages(msg.sid).fetch().body == "via key"
    # the account's own credentials see the same message
    assert client.messages(msg.sid).fetch().body == "via key"


def test_deleted_key_is_refused(
    client: Client, account: Any, key_client: Callable[[str, str, str], Client],
) -> None:
    key = client.new_keys.create(friendly_name="short-lived")
    via_key = key_client(key.sid, key.secret, account.sid)
    assert via_key.messages.list() == []  # works, and warms the credential cache
    assert client.keys(key.sid).delete() is True

    def refused() -> None:
        err = rest_error(via_key.messages.list)
        assert (err.status, err.code) == (401, 20003), (err.status, err.code)

    eventually(refused, timeout=3.0)
    err = rest_error(lambda: via_key.messages.create(to=TO, from_=FROM, body="late"))
    assert (err.status, err.code) == (401, 20003)
    assert client.messages.list() == []


def test_wrong_secret_is_401(client: Client, account: Any,
                             key_client: Callable[[str, str, str], Client]) -> None:
    key = client.new_keys.create()
    wrong = key.secret[:-1] + ("x" if key.secret[-1] != "x" else "y")
    for secret in (wrong, "", key.secret + "x", AUTH_TOKEN):
        err = rest_error(key_client(key.sid, secret, account.sid).messages.list)
        assert (err.status, err.code) == (401, 20003), secret
    unknown = "SK" + "0" * 32
    err = rest_error(key_client(unknown, key.secret, account.sid).messages.list)
    assert (err.status, err.code) == (401, 20003)


def test_key_cannot_manage_accounts_or_keys(
    client: Client, account: Any, key_client: Callable[[str, str, str], Client],
) -> None:
    key = client.new_keys.create()
    other = client.new_keys.create(friendly_name="other")
    via_key = key_client(key.sid, key.secret, account.sid)
    calls: dict[str, Callable[[], Any]] = {
        "ListAccount": via_key.api.v2010.accounts.list,
        "CreateAccount": lambda: via_key.api.v2010.accounts.create(friendly_name="x"),
        "FetchAccount": via_key.api.v2010.accounts(account.sid).fetch,
        "UpdateAccount": lambda: via_key.api.v2010.accounts(account.sid).update(
            friendly_name="x"),
        "ListKey": via_key.keys.list,
        "CreateNewKey": lambda: via_key.new_keys.create(friendly_name="x"),
        "FetchKey": via_key.keys(other.sid).fetch,
        "UpdateKey": lambda: via_key.keys(other.sid).update(friendly_name="x"),
        "DeleteKey": via_key.keys(other.sid).delete,
    }
    for name, call in calls.items():
        err = rest_error(call)
        assert (err.status, err.code) == (403, 20403), (name, err.status, err.code, err.msg)
    # nothing changed
    assert {k.sid for k in client.keys.list()} == {key.sid, other.sid}
    assert client.keys(other.sid).fetch().friendly_name == "other"
    assert client.api.v2010.accounts(account.sid).fetch().friendly_name == "test"


def test_key_cannot_reach_other_accounts(
    main_client: Client, client: Client, account: Any,
    key_client: Callable[[str, str, str], Client],
) -> None:
    key = client.new_keys.create()
    sibling = main_client.api.v2010.accounts.create(friendly_name="sibling")
    for target in (sibling.sid, ACCOUNT_SID):
        err = rest_error(key_client(key.sid, key.secret, target).messages.list)
        assert (err.status, err.code) == (404, 20404), target


def test_key_of_suspended_account_is_refused(
    main_client: Client, client: Client, account: Any,
    key_client: Callable[[str, str, str], Client],
) -> None:
    key = client.new_keys.create()
    via_key = key_client(key.sid, key.secret, account.sid)
    assert via_key.messages.list() == []
    main_client.api.v2010.accounts(account.sid).update(status="suspended")

    def refused() -> None:
        err = rest_error(via_key.messages.list)
        assert (err.status, err.code) == (401, 20005), (err.status, err.code)

    eventually(refused, timeout=3.0)
    main_client.api.v2010.accounts(account.sid).update(status="active")
    eventually(lambda: via_key.messages.list(), timeout=3.0)
