"""The OpenAPI 3.1 document of the Communications API, served at GET /v1/openapi.json (and
/preview/openapi.json). Every path exists twice, under `/v1` and its alias `/preview`: the
`/preview` path items are derived from the `/v1` ones (same parameters, bodies and responses,
only the operationId differs, as OpenAPI wants it unique), so the two can never drift.
Response schemas are strict (`additionalProperties: false`, every field required) so that the
tests, which validate every response against this document, catch any drift from the
handlers; request schemas document every field the handlers accept."""

from __future__ import annotations

from typing import Any

from callbox import __version__
from callbox.core.audiences import MAX_DESCRIPTION
from callbox.core.tags import MAX_VARIABLE_LENGTH, MAX_VARIABLE_NAME, MAX_VARIABLES

__all__ = ["DOCUMENT", "PREFIXES"]

PREFIXES = ("/v1", "/preview")

MAX_RECIPIENTS = 10_000
MAX_MEMBERS_PER_REQUEST = 10_000
MAX_AUDIENCE_MEMBERS = 100_000
MAX_MEDIA = 10
MAX_TEXT = 1600
MAX_ERRORS = 20

_BASE32 = "[0-7][0-9a-hjkmnp-tv-z]{25}"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _id_schema(kind: str, description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^comms_{kind}_{_BASE32}$",
            "description": description}


def _object(properties: dict[str, Any], description: str = "",
            required: list[str] | None = None) -> dict[str, Any]:
    """A strict object: no other field, every field required unless `required` says."""
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
    }
    if description:
        out["description"] = description
    return out


_REQUEST_ID = {"Twilio-Request-Id": {"$ref": "#/components/headers/RequestId"}}


def _json(schema: dict[str, Any], description: str,
          headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**_REQUEST_ID, **(headers or {})},
        "content": {"application/json": {"schema": schema}},
    }


# shared schemas -------------------------------------------------------------------------------
_TIMESTAMP = {"type": "string", "format": "date-time",
              "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
              "description": "ISO 8601, UTC, milliseconds: 2026-11-24T10:00:00.123Z"}

_TAGS = {
    "type": "object",
    "description": "At most 10 string → string pairs; key 1..128 characters, value 0..128",
    "maxProperties": 10,
    "propertyNames": {"type": "string", "minLength": 1, "maxLength": 128},
    "additionalProperties": {"type": "string", "maxLength": 128},
}

_VARIABLES = {"type": "object", "maxProperties": MAX_VARIABLES,
              "propertyNames": {"minLength": 1, "maxLength": MAX_VARIABLE_NAME},
              "additionalProperties": {"type": "string", "maxLength": MAX_VARIABLE_LENGTH},
              "description": "Template variables: {{ name }} in content.text becomes the value; "
                             "names and values 4,096 characters in all"}

_SENDER_CHANNEL = {"type": "string", "enum": ["SMS", "RCS", "WHATSAPP"],
                   "description": "From the 2010 From address: `whatsapp:` prefix → WHATSAPP, "
                                  "`rcs:` prefix → RCS, otherwise SMS"}
_RECIPIENT_CHANNEL = {"type": "string", "enum": ["PHONE", "WHATSAPP"],
                      "description": "From the 2010 To address: `whatsapp:` prefix → WHATSAPP, "
                                     "otherwise PHONE"}

_MESSAGE_STATUS = {
    "type": "string",
    "enum": ["SCHEDULED", "QUEUED", "SENT", "DELIVERED", "READ", "UNDELIVERED", "FAILED",
             "CANCELED", "INBOUND"],
    "description": "From the 2010 status: scheduled → SCHEDULED; accepted, queued, sending → "
                   "QUEUED; sent → SENT; delivered, partially_delivered → DELIVERED; read → "
                   "READ; undelivered → UNDELIVERED; failed → FAILED; canceled → CANCELED; "
                   "receiving, received → INBOUND",
}

_OPERATION_STATUS = {
    "type": "string",
    "enum": ["SCHEDULED", "PROCESSING", "COMPLETED", "CANCELED"],
    "description": "CANCELED after a cancel; COMPLETED when every recipient was fanned out "
                   "and every message is final; SCHEDULED when the request has a future "
                   "sendAt and nothing was sent yet; PROCESSING otherwise",
}

_MESSAGE_SENDER = _object({
    "address": _string("The account's address (E.164, `whatsapp:+…`, `rcs:…`), or the "
                       "other party for an inbound message"),
    "channel": _ref("SenderChannel"),
})

_MESSAGE_RECIPIENT = _object({
    "address": _string("The recipient's address"),
    "channel": _ref("RecipientChannel"),
})

_MEDIA = _object({"url": _string("Where the media is", format="uri")})

_CONTENT = _object({
    "text": {"type": ["string", "null"], "description": "The text as sent (templated)"},
    "media": {"type": "array", "items": _ref("Media"), "maxItems": MAX_MEDIA,
              "description": "[] when none"},
})

_MESSAGE_ERROR = _object({
    "code": {"type": "integer", "description": "Twilio's error code, such as 30003"},
    "message": {"type": "string"},
}, "Why the message was not delivered")

_SID = "^(SM|MM)[0-9a-f]{32}$"


def _related_kind(name: str, id_schema: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {"name": {"const": name}}},
            "then": {"properties": {"id": id_schema}}}


_RELATED = {
    **_object({
        "name": {"type": "string",
                 "enum": ["operation", "message", "session", "audience", "messages"]},
        "id": _string("comms_operation_… / SM… or MM… (the 2010 sid) / comms_session_… / "
                      "comms_audience_… / for `messages`, the session whose messages they are"),
        "uri": _string("Where to read it (relative)"),
    }, "A related resource"),
    "allOf": [
        _related_kind("operation", _ref("OperationId")),
        _related_kind("message", {"type": "string", "pattern": _SID}),
        _related_kind("session", _ref("SessionId")),
        _related_kind("audience", _ref("AudienceId")),
        _related_kind("messages", _ref("SessionId")),
    ],
}

_PARTICIPANT = _object({
    "address": _string("E.164 (or the bare number of a whatsapp:/rcs: address)"),
    "channel": {"type": "string", "enum": ["SMS", "RCS", "WHATSAPP", "PHONE"]},
    "type": {"type": "string", "enum": ["ACCOUNT", "CONTACT"],
             "description": "ACCOUNT: the account's number; CONTACT: the other party"},
}, "One side of a session")

_SESSION = _object({
    "id": _ref("SessionId"),
    "participants": {"type": "array", "items": _ref("Participant"), "minItems": 2,
                     "maxItems": 2, "description": "The account's side, then the contact's"},
    "messageCount": {"type": "integer", "minimum": 1},
    "related": {"type": "array", "items": _ref("RelatedResource"),
                "description": "Its messages: GET /Messages?sessionId=…"},
    "createdAt": _ref("Timestamp"),
    "updatedAt": _ref("Timestamp"),
}, "The thread between one of the account's addresses and another party: every message "
   "between them, both directions, whichever API sent or received it")

_MESSAGE = _object({
    "id": _ref("MessageId"),
    "from": _ref("MessageSender"),
    "to": {"type": "array", "items": _ref("MessageRecipient"), "minItems": 1, "maxItems": 1,
           "description": "Always one recipient"},
    "content": _ref("Content"),
    "status": _ref("MessageStatus"),
    "error": _or_null(_ref("MessageError")),
    "related": {"type": "array", "items": _ref("RelatedResource"),
                "description": "The operation that sent it (only when sent by one), the 2010 "
                               "message (same 128 bits as the id) and the session"},
    "tags": _ref("Tags"),
    "scheduledFor": _or_null(_ref("Timestamp")),
    "createdAt": _ref("Timestamp"),
    "updatedAt": _ref("Timestamp"),
    "deletedAt": {"type": "null", "description": "Always null"},
}, "One message of the store, whichever API sent it (or received, status INBOUND)")

_STAT_NAMES = ["total", "recipients", "attempts", "unaddressable", "queued", "sent",
               "scheduled", "delivered", "read", "undelivered", "failed", "canceled"]
_STAT_TEXT = {
    "total": "recipients − unaddressable = queued + scheduled + sent + delivered + read + "
             "undelivered + failed + canceled",
    "recipients": "Recipients targeted: to entries plus audience members",
    "attempts": "Messages handed to the carrier",
    "unaddressable": "Recipients no message was created for (invalid address, channel "
                     "mismatch)",
    "queued": "Queued messages, and recipients not yet fanned out (without sendAt)",
    "scheduled": "Scheduled messages, and recipients not yet fanned out (with sendAt)",
    "canceled": "Canceled messages, and recipients not fanned out before a cancel",
}
_STATS = _object({name: {"type": "integer", "minimum": 0,
                         **({"description": _STAT_TEXT[name]} if name in _STAT_TEXT else {})}
                  for name in _STAT_NAMES}, "Counts of the operation's recipients")

_OPERATION = _object({
    "id": _ref("OperationId"),
    "status": _ref("OperationStatus"),
    "stats": _ref("OperationStats"),
    "tags": _ref("Tags"),
    "createdAt": _ref("Timestamp"),
    "updatedAt": _ref("Timestamp"),
}, "One POST /Messages request and the messages it fans out to")

_AUDIENCE = _object({
    "id": _ref("AudienceId"),
    "name": {"type": "string", "minLength": 1, "maxLength": 256},
    "description": {"type": ["string", "null"], "maxLength": MAX_DESCRIPTION},
    "tags": _ref("Tags"),
    "memberCount": {"type": "integer", "minimum": 0, "maximum": MAX_AUDIENCE_MEMBERS},
    "createdAt": _ref("Timestamp"),
    "updatedAt": _ref("Timestamp"),
}, "A named list of recipients (at most 100,000 members, an address at most once)")

_MEMBER = _object({
    "address": _string("The member's address"),
    "channel": _ref("RecipientChannel"),
    "variables": _VARIABLES,
    "createdAt": _ref("Timestamp"),
}, "A recipient of an audience")

_URL = {"type": "string", "pattern": "^/",
        "description": "Relative URL of the page (same filters, pageSize and pageToken)"}
_PAGINATION = _object({
    "self": _string("The token of this page"),
    "next": {"type": ["string", "null"], "description": "The next (older) page's token"},
    "previous": {"type": ["string", "null"],
                 "description": "The previous (newer) page's token"},
    "selfUrl": _URL,
    "nextUrl": _or_null(_URL),
    "previousUrl": _or_null(_URL),
}, "Opaque keyset tokens: a page costs the same at any depth")


def _page(key: str, item: str, description: str) -> dict[str, Any]:
    return _object({key: {"type": "array", "items": _ref(item)},
                    "pagination": _ref("Pagination")}, description + ", newest first")


_MEMBERS_CHANGE = _object({
    "added": {"type": "integer", "minimum": 0, "description": "Members added (addresses "
                                                               "already in it are updated)"},
    "removed": {"type": "integer", "minimum": 0, "description": "Members removed"},
    "memberCount": {"type": "integer", "minimum": 0, "maximum": MAX_AUDIENCE_MEMBERS},
}, "What POST /Audiences/{id}/Members did")

_ERROR = _object({
    "code": {"type": "integer", "description": "Twilio's error code"},
    "message": {"type": "string"},
    "field": {"type": ["string", "null"],
              "description": "The offending field as a JSON path (`to[3].address`, "
                             "`content.text`, `tags`) or query parameter (`channel`)"},
    "more_info": {"type": "string", "format": "uri",
                  "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$",
                  "description": "https://www.twilio.com/docs/errors/{code}"},
})

_ERRORS = _object({
    "errors": {"type": "array", "items": _ref("Error"), "minItems": 1,
               "maxItems": MAX_ERRORS,
               "description": "Every problem found (validation reports up to 20)"},
}, "The error envelope of every 4xx/5xx answer")

# request bodies (the handlers validate; unknown fields are 20001) -------------------------------
_RECIPIENT_INPUT = _object({
    "address": _string("E.164 (PHONE) or whatsapp:+… (WHATSAPP)"),
    "channel": {**_RECIPIENT_CHANNEL,
                "description": "Must fit the sender: WHATSAPP sender ↔ WHATSAPP, SMS/RCS "
                               "sender ↔ PHONE; a mismatch is unaddressable (counted)"},
    "variables": _or_null(_VARIABLES),
}, "One recipient", required=["address"])

_AUDIENCE_TARGET = _object({
    "audienceId": _string("Every member of this audience (404 when unknown)"),
}, "Every member of an audience")

_MEDIA_INPUT = {
    "oneOf": [
        _object({"url": _string("The media URL", format="uri")}),
        _string("The media URL", format="uri"),
    ],
}

_CONTENT_INPUT = {
    **_object({
        "text": _string("The text (21617 over 1600 characters); `{{ name }}` becomes the "
                        "recipient's variable, else the default variable, else ''",
                        maxLength=MAX_TEXT),
        "media": {"type": "array", "items": _MEDIA_INPUT, "maxItems": MAX_MEDIA,
                  "description": "At most 10 (21623); a bad URL is 21620"},
        "defaultVariables": _or_null(_VARIABLES),
    }, "text and/or media (21602 when neither)", required=[]),
    "anyOf": [{"required": ["text"]}, {"required": ["media"]}],
}

_SEND_REQUEST = _object({
    "from": _object({
        "address": _string("One of the account's numbers (21606 otherwise; 21212 invalid)"),
        "channel": _SENDER_CHANNEL,
    }, "The sender (21603 when missing)", required=["address"]),
    "to": {"type": "array", "minItems": 1, "maxItems": MAX_RECIPIENTS,
           "items": {"oneOf": [_ref("RecipientInput"), _ref("AudienceTarget")]},
           "description": "1..10,000 recipients and audiences (21604 when missing)"},
    "content": _ref("ContentInput"),
    "tags": _ref("Tags"),
    "sendAt": _string("Schedule the messages: 300 s .. 35 days ahead", format="date-time"),
    "statusCallback": _string("2010-style status callbacks for every message", format="uri"),
}, "Send one message to each recipient", required=["from", "to", "content"])

_MEMBER_INPUT = _object({
    "address": _string("E.164 (PHONE) or whatsapp:+… (WHATSAPP); once per audience"),
    "channel": _or_null(_RECIPIENT_CHANNEL),
    "variables": _or_null(_VARIABLES),
}, "One member", required=["address"])

_AUDIENCE_CREATE = _object({
    "name": {"type": "string", "minLength": 1, "maxLength": 256},
    "description": {"type": ["string", "null"], "maxLength": MAX_DESCRIPTION},
    "tags": _or_null(_ref("Tags")),
    "members": _or_null({"type": "array", "items": _ref("MemberInput"),
                         "maxItems": MAX_MEMBERS_PER_REQUEST}),
}, "A new audience", required=["name"])

_AUDIENCE_UPDATE = _object({
    "name": {"type": "string", "minLength": 1, "maxLength": 256},
    "description": {"type": ["string", "null"], "maxLength": MAX_DESCRIPTION},
    "tags": {**_or_null(_ref("Tags")), "description": "Replaces the tags; null clears them"},
}, "Any of name, description, tags; the others are kept", required=[])

_MESSAGE_UPDATE = _object({
    "tags": {**_or_null(_ref("Tags")),
             "description": "Replaces the message's tags; {} or null clears them"},
}, "The message's tags (the only writable field of a message)", required=["tags"])

_MEMBERS_REQUEST = _object({
    "add": {"type": "array", "items": _ref("MemberInput"), "maxItems": MAX_MEMBERS_PER_REQUEST,
            "description": "Members to add (an address already in it is updated)"},
    "remove": {"type": "array", "items": {"type": "string"},
               "maxItems": MAX_MEMBERS_PER_REQUEST, "description": "Addresses to remove"},
}, "Members to add and remove (at most 100,000 members in all)", required=[])


def _body(name: str, description: str) -> dict[str, Any]:
    return {"required": True, "description": description,
            "content": {"application/json": {"schema": _ref(name)}}}


# responses ------------------------------------------------------------------------------------
_ERROR_TEXT = {
    400: "Invalid value, unknown field, bad JSON or a query string that is not UTF-8 "
         "(20001), or a more precise code (21602, 21603, 21604, 21606, 21212, 21617, 21620, "
         "21623, 30409); every problem is listed",
    401: "Missing or wrong credentials (20003), or a suspended or closed account (20005)",
    404: "No such resource (20404)",
    405: "Method not allowed on this path (20004); the Allow header lists the allowed ones",
    413: "Request body too large (20413)",
    415: "Content-Type is not application/json (20415)",
    500: "Internal error (20500)",
    503: "callbox is starting; retry shortly (20503)",
}

_ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Basic realm=…", "required": True,
                               "schema": {"type": "string"}}},
    405: {"Allow": {"description": "The allowed methods, such as `GET, POST`",
                    "required": True, "schema": {"type": "string"}}},
}

# 400 everywhere: any request can carry a query string that is not UTF-8
_READ = (400, 401, 503)
_READ_ID = (400, 401, 404, 503)
_LIST = (400, 401, 503)
_LIST_ID = (400, 401, 404, 503)
_WRITE = (400, 401, 413, 415, 503)
_WRITE_ID = (400, 401, 404, 413, 415, 503)


def _responses(success: int, schema: dict[str, Any] | None, description: str,
               errors: tuple[int, ...], headers: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if schema is None:
        out[str(success)] = {"description": description, "headers": {**_REQUEST_ID}}
    else:
        out[str(success)] = _json(schema, description, headers)
    for status in errors:
        out[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    out["default"] = {"$ref": "#/components/responses/E500"}
    return out


def _header(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/headers/{name}"}


_OPERATION_HEADERS = {
    "operation-id": _header("OperationIdHeader"),
    "operation-location": _header("OperationLocation"),
    "resource-location": _header("ResourceLocation"),
    "X-Twilio-Operation-Id": _header("OperationIdHeader"),
    "X-Twilio-Resource-Location": _header("ResourceLocation"),
}


# parameters -----------------------------------------------------------------------------------
def _param(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/parameters/{name}"}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _path_id(kind: str) -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True,
            "description": f"The {kind} id, comms_{kind}_…", "schema": _ref(f"{kind.title()}Id")}


_PAGE_PARAMS = [_param("PageSize"), _param("PageToken"), _param("PageSizeAlias"),
                _param("PageTokenAlias")]

_PARAMETERS = {
    "PageSize": _query("pageSize", {"type": "integer", "minimum": 1, "maximum": 1000,
                                    "default": 50}, "Items per page"),
    "PageToken": _query("pageToken", {"type": "string"},
                        "A token from pagination (self, next, previous); the first page "
                        "without it"),
    "PageSizeAlias": _query("page_size", {"type": "integer", "minimum": 1, "maximum": 1000},
                            "Alias of pageSize"),
    "PageTokenAlias": _query("page_token", {"type": "string"}, "Alias of pageToken"),
    "ChannelFilter": _query("channel", _ref("SenderChannel"),
                            "Only messages sent over this channel"),
    "StatusFilter": _query("status", _ref("MessageStatus"), "Only messages in this status"),
    "OperationIdFilter": _query("operationId", {"type": "string"},
                                "Only the messages of this operation (comms_operation_…)"),
    "SessionIdFilter": _query("sessionId", {"type": "string"},
                              "Only the messages of this session (comms_session_…)"),
    "TagsFilter": _query("tags", {"type": "string"},
                         "`k:v;k2:v2;`: only messages with every one of these tags"),
    "StartDate": _query("startDate", {"type": "string", "format": "date-time"},
                        "Only messages created at or after (ISO 8601)"),
    "EndDate": _query("endDate", {"type": "string", "format": "date-time"},
                      "Only messages created at or before (ISO 8601)"),
    "MessageId": _path_id("message"),
    "OperationId": _path_id("operation"),
    "SessionId": _path_id("session"),
    "AudienceId": _path_id("audience"),
}


# paths (relative to /v1 and /preview) -----------------------------------------------------------
# Order matters to matchers that take the first template that fits: /Messages/Operations
# comes before /Messages/{id}.
_PATHS: dict[str, dict[str, Any]] = {
    "/Messages": {
        "post": {
            "operationId": "SendMessages",
            "tags": ["Messages"],
            "summary": "Send a message to each recipient (and audience member): an operation",
            "description": "Answers at once with the operation; the messages are created as "
                           "it fans out (GET /Messages?operationId=…). Unaddressable "
                           "recipients are counted, not refused.",
            "requestBody": _body("SendMessagesRequest", "The messages"),
            "responses": _responses(202, _ref("Operation"), "The operation, accepted",
                                    (400, 401, 404, 413, 415, 503), _OPERATION_HEADERS),
        },
        "get": {
            "operationId": "ListMessages",
            "tags": ["Messages"],
            "summary": "Every message of the account, whichever API sent it, newest first",
            "parameters": [_param("ChannelFilter"), _param("StatusFilter"),
                           _param("OperationIdFilter"), _param("SessionIdFilter"),
                           _param("TagsFilter"),
                           _param("StartDate"), _param("EndDate"), *_PAGE_PARAMS],
            "responses": _responses(200, _ref("MessagePage"), "One page", _LIST),
        },
    },
    "/Messages/Operations": {
        "get": {
            "operationId": "ListOperations",
            "tags": ["Operations"],
            "summary": "The account's operations, newest first",
            "parameters": _PAGE_PARAMS,
            "responses": _responses(200, _ref("OperationPage"), "One page", _LIST),
        },
    },
    "/Messages/Operations/{id}": {
        "parameters": [_param("OperationId")],
        "get": {
            "operationId": "FetchOperation",
            "tags": ["Operations"],
            "summary": "One operation and its counts",
            "responses": _responses(200, _ref("Operation"), "The operation", _READ_ID),
        },
    },
    "/Messages/Operations/{id}/Cancel": {
        "parameters": [_param("OperationId")],
        "post": {
            "operationId": "CancelOperation",
            "tags": ["Operations"],
            "summary": "Cancel what the operation has not sent yet",
            "description": "Recipients not fanned out and scheduled messages become canceled; "
                           "400 / 30409 when the operation is already COMPLETED.",
            "responses": _responses(200, _ref("Operation"), "The operation, CANCELED",
                                    (400, *_READ_ID)),
        },
    },
    "/Messages/{id}": {
        "parameters": [_param("MessageId")],
        "get": {
            "operationId": "FetchMessage",
            "tags": ["Messages"],
            "summary": "One message",
            "responses": _responses(200, _ref("Message"), "The message", _READ_ID),
        },
        "post": {
            "operationId": "UpdateMessage",
            "tags": ["Messages"],
            "summary": "Replace the message's tags",
            "requestBody": _body("UpdateMessageRequest", "The new tags"),
            "responses": _responses(200, _ref("Message"), "The message", _WRITE_ID),
        },
        "patch": {
            "operationId": "PatchMessage",
            "tags": ["Messages"],
            "summary": "Replace the message's tags (as POST)",
            "requestBody": _body("UpdateMessageRequest", "The new tags"),
            "responses": _responses(200, _ref("Message"), "The message", _WRITE_ID),
        },
    },
    "/Sessions/{id}": {
        "parameters": [_param("SessionId")],
        "get": {
            "operationId": "FetchSession",
            "tags": ["Sessions"],
            "summary": "One session: its two parties and how many messages it holds",
            "responses": _responses(200, _ref("Session"), "The session", _READ_ID),
        },
    },
    "/Audiences": {
        "post": {
            "operationId": "CreateAudience",
            "tags": ["Audiences"],
            "summary": "Create an audience, with up to 10,000 members",
            "requestBody": _body("CreateAudienceRequest", "The audience"),
            "responses": _responses(201, _ref("Audience"), "The new audience", _WRITE),
        },
        "get": {
            "operationId": "ListAudiences",
            "tags": ["Audiences"],
            "summary": "The account's audiences, newest first",
            "parameters": _PAGE_PARAMS,
            "responses": _responses(200, _ref("AudiencePage"), "One page", _LIST),
        },
    },
    "/Audiences/{id}": {
        "parameters": [_param("AudienceId")],
        "get": {
            "operationId": "FetchAudience",
            "tags": ["Audiences"],
            "summary": "One audience",
            "responses": _responses(200, _ref("Audience"), "The audience", _READ_ID),
        },
        "post": {
            "operationId": "UpdateAudience",
            "tags": ["Audiences"],
            "summary": "Change the audience's name, description or tags",
            "requestBody": _body("UpdateAudienceRequest", "The fields to change"),
            "responses": _responses(200, _ref("Audience"), "The audience", _WRITE_ID),
        },
        "patch": {
            "operationId": "PatchAudience",
            "tags": ["Audiences"],
            "summary": "Change the audience's name, description or tags (as POST)",
            "requestBody": _body("UpdateAudienceRequest", "The fields to change"),
            "responses": _responses(200, _ref("Audience"), "The audience", _WRITE_ID),
        },
        "delete": {
            "operationId": "DeleteAudience",
            "tags": ["Audiences"],
            "summary": "Delete the audience and its members",
            "responses": _responses(204, None, "Deleted", _READ_ID),
        },
    },
    "/Audiences/{id}/Members": {
        "parameters": [_param("AudienceId")],
        "get": {
            "operationId": "ListAudienceMembers",
            "tags": ["Audiences"],
            "summary": "The audience's members, newest first",
            "parameters": _PAGE_PARAMS,
            "responses": _responses(200, _ref("MemberPage"), "One page", _LIST_ID),
        },
        "post": {
            "operationId": "UpdateAudienceMembers",
            "tags": ["Audiences"],
            "summary": "Add and remove members",
            "requestBody": _body("UpdateMembersRequest", "The changes"),
            "responses": _responses(200, _ref("MembersChange"), "What changed", _WRITE_ID),
        },
    },
    "/openapi.json": {
        "get": {
            "operationId": "FetchOpenApi",
            "summary": "This document",
            "security": [],
            "responses": _responses(200, {"type": "object"}, "OpenAPI 3.1", (400, 503)),
        },
    },
}

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _preview(item: dict[str, Any]) -> dict[str, Any]:
    """The /preview twin of a /v1 path item: the same objects, but a unique operationId."""
    return {key: ({**value, "operationId": "Preview" + value["operationId"]}
                  if key in _METHODS else value)
            for key, value in item.items()}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "callbox Communications API",
        "version": __version__,
        "description": "Twilio's Communications API: send messages to many recipients in "
                       "one request (an operation), read every message of the store "
                       "(whichever API sent or received it) and keep audiences. Every path "
                       "exists under /v1 and its alias /preview (same handlers, same store). "
                       "JSON in and out; errors are `{\"errors\": [...]}`. Authentication is "
                       "the 2010 API's: HTTP Basic with the Account SID and Auth Token, or an "
                       "API Key SID and Secret. IDs are comms_<type>_<26 characters>, the "
                       "lowercase Crockford base32 of a UUIDv7; a message's id and its 2010 "
                       "sid (SM…) are the same 128 bits.",
    },
    "servers": [{"url": "/", "description": "The callbox serving this document; the API is "
                                            "under /v1 and /preview"}],
    "security": [{"basic": []}],
    "tags": [
        {"name": "Messages", "description": "Send messages and read the store"},
        {"name": "Operations", "description": "The requests that send messages"},
        {"name": "Audiences", "description": "Named lists of recipients"},
    ],
    "paths": {
        **{"/v1" + path: item for path, item in _PATHS.items()},
        **{"/preview" + path: _preview(item) for path, item in _PATHS.items()},
    },
    "components": {
        "securitySchemes": {
            "basic": {"type": "http", "scheme": "basic",
                      "description": "Account SID + Auth Token, or API Key SID + Secret"},
        },
        "headers": {
            "RequestId": {"description": "RQ… identifies the request in callbox's log",
                          "required": True,
                          "schema": {"type": "string", "pattern": "^RQ[0-9a-f]{32}$"}},
            "OperationIdHeader": {"description": "The operation's id",
                                  "required": True, "schema": _ref("OperationId")},
            "OperationLocation": {"description": "/v1/Messages/Operations/{id}",
                                  "required": True,
                                  "schema": {"type": "string", "pattern": "^/"}},
            "ResourceLocation": {"description": "/v1/Messages?operationId={id}",
                                 "required": True,
                                 "schema": {"type": "string", "pattern": "^/"}},
        },
        "parameters": _PARAMETERS,
        "responses": {
            f"E{status}": _json(_ref("Errors"), text, _ERROR_HEADERS.get(status))
            for status, text in _ERROR_TEXT.items()
        },
        "schemas": {
            "MessageId": _id_schema("message", "comms_message_…: the same 128 bits as the "
                                               "2010 sid SM…"),
            "OperationId": _id_schema("operation", "comms_operation_…"),
            "AudienceId": _id_schema("audience", "comms_audience_…"),
            "SessionId": _id_schema("session", "comms_session_…: the thread between the "
                                               "account's address and the other party"),
            "Timestamp": _TIMESTAMP,
            "Tags": _TAGS,
            "SenderChannel": _SENDER_CHANNEL,
            "RecipientChannel": _RECIPIENT_CHANNEL,
            "MessageStatus": _MESSAGE_STATUS,
            "MessageSender": _MESSAGE_SENDER,
            "MessageRecipient": _MESSAGE_RECIPIENT,
            "Media": _MEDIA,
            "Content": _CONTENT,
            "MessageError": _MESSAGE_ERROR,
            "RelatedResource": _RELATED,
            "Participant": _PARTICIPANT,
            "Session": _SESSION,
            "Message": _MESSAGE,
            "MessagePage": _page("messages", "Message", "One page of messages"),
            "OperationStatus": _OPERATION_STATUS,
            "OperationStats": _STATS,
            "Operation": _OPERATION,
            "OperationPage": _page("operations", "Operation", "One page of operations"),
            "Audience": _AUDIENCE,
            "AudiencePage": _page("audiences", "Audience", "One page of audiences"),
            "Member": _MEMBER,
            "MemberPage": _page("members", "Member", "One page of an audience's members"),
            "MembersChange": _MEMBERS_CHANGE,
            "Pagination": _PAGINATION,
            "Error": _ERROR,
            "Errors": _ERRORS,
            "RecipientInput": _RECIPIENT_INPUT,
            "AudienceTarget": _AUDIENCE_TARGET,
            "ContentInput": _CONTENT_INPUT,
            "SendMessagesRequest": _SEND_REQUEST,
            "MemberInput": _MEMBER_INPUT,
            "CreateAudienceRequest": _AUDIENCE_CREATE,
            "UpdateAudienceRequest": _AUDIENCE_UPDATE,
            "UpdateMembersRequest": _MEMBERS_REQUEST,
            "UpdateMessageRequest": _MESSAGE_UPDATE,
        },
    },
}
