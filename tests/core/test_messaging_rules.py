"""MessagingService.validate: Twilio's checks in Twilio's order, with a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callbox.core.clock import FrozenClock
from callbox.core.errors import CallboxError
from callbox.core.messaging import MessagingService, NewMessage
from callbox.core.sids import SequentialSids

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def service() -> MessagingService:
    return MessagingService(store=None, clock=FrozenClock(NOW), sids=SequentialSids())  # type: ignore[arg-type]


def code(service: MessagingService, **kwargs: object) -> int:
    with pytest.raises(CallboxError) as err:
        service.validate(NewMessage(**kwargs))  # type: ignore[arg-type]
    return err.value.code


OK = {"to": "+15558675310", "from_": "+15017122661", "body": "hi"}


def test_valid_message_is_normalized(service: MessagingService) -> None:
    to, sender, body = service.validate(
        NewMessage(to="+1 (555) 867-5310", from_="+15017122661", body="hi")
    )
    assert (to, sender, body) == ("+15558675310", "+15017122661", "hi")


def test_order_to_before_from_before_body(service: MessagingService) -> None:
    assert code(service) == 21604
    assert code(service, to="+15558675310") == 21603
    assert code(service, to="+15558675310", from_="+15017122661") == 21602
    assert code(service, to="garbage", from_="garbage", body="x" * 1601) == 21617


def test_alphanumeric_sender_and_short_code(service: MessagingService) -> None:
    assert service.validate(NewMessage(to="+15558675310", from_="ACME", body="x"))[1] == "ACME"
    assert service.validate(NewMessage(to="12345", from_="+15017122661", body="x"))[0] == "12345"
    assert code(service, to="ACME", from_="+15017122661", body="x") == 21211


@pytest.mark.parametrize(
    ("lead", "expected"),
    [(timedelta(seconds=299), 35114), (timedelta(days=35, seconds=1), 35114)],
)
def test_schedule_window(service: MessagingService, lead: timedelta, expected: int) -> None:
    assert code(service, **OK, schedule_type="fixed", send_at=NOW + lead) == expected


def test_schedule_window_edges_are_inclusive(service: MessagingService) -> None:
    for lead in (timedelta(seconds=300), timedelta(days=35)):
        service.validate(NewMessage(**OK, schedule_type="fixed", send_at=NOW + lead))  # type: ignore[arg-type]


def test_schedule_needs_send_at_and_send_at_needs_fixed(service: MessagingService) -> None:
    assert code(service, **OK, schedule_type="fixed") == 35111
    assert code(service, **OK, send_at=NOW + timedelta(hours=1)) == 20001


def test_smart_encoding_changes_segments(service: MessagingService) -> None:
    _, _, body = service.validate(
        NewMessage(to="+15558675310", from_="+15017122661", body="\u201cquoted\u201d \u2014 ok",
                   smart_encoded=True)
    )
    assert body == '"quoted" - ok'
