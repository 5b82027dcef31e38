"""parse_messaging: Messaging TwiML from a webhook's reply, on friendly and hostile input."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from twilio.twiml.messaging_response import Body, Media, Message, MessagingResponse

from callbox.twiml import (
    MAX_DOCUMENT_BYTES,
    MessageVerb,
    RedirectVerb,
    TwimlCode,
    TwimlError,
    TwimlWarning,
    Verb,
    parse_messaging,
    parse_messaging_with_warnings,
)

XML = "application/xml"


def parse(document: str | bytes, content_type: str | None = XML
          ) -> tuple[list[Verb], list[int]]:
    body = document.encode() if isinstance(document, str) else document
    verbs, warnings = parse_messaging_with_warnings(body, content_type)
    assert parse_messaging(body, content_type) == verbs
    return verbs, [w.code for w in warnings]


def refused(document: str | bytes, content_type: str | None = XML) -> TwimlError:
    body = document.encode() if isinstance(document, str) else document
    with pytest.raises(TwimlError) as info:
        parse_messaging(body, content_type)
    return info.value


# --- documents as twilio-python's MessagingResponse writes them ------------------------

def test_message_with_every_attribute() -> None:
    response = MessagingResponse()
    response.message("Hello World!", to="+15005550006", from_="+15005550001",
                     action="https://example.com/done", method="GET",
                     status_callback="/status")
    assert parse(str(response)) == ([MessageVerb(
        body="Hello World!", media=(), to="+15005550006", from_="+15005550001",
        action="https://example.com/done", method="GET", status_callback="/status")], [])


def test_body_and_media_nouns() -> None:
    message = Message()
    message.append(Body("Store Location: 123 Easy St."))
    message.append(Media("https://demo.twilio.com/owl.png"))
    message.append(Media("/relative/cat.gif"))
    response = MessagingResponse()
    response.append(message)
    assert parse(str(response)) == ([MessageVerb(
        body="Store Location: 123 Easy St.",
        media=("https://demo.twilio.com/owl.png", "/relative/cat.gif"))], [])


def test_media_only_message_has_empty_body() -> None:
    message = Message()
    message.media("https://example.com/a.jpg")
    response = MessagingResponse()
    response.append(message)
    assert parse(str(response))[0] == [MessageVerb(body="", media=("https://example.com/a.jpg",))]


def test_several_messages_then_redirect() -> None:
    response = MessagingResponse()
    response.message("one")
    response.message("two")
    response.redirect("https://example.com/next")
    assert parse(str(response)) == ([MessageVerb(body="one"), MessageVerb(body="two"),
                                     RedirectVerb(url="https://example.com/next", method="POST")],
                                    [])


def test_redirect_get_and_relative_url_kept() -> None:
    response = MessagingResponse()
    response.redirect("../next?x=1&y=2", method="GET")
    assert parse(str(response))[0] == [RedirectVerb(url="../next?x=1&y=2", method="GET")]


def test_empty_response() -> None:
    assert parse(str(MessagingResponse())) == ([], [])
    assert parse("<Response/>") == ([], [])


def test_escaped_text_comes_back() -> None:
    response = MessagingResponse()
    response.message("a < b & c > d \"quoted\" 'single' é 😀")
    assert parse(str(response))[0][0] == MessageVerb(body="a < b & c > d \"quoted\" 'single' é 😀")


BODY_TEXT = st.characters(exclude_categories=["Cs", "Cc"], include_characters="\t\n")


@given(st.text(BODY_TEXT, max_size=300),
       st.lists(st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/]{0,20}", fullmatch=True),
                max_size=10),
       st.none() | st.text(BODY_TEXT, min_size=1, max_size=20),
       st.sampled_from([None, "GET", "POST", "get"]))
def test_round_trip_through_messaging_response(text: str, media: list[str], to: str | None,
                                               method: str | None) -> None:
    expected_to = to.strip(" \t\n") or None if to is not None else None
    assume(text.strip(" \t\n") or media)
    message = Message(to=to, method=method)
    message.append(Body(text))
    for url in media:
        message.append(Media(url))
    response = MessagingResponse()
    response.append(message)
    verbs, warnings = parse(str(response))
    assert warnings == []
    assert verbs == [MessageVerb(body=text.strip(" \t\n"), media=tuple(media), to=expected_to,
                                 method=method.upper() if method else None)]


# --- content types and empty bodies -----------------------------------------------------

@pytest.mark.parametrize("content_type", [
    "application/xml", "text/xml", "text/html", "TEXT/XML; charset=UTF-8",
    'text/xml;charset="utf-8"', " application/xml ; foo=bar",
])
def test_twiml_content_types(content_type: str) -> None:
    assert parse("<Response><Message>hi</Message></Response>", content_type)[0] == [
        MessageVerb(body="hi")]


@pytest.mark.parametrize("content_type", [
    None, "", "application/json", "text/csv", "application/octet-stream", "image/png",
    "application/twiml+xml", "xml", "text/plainish",
])
def test_other_content_types_are_12300(content_type: str | None) -> None:
    error = refused("<Response><Message>hi</Message></Response>", content_type)
    assert error.code == 12300


@pytest.mark.parametrize("body", [b"", b" ", b"\r\n\t \n"])
@pytest.mark.parametrize("content_type", [None, XML, "text/plain", "image/png", "nonsense"])
def test_empty_body_means_no_reply(body: bytes, content_type: str | None) -> None:
    assert parse(body, content_type) == ([], [])


def test_text_plain_is_sent_as_a_reply() -> None:
    assert parse("  Thanks, we got it!\n", "text/plain; charset=utf-8") == (
        [MessageVerb(body="Thanks, we got it!")], [])
    assert parse("<Response><Message>x</Message></Response>", "text/plain")[0] == [
        MessageVerb(body="<Response><Message>x</Message></Response>")]


def test_text_plain_charset() -> None:
    assert parse("café".encode("latin-1"), "text/plain; charset=ISO-8859-1")[0] == [
        MessageVerb(body="café")]


@pytest.mark.parametrize(("body", "content_type"), [
    (b"caf\xe9", "text/plain"),
    (b"hello", "text/plain; charset=no-such-charset"),
])
def test_text_plain_undecodable_is_12100(body: bytes, content_type: str) -> None:
    assert refused(body, content_type).code == TwimlCode.DOCUMENT_PARSE_FAILURE


def test_text_plain_too_long_is_skipped_with_14103() -> None:
    assert parse("x" * 1600, "text/plain")[0] == [MessageVerb(body="x" * 1600)]
    assert parse("x" * 1601, "text/plain") == ([], [TwimlCode.INVALID_BODY])


def test_http_charset_overrides_the_document() -> None:
    document = "<Response><Message>café</Message></Response>".encode("latin-1")
    assert parse(document, "text/xml; charset=iso-8859-1")[0] == [MessageVerb(body="café")]
    assert refused(document, "text/xml").code == TwimlCode.DOCUMENT_PARSE_FAILURE
    # an unknown charset leaves the decision to the document
    assert parse(b"<Response><Message>x</Message></Response>",
                 "text/xml; charset=x-unknown")[0] == [MessageVerb(body="x")]


def test_declared_encodings() -> None:
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><Response><Message>hé</Message></Response>'
    assert parse(utf16.encode("utf-16"))[0] == [MessageVerb(body="hé")]
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><Response><Message>é</Message></Response>'
    assert parse(latin.encode("latin-1"))[0] == [MessageVerb(body="é")]


# --- the hostile cases --------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">\n'
              for i in range(1, 10))
    + "]>\n<Response><Message>&lol9;</Message></Response>"
)
QUADRATIC_BLOWUP = (
    f'<!DOCTYPE r [<!ENTITY a "{"x" * 20_000}">]>'
    f"<Response><Message>{'&a;' * 2_000}</Message></Response>"
)


@pytest.mark.parametrize("document", [
    BILLION_LAUGHS,
    QUADRATIC_BLOWUP,
    '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<Response><Message>&x;</Message></Response>",
    '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Message>ok</Message></Response>',
    '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><Response/>',
    '<!DOCTYPE Response SYSTEM "file:///etc/passwd"><Response/>',
    "<!DOCTYPE Response><Response><Message>hi</Message></Response>",
    '<!DOCTYPE Response [<!ENTITY greeting "hi">]><Response><Message>&greeting;</Message></Response>',
    '<!DOCTYPE Response [<!ELEMENT Response ANY>]><Response/>',
], ids=["billion-laughs", "quadratic-blowup", "xxe-file", "xxe-file-unused", "xxe-parameter",
        "external-dtd", "doctype-only", "internal-entity", "element-declaration"])
def test_any_doctype_is_refused(document: str) -> None:
    started = time.monotonic()
    error = refused(document)
    assert time.monotonic() - started < 1.0
    assert error.code == TwimlCode.DOCUMENT_PARSE_FAILURE
    assert "root:" not in error.message  # nothing of /etc/passwd leaks into the report


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def test_no_network_for_external_entities_or_dtds(listener: socket.socket) -> None:
    host, port = listener.getsockname()
    base = f"http://{host}:{port}"
    for document in [
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "{base}/entity">]><Response><Message>&x;</Message></Response>',
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{base}/param"> %p;]><Response/>',
        f'<!DOCTYPE Response SYSTEM "{base}/dtd"><Response/>',
    ]:
        with pytest.raises(TwimlError):
            parse_messaging(document.encode(), XML)
    xinclude = (f'<Response xmlns:xi="http://www.w3.org/2001/XInclude">'
                f'<xi:include href="{base}/xi"/></Response>')
    assert parse(xinclude) == ([], [TwimlCode.INVALID_VERB])
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_xinclude_is_not_processed() -> None:
    document = ('<Response xmlns:xi="http://www.w3.org/2001/XInclude">'
                '<xi:include href="file:///etc/passwd" parse="text"/></Response>')
    assert parse(document) == ([], [TwimlCode.INVALID_VERB])


def test_ten_megabytes_is_refused_before_parsing() -> None:
    body = b"<Response><Message>" + b"x" * 10_000_000 + b"</Message></Response>"
    started = time.monotonic()
    error = refused(body)
    assert time.monotonic() - started < 0.5
    assert error.code == 11750


def test_size_limit_is_64_kib() -> None:
    def document(size: int) -> bytes:
        head, tail = b"<Response>", b"</Response>"
        return head + b" " * (size - len(head) - len(tail)) + tail

    assert parse(document(MAX_DOCUMENT_BYTES)) == ([], [])
    assert refused(document(MAX_DOCUMENT_BYTES + 1)).code == TwimlCode.RESPONSE_TOO_LARGE
    assert refused(b" " * (MAX_DOCUMENT_BYTES + 1), "image/png").code == 11750


def test_deep_nesting_is_refused() -> None:
    body = b"<Response><Message>" + b"<a>" * 5_000 + b"</a>" * 5_000 + b"</Message></Response>"
    assert len(body) < MAX_DOCUMENT_BYTES  # refused for its depth, not its size
    assert refused(body).code == TwimlCode.DOCUMENT_PARSE_FAILURE


def test_moderate_nesting_is_ignored_without_recursion() -> None:
    body = ("<Response><Message><Body>hi" + "<b>" * 200 + "x" + "</b>" * 200
            + "</Body></Message></Response>")
    assert parse(body) == ([MessageVerb(body="hi")], [TwimlCode.SCHEMA_VALIDATION])


@pytest.mark.parametrize("body", [
    b"<Response><Message>\xff\xfe</Message></Response>",
    b"<Response><Message>\xc3\x28</Message></Response>",
    b"<Response><Message>\xed\xa0\x80</Message></Response>",  # an encoded surrogate
    b"\xef\xbb\xbf\xef\xbb\xbf<Response/>",
])
def test_invalid_utf8_is_12100(body: bytes) -> None:
    assert refused(body).code == TwimlCode.DOCUMENT_PARSE_FAILURE


@pytest.mark.parametrize("body", [
    b"garbage", b"\x00\x01\x02\x03", b"<Response>", b"<Response></response>",
    b"<Response><Message>a</Response>", b"<Response/><Response/>", b"<Response a=b/>",
    b"<Response>&nbsp;</Response>", b"<Response>&undefined;</Response>",
    b"<Response>\x00</Response>", b'  <?xml version="1.0"?><Response/>', b"<?xml?>",
    b"<!-- only a comment -->", b"{\"json\": true}", b"<Response><Message>&#0;</Message></Response>",
    b"<Response><Message>&#xD800;</Message></Response>",
])
def test_malformed_xml_is_12100(body: bytes) -> None:
    error = refused(body)
    assert error.code == TwimlCode.DOCUMENT_PARSE_FAILURE
    assert error.message.startswith("Document parse failure")
    assert error.warnings == ()


@pytest.mark.parametrize("body", [
    "<response/>", "<RESPONSE/>", "<Foo><Message>x</Message></Foo>", "<Message>x</Message>",
    '<Response xmlns="urn:example"><Message>x</Message></Response>',
    '<t:Response xmlns:t="urn:x"/>', "<html><body>Error 500</body></html>",
])
def test_wrong_root_is_12102(body: str) -> None:
    error = refused(body)
    assert error.code == 12102


@given(st.binary(max_size=2000),
       st.sampled_from([None, XML, "text/xml; charset=utf-16", "text/html; charset=latin-1",
                        "text/plain", "text/plain; charset=utf-16", "application/json"]))
def test_arbitrary_bytes_raise_only_twiml_errors(body: bytes, content_type: str | None) -> None:
    try:
        parse_messaging(body, content_type)
    except TwimlError as error:
        assert error.code in set(TwimlCode)


TAGS = ["Response", "Message", "Sms", "Body", "Media", "Redirect", "Say", "message", "x:y"]
ATTRS = ["to", "from", "method", "action", "statusCallback", "foo", "xmlns", "xmlns:x"]


@st.composite
def twimlish(draw: st.DrawFn, depth: int = 0) -> str:
    """Random nesting of TwiML-like elements, attributes, text and XML oddities."""
    tag = draw(st.sampled_from(TAGS))
    attrs = draw(st.dictionaries(st.sampled_from(ATTRS),
                                 st.text(st.characters(exclude_categories=["Cs"], exclude_characters='<&"\x00'),
                                         max_size=10), max_size=3))
    rendered = "".join(f' {k}="{v}"' for k, v in attrs.items())
    parts = draw(st.lists(
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="<&"), max_size=10)
        | st.sampled_from(["&amp;", "&#233;", "<!-- c -->", "<![CDATA[<x>]]>", "<?pi x?>", " "])
        | (twimlish(depth + 1) if depth < 3 else st.just("")),
        max_size=4))
    return f"<{tag}{rendered}>{''.join(parts)}</{tag}>"


@given(twimlish())
def test_structured_garbage_raises_only_twiml_errors(document: str) -> None:
    try:
        verbs, warnings = parse_messaging_with_warnings(document.encode(), XML)
    except TwimlError as error:
        assert error.code in set(TwimlCode)
        return
    assert all(isinstance(v, MessageVerb | RedirectVerb) for v in verbs)
    assert all(isinstance(w, TwimlWarning) and w.code in set(TwimlCode) for w in warnings)
    assert sum(isinstance(v, RedirectVerb) for v in verbs) <= 1
    assert not any(isinstance(v, RedirectVerb) for v in verbs[:-1])


# --- Twilio's rules inside <Response> -----------------------------------------------------

def test_verbs_after_redirect_are_ignored_silently() -> None:
    assert parse("<Response><Redirect>/a</Redirect><Message>x</Message><Say>y</Say>"
                 "<Redirect>/b</Redirect></Response>") == ([RedirectVerb(url="/a")], [])


def test_unknown_verbs_are_skipped_with_14110() -> None:
    assert parse("<Response><Say>hi</Say><Message>x</Message><message>y</message><Dial/>"
                 "</Response>") == ([MessageVerb(body="x")], [14110, 14110, 14110])


def test_sms_verb_is_a_message() -> None:
    assert parse('<Response><Sms to="+15005550006">hi</Sms></Response>')[0] == [
        MessageVerb(body="hi", to="+15005550006")]


def test_body_whitespace_is_stripped_at_the_ends_only() -> None:
    document = "<Response><Message>\n    line one\n  line two  \n  </Message></Response>"
    assert parse(document)[0] == [MessageVerb(body="line one\n  line two")]
    # Only XML whitespace: a no-break space is content.
    assert parse("<Response><Message>\u00a0x\u00a0</Message></Response>")[0] == [
        MessageVerb(body="\u00a0x\u00a0")]
    assert parse("<Response><Message><Body>  a  </Body></Message></Response>")[0] == [
        MessageVerb(body="a")]


def test_comments_pis_and_cdata() -> None:
    assert parse("<Response><!-- c --><Message>a<!-- c -->b<?pi x?><![CDATA[<c>]]></Message>"
                 "</Response>")[0] == [MessageVerb(body="ab<c>")]


def test_more_than_ten_media_keeps_ten() -> None:
    media = "".join(f"<Media>https://x.example/{i}</Media>" for i in range(12))
    verbs, warnings = parse(f"<Response><Message>{media}</Message></Response>")
    assert verbs == [MessageVerb(body="", media=tuple(f"https://x.example/{i}" for i in range(10)))]
    assert warnings == [TwimlCode.SCHEMA_VALIDATION]


def test_more_than_ten_messages_keeps_ten() -> None:
    messages = "".join(f"<Message>{i}</Message>" for i in range(12))
    verbs, warnings = parse(f"<Response>{messages}<Redirect>/n</Redirect></Response>")
    assert verbs == [*(MessageVerb(body=str(i)) for i in range(10)), RedirectVerb(url="/n")]
    assert warnings == [TwimlCode.REPLY_LIMIT, TwimlCode.REPLY_LIMIT]


def test_body_length_limit() -> None:
    assert parse(f"<Response><Message>{'é' * 1600}</Message></Response>")[0] == [
        MessageVerb(body="é" * 1600)]
    assert parse(f"<Response><Message>{'x' * 1601}</Message><Message>ok</Message></Response>"
                 ) == ([MessageVerb(body="ok")], [TwimlCode.INVALID_BODY])


@pytest.mark.parametrize("message", [
    "<Message/>", "<Message>   </Message>", "<Message><Body/></Message>",
    "<Message><Body> </Body><Media> </Media></Message>",
])
def test_empty_message_is_skipped_with_14103(message: str) -> None:
    verbs, warnings = parse(f"<Response>{message}</Response>")
    assert verbs == []
    assert warnings[-1] == TwimlCode.INVALID_BODY


def test_invalid_methods_are_14104() -> None:
    verbs, warnings = parse('<Response><Message method="PUT">x</Message>'
                            '<Redirect method="DELETE">/n</Redirect></Response>')
    assert verbs == [MessageVerb(body="x", method=None), RedirectVerb(url="/n", method="POST")]
    assert warnings == [TwimlCode.INVALID_METHOD, TwimlCode.INVALID_METHOD]
    assert parse('<Response><Redirect method="get">/n</Redirect></Response>')[0] == [
        RedirectVerb(url="/n", method="GET")]


def test_unknown_attributes_are_ignored_with_12200() -> None:
    verbs, warnings = parse('<Response version="2"><Message StatusCallback="/x" foo="1">'
                            '<Body bar="2">hi</Body><Media baz="3">/m</Media></Message>'
                            '<Redirect to="+1">/n</Redirect></Response>')
    assert verbs == [MessageVerb(body="hi", media=("/m",)), RedirectVerb(url="/n")]
    assert warnings == [TwimlCode.SCHEMA_VALIDATION] * 6


def test_empty_attributes_count_as_absent() -> None:
    assert parse('<Response><Message to=" " from="" action="" method="">x</Message></Response>'
                 )[0] == [MessageVerb(body="x")]


def test_nouns_and_text_mixing() -> None:
    verbs, warnings = parse("<Response><Message>ignored<Body>a</Body>also<Body>b</Body>"
                            "<Foo>no</Foo></Message></Response>")
    assert verbs == [MessageVerb(body="ab")]
    assert sorted(warnings) == [TwimlCode.SCHEMA_VALIDATION] * 3


def test_sms_takes_no_nouns() -> None:
    verbs, warnings = parse("<Response><Sms>hi<Body>no</Body><Media>/m</Media></Sms></Response>")
    assert verbs == [MessageVerb(body="hi")]
    assert warnings == [TwimlCode.SCHEMA_VALIDATION] * 2


def test_redirect_without_url_is_skipped_and_reading_goes_on() -> None:
    assert parse("<Response><Redirect> </Redirect><Message>x</Message></Response>") == (
        [MessageVerb(body="x")], [TwimlCode.SCHEMA_VALIDATION])
    assert parse("<Response><Redirect>/n<Foo/></Redirect></Response>") == (
        [RedirectVerb(url="/n")], [TwimlCode.SCHEMA_VALIDATION])


def test_text_directly_in_response_is_12200() -> None:
    assert parse("<Response>stray<Message>x</Message></Response>") == (
        [MessageVerb(body="x")], [TwimlCode.SCHEMA_VALIDATION])


def test_error_carries_code_and_message() -> None:
    error = refused("<Foo/>")
    assert error.code == 12102
    assert "Response" in error.message
    assert str(error).startswith("12102: ")
    assert error.warnings == ()


def test_verbs_are_frozen_values() -> None:
    verb = MessageVerb(body="x")
    with pytest.raises(AttributeError):
        verb.body = "y"  # type: ignore[misc]
    assert RedirectVerb(url="/n") == RedirectVerb(url="/n", method="POST")
    assert hash(verb) == hash(MessageVerb(body="x"))
