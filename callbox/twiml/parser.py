"""Messaging TwiML: a webhook's response body to the verbs to run, safe on hostile input.

Checked in this order; the first failure is a `TwimlError` and nothing runs:

===============================================  =========================================
input                                            result
===============================================  =========================================
body over 64 KiB (65,536 bytes)                  11750 "TwiML response body too large"
empty body, or only whitespace (any type; a      ``[]``: no reply
204 reaches here as ``b""``)
Content-Type text/plain                          one `MessageVerb` with the text, stripped
                                                 (Twilio: "returns the content of the text
                                                 file to the sender in the form of a
                                                 message"); not decodable in its charset
                                                 (default UTF-8): 12100
Content-Type application/xml, text/xml,          TwiML, below (charset parameter honoured)
text/html (Twilio's list)
any other Content-Type, or none                  12300 "Invalid Content-Type"
not well-formed XML, bad encoding, nesting       12100 "Document parse failure"
deeper than 256, entity amplification
any DOCTYPE (so any ENTITY declaration,          12100; nothing is fetched or expanded:
internal or external, general or parameter)      the parser never loads DTDs, resolves
                                                 entities or touches the network
root element not ``<Response>`` (names are       12102 "The root element must be Response"
case-sensitive and namespace-free)
===============================================  =========================================

Inside ``<Response>`` Twilio keeps going past problems and logs warnings
(`parse_messaging_with_warnings` returns them; `parse_messaging` drops them):

- ``<Message>`` (and legacy ``<Sms>``, which Twilio still accepts) becomes a `MessageVerb`.
  Its text is the ``<Body>`` nouns' text if there is any ``<Body>``, otherwise the text
  written directly inside ``<Message>``; leading and trailing XML whitespace is stripped,
  inner whitespace kept, comments ignored, CDATA read as text. ``<Media>`` nouns give the
  media URLs, stripped, in order.
- Attributes ``to``, ``from``, ``action``, ``method``, ``statusCallback`` (case-sensitive);
  values are stripped, an empty one counts as absent. ``method`` is GET or POST in any
  case, returned upper-case; anything else: warning 14104 and no method.
- ``<Redirect method="GET|POST">url</Redirect>`` becomes a `RedirectVerb` (method POST
  by default; another value: 14104 and POST). The URL is kept as written (the caller
  resolves relative URLs). Everything after a ``<Redirect>`` is unreachable and ignored
  without warnings, as Twilio's docs say. A ``<Redirect>`` without a URL: 12200, skipped.
- Skipped with warning 14103: a message with neither text nor media, or with text over
  1,600 characters. Over 10 ``<Media>``: 12200, the first 10 kept. Over 10 messages:
  14109, the first 10 kept (Twilio's limit of 10 replies; the caller must also count
  across redirects).
- Warning 12200 "Schema validation warning": an unknown attribute (ignored), an
  unknown element inside a verb or ``<Body>`` (ignored with its text), a second
  ``<Body>`` (texts joined), text beside ``<Body>`` (ignored), text directly in
  ``<Response>`` (ignored).
- Warning 14110 "Invalid Verb for Message Reply": any other element in ``<Response>``,
  voice verbs included; it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from callbox.twiml.errors import TwimlCode, TwimlError, TwimlWarning
from callbox.twiml.verbs import MessageVerb, RedirectVerb, Verb

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_DOCUMENT_BYTES",
    "MAX_MEDIA",
    "MAX_MESSAGES",
    "MessageVerb",
    "RedirectVerb",
    "Verb",
    "parse_messaging",
    "parse_messaging_with_warnings",
]

MAX_DOCUMENT_BYTES = 64 * 1024
MAX_BODY_CHARS = 1600
MAX_MEDIA = 10
MAX_MESSAGES = 10

_TWIML_TYPES = frozenset({"application/xml", "text/xml", "text/html"})
_XML_SPACE = " \t\r\n"
_METHODS = frozenset({"GET", "POST"})
_MESSAGE_ATTRIBUTES = frozenset({"to", "from", "action", "method", "statusCallback"})


def parse_messaging(body: bytes, content_type: str | None) -> list[Verb]:
    """The verbs to run for a messaging webhook's response; see the module docstring."""
    verbs, _ = parse_messaging_with_warnings(body, content_type)
    return verbs


def parse_messaging_with_warnings(
    body: bytes, content_type: str | None
) -> tuple[list[Verb], list[TwimlWarning]]:
    """`parse_messaging`, also returning the warnings Twilio would log."""
    if len(body) > MAX_DOCUMENT_BYTES:
        raise TwimlError(TwimlCode.RESPONSE_TOO_LARGE,
                         f"TwiML response body too large: {len(body)} bytes, limit 64 kB")
    if not body.strip():
        return [], []
    media_type, charset = _split_content_type(content_type)
    if media_type == "text/plain":
        return _plain_text(body, charset)
    if media_type not in _TWIML_TYPES:
        raise TwimlError(TwimlCode.INVALID_CONTENT_TYPE,
                         f"Invalid Content-Type: {content_type or '(none)'}")
    return _Reader().response(_parse_xml(body, charset))


def _split_content_type(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    media_type, *params = content_type.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or None
    return media_type.strip().lower(), charset


def _plain_text(body: bytes, charset: str | None) -> tuple[list[Verb], list[TwimlWarning]]:
    try:
        text = body.decode(charset or "utf-8").strip(_XML_SPACE)
    except (LookupError, UnicodeDecodeError) as exc:
        raise TwimlError(TwimlCode.DOCUMENT_PARSE_FAILURE,
                         f"Document parse failure: text/plain body is not {charset or 'utf-8'}"
                         ) from exc
    if not text:
        return [], []
    if len(text) > MAX_BODY_CHARS:
        return [], [_too_long(text)]
    return [MessageVerb(body=text)], []


def _parser(charset: str | None) -> etree.XMLParser:
    options = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                   dtd_validation=False, remove_comments=True, remove_pis=True)
    if charset:
        try:
            # RFC 7303: the HTTP charset parameter overrides the XML declaration.
            return etree.XMLParser(encoding=charset, **options)
        except LookupError:
            pass  # a charset libxml2 does not know: let the document say
    return etree.XMLParser(**options)


def _parse_xml(body: bytes, charset: str | None) -> etree._Element:
    try:
        root = etree.fromstring(body, _parser(charset))
    except (etree.LxmlError, ValueError) as exc:
        raise TwimlError(TwimlCode.DOCUMENT_PARSE_FAILURE,
                         f"Document parse failure: {exc}") from exc
    if root is None:
        raise TwimlError(TwimlCode.DOCUMENT_PARSE_FAILURE, "Document parse failure: no root")
    info = root.getroottree().docinfo
    # Refused outright (defusedxml's stance): nothing in a TwiML reply needs a DTD, and
    # entity declarations are how billion-laughs and XXE documents work.
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise TwimlError(TwimlCode.DOCUMENT_PARSE_FAILURE,
                         "Document parse failure: DOCTYPE and ENTITY declarations are refused")
    if root.tag != "Response":
        raise TwimlError(TwimlCode.INVALID_ROOT,
                         f"The root element must be Response, not {_name(root)}")
    return root


class _Reader:
    """Walks a parsed ``<Response>``, collecting verbs and warnings. Never recurses."""

    def __init__(self) -> None:
        self.warnings: list[TwimlWarning] = []

    def warn(self, code: int, message: str) -> None:
        self.warnings.append(TwimlWarning(code, message))

    def response(self, root: etree._Element) -> tuple[list[Verb], list[TwimlWarning]]:
        self.check_attributes(root, frozenset())
        if _direct_text(root):
            self.warn(TwimlCode.SCHEMA_VALIDATION, "Text is not allowed directly in Response")
        verbs: list[Verb] = []
        messages = 0
        for child in _elements(root):
            if child.tag in ("Message", "Sms"):
                message = self.message(child)
                if message is None:
                    continue
                if messages == MAX_MESSAGES:
                    self.warn(TwimlCode.REPLY_LIMIT,
                              f"TwiML Reply message limit exceeded: at most {MAX_MESSAGES}")
                    continue
                messages += 1
                verbs.append(message)
            elif child.tag == "Redirect":
                redirect = self.redirect(child)
                if redirect is not None:
                    verbs.append(redirect)
                    break  # what follows a Redirect is unreachable
            else:
                self.warn(TwimlCode.INVALID_VERB,
                          f"Invalid Verb for Message Reply: {_name(child)}; "
                          "valid verbs are Message, Sms and Redirect")
        return verbs, self.warnings

    def message(self, element: etree._Element) -> MessageVerb | None:
        self.check_attributes(element, _MESSAGE_ATTRIBUTES)
        bodies: list[str] = []
        media: list[str] = []
        for child in _elements(element):
            if child.tag == "Body" and element.tag == "Message":
                bodies.append(self.body(child))
            elif child.tag == "Media" and element.tag == "Message":
                self.check_attributes(child, frozenset())
                url = _direct_text(child)
                if child.find("*") is not None:
                    self.warn(TwimlCode.SCHEMA_VALIDATION, "Media holds only a URL")
                if url:
                    media.append(url)
                else:
                    self.warn(TwimlCode.SCHEMA_VALIDATION, "Media without a URL skipped")
            else:
                self.warn(TwimlCode.SCHEMA_VALIDATION,
                          f"Element {_name(child)} is not allowed in {element.tag}")
        direct = _direct_text(element)
        if bodies:
            if len(bodies) > 1:
                self.warn(TwimlCode.SCHEMA_VALIDATION, "More than one Body; texts joined")
            if direct:
                self.warn(TwimlCode.SCHEMA_VALIDATION, "Text beside Body ignored")
            text = "".join(bodies).strip(_XML_SPACE)
        else:
            text = direct
        if len(media) > MAX_MEDIA:
            self.warn(TwimlCode.SCHEMA_VALIDATION,
                      f"{len(media)} Media; only the first {MAX_MEDIA} are sent")
            media = media[:MAX_MEDIA]
        if not text and not media:
            self.warn(TwimlCode.INVALID_BODY,
                      "Invalid Body: the message has neither text nor media; skipped")
            return None
        if len(text) > MAX_BODY_CHARS:
            self.warnings.append(_too_long(text))
            return None
        return MessageVerb(
            body=text,
            media=tuple(media),
            to=_attribute(element, "to"),
            from_=_attribute(element, "from"),
            action=_attribute(element, "action"),
            method=self.method(element, None),
            status_callback=_attribute(element, "statusCallback"),
        )

    def body(self, element: etree._Element) -> str:
        self.check_attributes(element, frozenset())
        if element.find("*") is not None:
            self.warn(TwimlCode.SCHEMA_VALIDATION, "Body holds only text; elements ignored")
        # Not stripped here: the message's whole text is stripped once, at its ends.
        return "".join(_text_nodes(element))

    def redirect(self, element: etree._Element) -> RedirectVerb | None:
        self.check_attributes(element, frozenset({"method"}))
        if element.find("*") is not None:
            self.warn(TwimlCode.SCHEMA_VALIDATION, "Redirect holds only a URL")
        url = _direct_text(element)
        if not url:
            self.warn(TwimlCode.SCHEMA_VALIDATION, "Redirect without a URL skipped")
            return None
        return RedirectVerb(url=url, method=self.method(element, "POST") or "POST")

    def method(self, element: etree._Element, default: str | None) -> str | None:
        value = _attribute(element, "method")
        if value is None:
            return default
        if value.upper() in _METHODS:
            return value.upper()
        self.warn(TwimlCode.INVALID_METHOD,
                  f"Invalid method attribute on {element.tag}: {value!r} (GET or POST)")
        return default

    def check_attributes(self, element: etree._Element, allowed: frozenset[str]) -> None:
        for name in element.attrib:
            if name not in allowed:
                self.warn(TwimlCode.SCHEMA_VALIDATION,
                          f"Attribute {name!r} is not allowed on {_name(element)}")


def _too_long(text: str) -> TwimlWarning:
    return TwimlWarning(TwimlCode.INVALID_BODY,
                        f"Invalid Body: {len(text)} characters, limit {MAX_BODY_CHARS}; skipped")


def _elements(element: etree._Element) -> Iterator[etree._Element]:
    # Comments and processing instructions are removed by the parser; entity references
    # cannot survive the DOCTYPE refusal. So every child is an element.
    for child in element:
        if isinstance(child.tag, str):
            yield child


def _text_nodes(element: etree._Element) -> Iterator[str]:
    """The text directly inside ``element``: before, between and after its children."""
    if element.text:
        yield element.text
    for child in element:
        if child.tail:
            yield child.tail


def _direct_text(element: etree._Element) -> str:
    return "".join(_text_nodes(element)).strip(_XML_SPACE)


def _attribute(element: etree._Element, name: str) -> str | None:
    value = element.get(name)
    if value is None:
        return None
    return value.strip(_XML_SPACE) or None


def _name(element: etree._Element) -> str:
    tag = element.tag
    return f"<{tag}>" if isinstance(tag, str) else "<?>"
