"""X-Twilio-Signature: how Twilio signs a webhook and how a receiver checks it.

Twilio's algorithm (contract §2.1, twilio-python ``request_validator.py``)::

    s = url                                     # exactly as requested, query included
    for name in sorted(params):                 # form parameters, code-point order
        for value in sorted(set(values(name))): # duplicate values count once
            s += name + value
    signature = base64(HMAC-SHA1(key=auth_token, msg=utf8(s)))

A GET webhook carries its parameters in the URL, so ``params`` is empty. A JSON body is
signed differently: the URL gets ``bodySHA256=<hex sha256 of the body>`` and is signed
with no parameters (`sign_json_body`).

`validate` accepts the URL as given, and also with the scheme's default port added or
removed (``:443`` for https, ``:80`` for http), because Twilio's back end is not
consistent about it and twilio-python accepts both. Unlike twilio-python it does not
also accept the URL with a *non-default* port stripped: a signature for
``https://host/`` does not validate a request to ``https://host:8443/``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

__all__ = ["Params", "sign", "sign_json_body", "validate"]

Params = Mapping[str, str | Sequence[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def sign(url: str, params: Params | None, auth_token: str) -> str:
    """The X-Twilio-Signature header value for a request to ``url`` with form ``params``.

    A value may be one string or a sequence of strings (a repeated key). Mappings with
    ``getall`` (multidict) or ``getlist`` (Starlette, Werkzeug, Django) are read the way
    twilio-python reads them, so every value of a repeated key is signed.
    """
    mac = hmac.new(auth_token.encode("utf-8"), _payload(url, params).encode("utf-8"),
                   hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def sign_json_body(url: str, body: bytes, auth_token: str) -> tuple[str, str]:
    """Sign a request whose body is JSON: returns ``(url_with_bodySHA256, signature)``.

    The URL to request is ``url`` with ``bodySHA256=<sha256 hex of body>`` appended to its
    query; the signature covers that URL and no parameters.
    """
    digest = hashlib.sha256(body).hexdigest()
    separator = "" if url.endswith(("?", "&")) else "&" if "?" in url else "?"
    signed_url = f"{url}{separator}bodySHA256={digest}"
    return signed_url, sign(signed_url, None, auth_token)


def validate(url: str, params: Params | bytes | str | None, signature: str,
             auth_token: str) -> bool:
    """True if ``signature`` is Twilio's signature of this request.

    ``params`` is the form parameters, or for a JSON request (``bodySHA256`` in the URL's
    query) the raw body, whose SHA-256 must then match. Comparisons are constant-time.
    """
    body_ok = True
    if isinstance(params, bytes | str):
        raw = params.encode("utf-8") if isinstance(params, str) else params
        claimed = parse_qs(urlsplit(url).query).get("bodySHA256")
        if claimed is None:
            # A raw body is only meaningful with bodySHA256; twilio-python would fail on
            # it too (it would iterate the characters as parameter names).
            return False
        body_ok = hmac.compare_digest(hashlib.sha256(raw).hexdigest().encode("ascii"),
                                      claimed[0].encode("utf-8", "surrogatepass"))
        params = None
    given = signature.encode("utf-8", "surrogatepass")
    # Check every candidate (no short circuit) so timing does not reveal which matched.
    matches = [hmac.compare_digest(sign(candidate, params, auth_token).encode("ascii"), given)
               for candidate in _port_variants(url)]
    return body_ok and any(matches)


def _payload(url: str, params: Params | None) -> str:
    parts = [url]
    if params:
        for name in sorted(set(params)):
            for value in sorted(set(_values(params, name))):
                parts.append(name)
                parts.append(value)
    return "".join(parts)


def _values(params: Params, name: str) -> Iterable[str]:
    for reader in ("getall", "getlist"):
        method = getattr(params, reader, None)
        if callable(method):
            values: Iterable[str] = method(name)
            return values
    value = params[name]
    return (value,) if isinstance(value, str) else value


def _port_variants(url: str) -> list[str]:
    """``url`` itself, plus the same URL with its scheme's default port added or removed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [url]
    default = _DEFAULT_PORTS.get(parts.scheme.lower())
    start = len(parts.scheme) + 3
    if default is None or not parts.netloc or url[start - 3:start] != "://":
        return [url]
    end = start + len(parts.netloc)
    if url[start:end] != parts.netloc:
        return [url]
    if port is None:
        if parts.netloc.endswith(":"):
            return [url]
        return [url, f"{url[:start]}{parts.netloc}:{default}{url[end:]}"]
    if port == default:
        host = parts.netloc[:parts.netloc.rfind(":")]
        return [url, f"{url[:start]}{host}{url[end:]}"]
    return [url]
