"""Two callbox processes on one PostgreSQL (the gateway deployment): concurrent member
changes of one audience from both keep memberCount equal to the members stored, and an
address added from both at once is one member, not a 500."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.pg import postgres_database
from tests.support.server import ACCOUNT_SID, AUTH_TOKEN, LiveServer


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    with postgres_database() as url:
        one = LiveServer(Path(tmp_path_factory.mktemp("one")), database_url=url).start()
        two = LiveServer(Path(tmp_path_factory.mktemp("two")), database_url=url).start()
        yield one, two
        two.stop()
        one.stop()


def _clients(pair: tuple[LiveServer, LiveServer]) -> tuple[httpx.Client, httpx.Client]:
    account = httpx.post(pair[0].base_url + "/2010-04-01/Accounts.json",
                         auth=(ACCOUNT_SID, AUTH_TOKEN), data={"FriendlyName": "shared"}).json()
    auth = (account["sid"], account["auth_token"])
    return (httpx.Client(base_url=pair[0].base_url, auth=auth, timeout=60),
            httpx.Client(base_url=pair[1].base_url, auth=auth, timeout=60))


def _stored(client: httpx.Client, audience: str) -> int:
    n, token = 0, None
    while True:
        page = client.get(f"/v1/Audiences/{audience}/Members",
                          params={"pageSize": 1000, **({"pageToken": token} if token else {})}
                          ).json()
        n += len(page["members"])
        token = page["pagination"]["next"]
        if token is None:
            return n


def _together(*work: tuple[httpx.Client, list[dict[str, object]], str]) -> list[int]:
    statuses: list[int] = []

    def run(client: httpx.Client, bodies: list[dict[str, object]], audience: str) -> None:
        for body in bodies:
            statuses.append(client.post(f"/v1/Audiences/{audience}/Members",
                                        json=body).status_code)

    threads = [threading.Thread(target=run, args=w) for w in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_member_changes_from_two_processes_keep_the_count_exact(
        pair: tuple[LiveServer, LiveServer]) -> None:
    a, b = _clients(pair)
    audience = a.post("/v1/Audiences", json={"name": "shared"}).json()["id"]
    adds = [[{"add": [{"address": f"+1415555{base + i:04d}"}]} for i in range(25)]
            for base in (1000, 2000, 3000, 4000)]
    statuses = _together((a, adds[0], audience), (b, adds[1], audience),
                         (a, adds[2], audience), (b, adds[3], audience))
    assert set(statuses) == {200}
    assert b.get(f"/v1/Audiences/{audience}").json()["memberCount"] == 100
    assert _stored(a, audience) == 100
    # the same new addresses from both processes at once: one member each, no 500
    same = [{"add": [{"address": f"+1415666{i:04d}"}], "remove": [f"+1415555{1000 + i:04d}"]}
            for i in range(20)]
    statuses = _together((a, same, audience), (b, same, audience))
    assert set(statuses) == {200}, statuses
    assert a.get(f"/v1/Audiences/{audience}").json()["memberCount"] == 100
    assert _stored(b, audience) == 100
