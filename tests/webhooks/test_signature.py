"""sign / validate / sign_json_body: X-Twilio-Signature (contract §2.1), checked against
twilio-python's own RequestValidator."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from callbox.webhooks.signature import sign, sign_json_body, validate

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
JSON_BODY = b'{"property": "value", "boolean": true}'
JSON_SHA256 = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"


# --- the contract's test vectors ------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    (URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
    ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
    ("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
    ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
])
def test_vectors(url: str, expected: str) -> None:
    assert sign(url, PARAMS, TOKEN) == expected
    assert validate(url, PARAMS, expected, TOKEN)


class GetList(dict[str, list[str]]):
    """A Django QueryDict / Starlette FormData look-alike: ``getlist``, ``[]`` gives one."""

    def __getitem__(self, key: str) -> list[str]:
        raise AssertionError("values must be read with getlist")

    def getlist(self, key: str) -> list[str]:
        return dict.__getitem__(self, key)


@pytest.mark.parametrize("params", [
    {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234", "1234"]},
    {"Sid": ["CA123"], "SidAccount": ("AC123",), "Digits": ("1234", "5678")},
    MultiDict([("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"),
               ("Digits", "1234"), ("Digits", "1234")]),
    GetList(Sid=["CA123"], SidAccount=["AC123"], Digits=["5678", "1234", "1234"]),
], ids=["dict-of-lists", "tuples", "multidict", "getlist"])
def test_vector_repeated_keys_sorted_and_deduplicated(params: object) -> None:
    assert sign(URL, params, TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="  # type: ignore[arg-type]


def test_vector_body_sha256() -> None:
    signed_url, signature = sign_json_body(URL, JSON_BODY, TOKEN)
    assert signed_url == f"{URL}&bodySHA256={JSON_SHA256}"
    assert signature == sign(signed_url, None, TOKEN)
    assert validate(signed_url, JSON_BODY, signature, TOKEN)
    assert validate(signed_url, JSON_BODY.decode(), signature, TOKEN)
    assert RequestValidator(TOKEN).validate(signed_url, JSON_BODY.decode(), signature)


# --- GET, ports, JSON bodies, refusals -------------------------------------------------

def test_get_request_signs_the_url_alone() -> None:
    url = "https://example.com/sms?From=%2B15005550006&Body=hi"
    assert sign(url, None, TOKEN) == sign(url, {}, TOKEN)
    assert RequestValidator(TOKEN).validate(url, {}, sign(url, None, TOKEN))


@pytest.mark.parametrize(("signed", "requested"), [
    ("https://h.example/p", "https://h.example:443/p"),
    ("https://h.example:443/p", "https://h.example/p"),
    ("http://h.example/p", "http://h.example:80/p"),
    ("http://h.example:80/p", "http://h.example/p"),
    ("HTTPS://h.example/p", "HTTPS://h.example:443/p"),
    ("https://user:pw@h.example/p", "https://user:pw@h.example:443/p"),
    ("https://[::1]:443/p", "https://[::1]/p"),
])
def test_default_port_is_optional(signed: str, requested: str) -> None:
    assert validate(requested, PARAMS, sign(signed, PARAMS, TOKEN), TOKEN)


@pytest.mark.parametrize(("signed", "requested"), [
    ("https://h.example/p", "https://h.example:8443/p"),
    ("https://h.example/p", "https://h.example:80/p"),
    ("http://h.example/p", "http://h.example:443/p"),
    ("https://h.example:8443/p", "https://h.example/p"),
])
def test_other_ports_must_match(signed: str, requested: str) -> None:
    assert not validate(requested, PARAMS, sign(signed, PARAMS, TOKEN), TOKEN)


@pytest.mark.parametrize("url", [
    "https://h.example:notaport/p", "ftp://h.example/p", "/relative?x=1", "", "https://",
    "https://h.example:/p",
])
def test_odd_urls_still_validate_exactly(url: str) -> None:
    assert validate(url, PARAMS, sign(url, PARAMS, TOKEN), TOKEN)


def test_json_url_without_query_gets_one() -> None:
    signed_url, _ = sign_json_body("https://h.example/hook", b"{}", TOKEN)
    assert signed_url.startswith("https://h.example/hook?bodySHA256=")
    signed_url, _ = sign_json_body("https://h.example/hook?", b"{}", TOKEN)
    assert signed_url.startswith("https://h.example/hook?bodySHA256=")


def test_json_body_tampered_or_unhashed_is_refused() -> None:
    signed_url, signature = sign_json_body(URL, JSON_BODY, TOKEN)
    assert not validate(signed_url, JSON_BODY + b" ", signature, TOKEN)
    assert not validate(URL, JSON_BODY, sign(URL, None, TOKEN), TOKEN)


@pytest.mark.parametrize("signature", [
    "", "RSOYDt4T1cUTdK1PDd93/VVr8B8", "rsoydt4t1cutdk1pdd93/vvr8b8=", "RSOYDt4T1cUTdK1PDd93/VVr8B8==",
    "RSOYDt4T1cUTdK1PDd93/VVr8B8\u00e9", "\ud800",
])
def test_wrong_signatures_are_false_not_errors(signature: str) -> None:
    assert not validate(URL, PARAMS, signature, TOKEN)


def test_wrong_token() -> None:
    assert not validate(URL, PARAMS, sign(URL, PARAMS, TOKEN), "54321")


# --- properties against twilio-python ---------------------------------------------------

TEXT = st.characters(exclude_categories=["Cs"])
URL_TEXT = st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="#?")
hosts = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?(\.[a-z]{2,6}){0,2}", fullmatch=True)
values = st.text(TEXT, max_size=12)


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, int]:
    """A URL that urlparse round-trips, and the index where its path starts."""
    scheme = draw(st.sampled_from(["http", "https"]))
    port = draw(st.none() | st.integers(1, 65535))
    prefix = f"{scheme}://{draw(hosts)}" + ("" if port is None else f":{port}")
    path = "/" + draw(st.text(URL_TEXT, max_size=20))
    query = draw(st.none() | st.text(st.characters(exclude_categories=["Cs", "Cc"],
                                                   exclude_characters="#"), min_size=1,
                                     max_size=20))
    url = prefix + path + ("" if query is None else f"?{query}")
    assume(urlparse(url).geturl() == url)
    return url, len(prefix)


params_str = st.dictionaries(st.text(TEXT, max_size=8), values, max_size=6)
params_any = st.dictionaries(st.text(TEXT, max_size=8),
                             values | st.lists(values, min_size=1, max_size=4), max_size=6)
tokens = st.text(TEXT, min_size=1, max_size=40)


def as_multidict(params: dict[str, str | list[str]]) -> MultiDict[str]:
    items: list[tuple[str, str]] = []
    for name, value in params.items():
        items.extend((name, v) for v in ([value] if isinstance(value, str) else value))
    return MultiDict(items)


@given(urls(), params_any, tokens)
def test_twilio_validator_accepts_our_signature(url: tuple[str, int],
                                               params: dict[str, str | list[str]],
                                               token: str) -> None:
    signature = sign(url[0], params, token)
    validator = RequestValidator(token)
    assert validator.validate(url[0], as_multidict(params), signature)
    assert validator.compute_signature(url[0], as_multidict(params)) == signature
    assert validate(url[0], params, signature, token)
    assert validate(url[0], as_multidict(params), signature, token)


def _replace(text: str, index: int, char: str) -> str:
    return text[:index] + char + text[index + 1:]


@given(st.data(), urls(), params_str, tokens)
def test_one_changed_character_fails(data: st.DataObject, url_and_path: tuple[str, int],
                                     params: dict[str, str], token: str) -> None:
    url, path_start = url_and_path
    signature = sign(url, params, token)
    changed = data.draw(st.sampled_from(["signature", "url", "param", "token"]))
    if changed == "signature":
        i = data.draw(st.integers(0, len(signature) - 1))
        char = data.draw(TEXT.filter(lambda c: c != signature[i]))
        signature = _replace(signature, i, char)
    elif changed == "url":
        # Only after the path's "/": a changed host or port is a different URL anyway,
        # but could make twilio-python's port handling raise instead of answer.
        assume(len(url) > path_start + 1)
        i = data.draw(st.integers(path_start + 1, len(url) - 1))
        char = data.draw(URL_TEXT.filter(lambda c: c != url[i]))
        url = _replace(url, i, char)
        assume(urlparse(url).geturl() == url)
    elif changed == "param":
        assume(any(params.values()))
        name = data.draw(st.sampled_from(sorted(n for n, v in params.items() if v)))
        i = data.draw(st.integers(0, len(params[name]) - 1))
        char = data.draw(TEXT.filter(lambda c: c != params[name][i]))
        params = {**params, name: _replace(params[name], i, char)}
    else:
        i = data.draw(st.integers(0, len(token) - 1))
        char = data.draw(TEXT.filter(lambda c: c != token[i]))
        token = _replace(token, i, char)
    assert not validate(url, params, signature, token)
    assert not RequestValidator(token).validate(url, params, signature)
