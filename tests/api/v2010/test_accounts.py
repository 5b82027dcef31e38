"""Accounts and subaccounts through the official twilio client: list/create/fetch/update,
the status lifecycle (suspend, reactivate, close) and the walls between accounts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from twilio.rest import Client

from tests.conftest import make_client
from tests.support.refusals import eventually, rest_error
from tests.support.schema import ResponseValidator
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer

TO, FROM = "+15558675310", "+15005550006"


def _name() -> str:
    return f"acct-{uuid.uuid4().hex[:12]}"


def refused_with(code: int, status: int = 401) -> Callable[[Callable[[], Any]], None]:
    def check(call: Callable[[], Any]) -> None:
        err = rest_error(call)
        assert (err.status, err.code) == (status, code), (err.status, err.code, err.msg)
    return check


@pytest.fixture
def sub_client(live: LiveServer, validator: ResponseValidator
               ) -> Callable[[Any], Client]:
    def build(account: Any) -> Client:
        return make_client(live, validator, account.sid, account.auth_token)
    return build


@pytest.fixture
def as_parent(live: LiveServer, validator: ResponseValidator) -> Callable[[str], Client]:
    """The main account's credentials acting on a subaccount's path."""
    def build(account_sid: str) -> Client:
        return make_client(live, validator, ACCOUNT_SID, AUTH_TOKEN, account_sid=account_sid)
    return build


# list / create / fetch / update ---------------------------------------------------------------
def test_create_subaccount_returns_201_active_owned_by_main(
    live: LiveServer, validator: ResponseValidator
) -> None:
    name = _name()
    r = httpx.post(f"{live.base_url}/2010-04-01/Accounts.json", data={"FriendlyName": name},
                   auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=30)
    assert r.status_code == 201, r.text
    validator.validate("POST", "/2010-04-01/Accounts.json", r.status_code, r.json())
    body = r.json()
    assert body["friendly_name"] == name
    assert body["owner_account_sid"] == ACCOUNT_SID
    assert body["status"] == "active"
    assert body["sid"].startswith("AC") and len(body["sid"]) == 34
    assert body["sid"] != ACCOUNT_SID
    assert body["auth_token"] and body["auth_token"] != AUTH_TOKEN
    assert body["uri"] == f"/2010-04-01/Accounts/{body['sid']}.json"


def test_create_fetch_update_via_client(main_client: Client) -> None:
    name = _name()
    sub = main_client.api.v2010.accounts.create(friendly_name=name)
    assert sub.friendly_name == name
    assert sub.owner_account_sid == ACCOUNT_SID
    assert sub.status == "active"

    fetched = main_client.api.v2010.accounts(sub.sid).fetch()
    assert fetched.sid == sub.sid
    assert fetched.friendly_name == name
    assert fetched.auth_token == sub.auth_token
    assert fetched.owner_account_sid == ACCOUNT_SID

    renamed = main_client.api.v2010.accounts(sub.sid).update(friendly_name=name + "-renamed")
    assert renamed.friendly_name == name + "-renamed"
    assert renamed.status == "active"
    assert main_client.api.v2010.accounts(sub.sid).fetch().friendly_name == name + "-renamed"


def test_subaccount_without_friendly_name_gets_a_default(main_client: Client) -> None:
    sub = main_client.api.v2010.accounts.create()
    assert sub.friendly_name  # Twilio names it "SubAccount Created at ..."
    assert sub.status == "active"


def test_list_accounts_contains_main_and_subaccounts(main_client: Client) -> None:
    a = main_client.api.v2010.accounts.create(friendly_name=_name())
    b = main_client.api.v2010.accounts.create(friendly_name=_name())
    sids = {acc.sid for acc in main_client.api.v2010.accounts.list()}
    assert {ACCOUNT_SID, a.sid, b.sid} <= sids


def test_list_accounts_filters_by_friendly_name(main_client: Client) -> None:
    name = _name()
    sub = main_client.api.v2010.accounts.create(friendly_name=name)
    main_client.api.v2010.accounts.create(friendly_name=name + "-other")
    found = main_client.api.v2010.accounts.list(friendly_name=name)
    assert [acc.sid for acc in found] == [sub.sid]
    assert main_client.api.v2010.accounts.list(friendly_name=_name()) == []


def test_list_accounts_filters_by_status(main_client: Client) -> None:
    name = _name()
    active = main_client.api.v2010.accounts.create(friendly_name=name)
    suspended = main_client.api.v2010.accounts.create(friendly_name=name)
    main_client.api.v2010.accounts(suspended.sid).update(status="suspended")

    by_status = {acc.sid for acc in main_client.api.v2010.accounts.list(status="suspended")}
    assert suspended.sid in by_status
    assert active.sid not in by_status and ACCOUNT_SID not in by_status

    both = main_client.api.v2010.accounts.list(friendly_name=name, status="active")
    assert [acc.sid for acc in both] == [active.sid]


def test_subaccount_lists_only_itself(main_client: Client,
                                      sub_client: Callable[[Any], Client]) -> None:
    sub = main_client.api.v2010.accounts.create(friendly_name=_name())
    main_client.api.v2010.accounts.create(friendly_name=_name())  # a sibling
    listed = sub_client(sub).api.v2010.accounts.list()
    assert [acc.sid for acc in listed] == [sub.sid]


def test_subaccount_fetches_itself(main_client: Client,
                                   sub_client: Callable[[Any], Client]) -> None:
    sub = main_client.api.v2010.accounts.create(friendly_name=_name())
    me = sub_client(sub).api.v2010.accounts(sub.sid).fetch()
    assert me.sid == sub.sid and me.owner_account_sid == ACCOUNT_SID


def test_fetch_unknown_account_is_404(main_client: Client) -> None:
    err = rest_error(main_client.api.v2010.accounts("AC" + "e" * 32).fetch)
    assert (err.status, err.code) == (404, 20404)


# status lifecycle ------------------------------------------------------------------------------
def test_suspend_refuses_own_credentials_but_parent_keeps_access(
    main_client: Client, sub_client: Callable[[Any], Client],
    as_parent: Callable[[str], Client],
) -> None:
    sub = main_client.api.v2010.accounts.create(friendly_name=_name())
    own = sub_client(sub)
    assert own.messages.list() == []  # works while active (and warms the credential cache)

    updated = main_client.api.v2010.accounts(sub.sid).update(status="suspended")
    assert updated.status == "suspended"

    eventually(lambda: refused_with(20005)(own.messages.list))
    refused_with(20005)(lambda: own.api.v2010.accounts(sub.sid).fetch())

    fetched = main_client.api.v2010.accounts(sub.sid).fetch()
    assert fetched.status == "suspended"

    parent = as_parent(sub.sid)
    err = rest_error(lambda: parent.messages.create(to=TO, from_=FROM, body="x"))
    assert err.code == 20005, (err.status, err.code, err.msg)
    assert err.status == 401
    assert parent.messages.list() == []  # nothing was created

    reactivated = main_client.api.v2010.accounts(sub.sid).update(status="active")
    assert reactivated.status == "active"
    msg = eventually(lambda: own.messages.create(to=TO, from_=FROM, body="back"))
    assert msg.account_sid == sub.sid
    assert parent.messages.create(to=TO, from_=FROM, body="parent").account_sid == sub.sid


def test_closed_account_cannot_be_reopened(
    main_client: Client, sub_client: Callable[[Any], Client],
) -> None:
    sub = main_client.api.v2010.accounts.create(friendly_name=_name())
    own = sub_client(sub)
    assert main_client.api.v2010.accounts(sub.sid).update(status="closed").status == "closed"
    eventually(lambda: refused_with(20005)(own.messages.list))

    for status in ("active", "suspended"):
        err = rest_error(lambda s=status: main_client.api.v2010.accounts(sub.sid).update(status=s))
        assert err.status == 400, (status, err.status, err.code, err.msg)
    assert main_client.api.v2010.accounts(sub.sid).fetch().status == "closed"
    refused_with(20005)(own.messages.list)


def test_invalid_status_value_is_400(main_client: Client) -> None:
    sub = main_client.api.v2010.accounts.create(friendly_name=_name())
    err = rest_error(lambda: main_client.api.v2010.accounts(sub.sid).update(status="deleted"))
    assert err.status == 400
    assert main_client.api.v2010.accounts(sub.sid).fetch().status == "active"


def test_subaccount_cannot_change_its_own_status(
    main_client: Client, sub_client: Callable[[Any], Client],
) -> None:
    sub = main_client.api.v2010.accounts.create(friendly_name=_name())
    own = sub_client(sub)
    for status in ("suspended", "closed"):
        err = rest_error(lambda s=status: own.api.v2010.accounts(sub.sid).update(status=s))
        assert (err.status, err.code) == (403, 20403), (status, err.status, err.code)
    assert main_client.api.v2010.accounts(sub.sid).fetch().status == "active"
    # renaming itself is allowed
    assert own.api.v2010.accounts(sub.sid).update(friendly_name="me").friendly_name == "me"


def test_main_account_cannot_change_its_own_status(main_client: Client) -> None:
    err = rest_error(lambda: main_client.api.v2010.accounts(ACCOUNT_SID).update(
        status="suspended"))
    assert err.status == 403
    assert main_client.api.v2010.accounts(ACCOUNT_SID).fetch().status == "active"


def test_subaccount_cannot_create_subaccounts(
    main_client: Client, sub_client: Callable[[Any], Client],
) -> None:
    sub = main_client.api.v2010.accounts.create(friendly_name=_name())
    name = _name()
    err = rest_error(lambda: sub_client(sub).api.v2010.accounts.create(friendly_name=name))
    assert (err.status, err.code) == (403, 20403)
    assert main_client.api.v2010.accounts.list(friendly_name=name) == []


# walls between accounts ----------------------------------------------------------------------
def test_subaccount_cannot_read_parent_or_sibling(
    main_client: Client, sub_client: Callable[[Any], Client],
) -> None:
    a = main_client.api.v2010.accounts.create(friendly_name=_name())
    b = main_client.api.v2010.accounts.create(friendly_name=_name())
    client_a = sub_client(a)
    for target in (ACCOUNT_SID, b.sid):
        err = rest_error(lambda t=target: client_a.api.v2010.accounts(t).fetch())
        assert (err.status, err.code) == (404, 20404), (target, err.status, err.code)
        err = rest_error(lambda t=target: client_a.api.v2010.accounts(t).update(
            friendly_name="pwned"))
        assert (err.status, err.code) == (404, 20404), (target, err.status, err.code)
    assert main_client.api.v2010.accounts(b.sid).fetch().friendly_name == b.friendly_name
    assert main_client.api.v2010.accounts(b.sid).fetch().status == "active"


def test_cross_account_message_reads_are_404(
    live: LiveServer, validator: ResponseValidator, main_client: Client,
    sub_client: Callable[[Any], Client],
) -> None:
    a = main_client.api.v2010.accounts.create(friendly_name=_name())
    b = main_client.api.v2010.accounts.create(friendly_name=_name())
    client_a, client_b = sub_client(a), sub_client(b)
    msg = client_a.messages.create(to=TO, from_=FROM, body="private")

    # B's own path: the SID is not one of B's messages
    err = rest_error(client_b.messages(msg.sid).fetch)
    assert (err.status, err.code) == (404, 20404)
    assert client_b.messages.list() == []

    # B's credentials on A's path
    b_on_a = make_client(live, validator, b.sid, b.auth_token, account_sid=a.sid)
    for call in (b_on_a.messages(msg.sid).fetch, b_on_a.messages.list,
                 lambda: b_on_a.messages(msg.sid).update(body=""),
                 b_on_a.messages(msg.sid).delete,
                 lambda: b_on_a.messages.create(to=TO, from_=FROM, body="spoof")):
        err = rest_error(call)
        assert (err.status, err.code) == (404, 20404), (err.status, err.code, err.msg)

    # a subaccount cannot reach into its parent either
    a_on_main = make_client(live, validator, a.sid, a.auth_token, account_sid=ACCOUNT_SID)
    err = rest_error(a_on_main.messages.list)
    assert (err.status, err.code) == (404, 20404)

    # nothing changed in A
    kept = client_a.messages(msg.sid).fetch()
    assert kept.body == "private"
    assert [m.sid for m in client_a.messages.list()] == [msg.sid]


def test_parent_acts_on_subaccount_messages(
    main_client: Client, sub_client: Callable[[Any], Client],
    as_parent: Callable[[str], Client],
) -> None:
    sub = main_client.api.v2010.accounts.create(friendly_name=_name())
    own = sub_client(sub)
    parent = as_parent(sub.sid)

    mine = own.messages.create(to=TO, from_=FROM, body="from sub")
    fetched = parent.messages(mine.sid).fetch()
    assert fetched.body == "from sub" and fetched.account_sid == sub.sid

    theirs = parent.messages.create(to=TO, from_=FROM, body="from parent")
    assert theirs.account_sid == sub.sid
    assert {m.sid for m in parent.messages.list()} == {mine.sid, theirs.sid}
    assert own.messages(theirs.sid).fetch().body == "from parent"

    # the parent's own message list does not include the subaccount's messages
    main_sids = {m.sid for m in main_client.messages.list(to=TO, limit=1000)}
    assert mine.sid not in main_sids and theirs.sid not in main_sids

    # update and delete: on a scheduled message, which can be canceled, then redacted
    later = datetime.now(UTC) + timedelta(hours=1)
    scheduled = own.messages.create(to=TO, from_=FROM, body="later", schedule_type="fixed",
                                    send_at=later)
    assert scheduled.status == "scheduled"
    assert parent.messages(scheduled.sid).update(status="canceled").status == "canceled"
    assert own.messages(scheduled.sid).fetch().status == "canceled"
    assert parent.messages(scheduled.sid).update(body="").body == ""
    assert own.messages(scheduled.sid).fetch().body == ""
    assert parent.messages(scheduled.sid).delete() is True
    err = rest_error(own.messages(scheduled.sid).fetch)
    assert (err.status, err.code) == (404, 20404)
