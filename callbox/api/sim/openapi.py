"""The OpenAPI 3.1 document of `/sim/v1`, served at GET /sim/v1/openapi.json. The tests
validate every `/sim/v1` response against it, so it cannot drift from the handlers."""

from __future__ import annotations

from typing import Any

from callbox import __version__

__all__ = ["DOCUMENT"]

MAX_MS = 3_600_000


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


_ISO = {"type": "string", "format": "date-time",
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
        "description": "ISO 8601, UTC, seconds: 2026-11-24T10:00:00Z"}
_E164 = {"type": "string", "pattern": r"^\+[1-9]\d{1,14}$", "description": "E.164"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"Twilio-Request-Id": {"$ref": "#/components/headers/RequestId"}},
        "content": {"application/json": {"schema": schema}},
    }


_ERRORS = {
    400: "A field or query parameter is wrong (the message names it)",
    401: "Missing or wrong credentials (20003), or the account is not active (20005)",
    404: "No such resource (20404), or To is not one of the account's numbers",
    405: "Method not allowed on this path (20004); the Allow header lists the allowed ones",
    413: "Request body too large",
    415: "Content-Type is neither application/json nor application/x-www-form-urlencoded",
    503: "callbox is starting; retry shortly (20503)",
}


def _responses(success: int, schema: dict[str, Any] | None, description: str,
               errors: tuple[int, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if schema is None:
        out[str(success)] = {
            "description": description,
            "headers": {"Twilio-Request-Id": {"$ref": "#/components/headers/RequestId"}},
        }
    else:
        out[str(success)] = _json(schema, description)
    for status in errors:
        out[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    out["default"] = {"$ref": "#/components/responses/Error"}
    return out


_READ = (401, 404, 405, 503)
_PAGED = (400, 401, 404, 405, 503)
_WRITE = (400, 401, 404, 405, 413, 415, 503)


def _body(name: str, description: str) -> dict[str, Any]:
    return {
        "required": True,
        "description": description,
        "content": {
            "application/json": {"schema": _ref(name)},
            "application/x-www-form-urlencoded": {"schema": _ref(name)},
        },
    }


_MESSAGE_REQUEST = {
    "type": "object",
    "required": ["From", "To"],
    "additionalProperties": False,
    "properties": {
        "From": _string("The virtual handset that sends the text, E.164 (any number no "
                        "account owns)"),
        "To": _string("One of the account's (or its subaccounts') numbers, E.164"),
        "Body": _string("The text; Body or MediaUrl is required", maxLength=1600),
        "MediaUrl": {
            "description": "Media the handset attaches (repeat the key in a form), at most 10",
            "oneOf": [
                {"type": "string", "format": "uri"},
                {"type": "array", "items": {"type": "string", "format": "uri"}, "maxItems": 10},
            ],
        },
    },
}

_MESSAGE = {
    "type": "object",
    "description": "The inbound message, exactly as the 2010 API's Message resource "
                   "(GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json)",
    "required": ["sid", "account_sid", "from", "to", "body", "status", "direction",
                 "num_segments", "num_media", "date_created", "uri"],
    "properties": {
        "account_sid": _string("The account that owns the To number",
                               pattern="^AC[0-9a-f]{32}$"),
        "api_version": _string("2010-04-01"),
        "body": _string("The text"),
        "date_created": _string("RFC 2822"),
        "date_sent": _nullable(_string("RFC 2822")),
        "date_updated": _string("RFC 2822"),
        "direction": {"type": "string", "enum": ["inbound"]},
        "error_code": {"type": ["integer", "null"]},
        "error_message": {"type": ["string", "null"]},
        "from": _string("The virtual handset"),
        "messaging_service_sid": {"type": ["string", "null"]},
        "num_media": _string("Media count, as a string like Twilio", pattern=r"^\d+$"),
        "num_segments": _string("SMS segments, as a string like Twilio", pattern=r"^\d+$"),
        "price": {"type": ["string", "null"]},
        "price_unit": {"type": ["string", "null"]},
        "sid": _string("SM… (MM… with media)", pattern="^(SM|MM)[0-9a-f]{32}$"),
        "status": {"type": "string", "enum": ["received"]},
        "to": _string("The account's number"),
        "uri": _string("The 2010 API URI of the message"),
        "subresource_uris": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

_INBOX_ENTRY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["message_sid", "account_sid", "from", "to", "body", "media_urls", "num_media",
                 "num_segments", "date_received", "message_uri"],
    "properties": {
        "message_sid": _string("The outbound message that reached the handset",
                               pattern="^(SM|MM)[0-9a-f]{32}$"),
        "account_sid": _string("The account that sent it", pattern="^AC[0-9a-f]{32}$"),
        "from": _string("The sender (one of the account's numbers, or an alphanumeric ID)"),
        "to": {**_E164, "description": "The virtual handset"},
        "body": _string("The text as delivered"),
        "media_urls": {"type": "array", "items": {"type": "string"}},
        "num_media": {"type": "integer", "minimum": 0},
        "num_segments": {"type": "integer", "minimum": 0},
        "date_received": _ISO,
        "message_uri": _string("The message in the 2010 API"),
    },
}

_META = {
    "type": "object",
    "additionalProperties": False,
    "required": ["key", "page_size", "first_page_url", "next_page_url", "url"],
    "properties": {
        "key": _string("The name of the list in this body"),
        "page_size": {"type": "integer", "minimum": 1, "maximum": 1000},
        "first_page_url": _string("The first page with the same filters", format="uri"),
        "next_page_url": {"type": ["string", "null"], "format": "uri",
                          "description": "The next page (a keyset PageToken), null on the "
                                         "last page"},
        "url": _string("This page", format="uri"),
    },
}


def _page(key: str, item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [key, "meta"],
        "properties": {key: {"type": "array", "items": _ref(item)}, "meta": _ref("Meta")},
    }


_RULE_FIELDS: dict[str, Any] = {
    "outcome": {"type": ["string", "null"], "enum": ["delivered", "undelivered", "failed", None],
                "description": "Final status of texts to the number; unset: inherited"},
    "error_code": {"type": ["integer", "null"], "minimum": 30001, "maximum": 30999,
                   "description": "Twilio's 300xx delivery error; not with delivered. With no "
                                  "outcome, the code's own (30001/30002/30036 failed, others "
                                  "undelivered)"},
    "sending_ms": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_MS,
                   "description": "queued → sending"},
    "sent_ms": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_MS,
                "description": "sending → sent (or failed)"},
    "delivered_ms": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_MS,
                     "description": "sent → delivered (or undelivered)"},
}

_RULE_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "description": "Every field is optional; an unset field is inherited from the next rule "
                   "(the rules file's rule for the number, the account's `*` rule, the rules "
                   "file's [defaults], then delivered in 0 ms). A form sends the same names; "
                   "an empty value is unset.",
    "properties": _RULE_FIELDS,
}

_RULE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["number", *_RULE_FIELDS, "date_created", "date_updated", "uri"],
    "properties": {
        "number": {"type": "string", "pattern": r"^(\*|\+[1-9]\d{1,14})$",
                   "description": "E.164, or * for the account's default"},
        **_RULE_FIELDS,
        "date_created": _ISO,
        "date_updated": _ISO,
        "uri": _string("This rule"),
    },
}

_ATTEMPT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["sid", "account_sid", "resource_sid", "job_sid", "kind", "attempt", "method",
                 "url", "request_params", "request_headers", "status_code", "response_body",
                 "latency_ms", "error_code", "error", "date_created", "uri"],
    "properties": {
        "sid": _string("WA…", pattern="^WA[0-9a-f]{32}$"),
        "account_sid": _string("The account", pattern="^AC[0-9a-f]{32}$"),
        "resource_sid": _string("The message (SM…/MM…) the request was about"),
        "job_sid": {"type": ["string", "null"]},
        "kind": _string("status_callback, sms_url, sms_fallback_url or redirect"),
        "attempt": {"type": "integer", "minimum": 1,
                    "description": "1 for the first try, counting retries"},
        "method": {"type": "string", "enum": ["GET", "POST"]},
        "url": _string("The URL callbox called"),
        "request_params": _string("The form body (POST) or query (GET) sent"),
        "request_headers": {"type": "object", "additionalProperties": {"type": "string"},
                            "description": "Headers sent, with X-Twilio-Signature"},
        "status_code": {"type": ["integer", "null"],
                        "description": "The answer's HTTP status; null when none came"},
        "response_body": {"type": ["string", "null"]},
        "latency_ms": {"type": "number", "minimum": 0},
        "error_code": {"type": ["integer", "null"],
                       "description": "Twilio's code for a failed request (11200, 11205…)"},
        "error": {"type": ["string", "null"], "description": "What went wrong, in words"},
        "date_created": _ISO,
        "uri": _string("This attempt"),
    },
}

_ERROR = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "message", "more_info", "status"],
    "properties": {
        "code": {"type": "integer", "description": "Twilio's error code"},
        "message": {"type": "string"},
        "more_info": {"type": "string", "format": "uri",
                      "description": "https://www.twilio.com/docs/errors/{code}"},
        "status": {"type": "integer", "description": "The HTTP status"},
    },
}

_PAGE_PARAMS = [{"$ref": "#/components/parameters/PageSize"},
                {"$ref": "#/components/parameters/PageToken"}]
_NUMBER = {"$ref": "#/components/parameters/Number"}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "callbox simulated network",
        "version": __version__,
        "description": "Drive callbox's simulated phone network: text the account's numbers "
                       "from virtual handsets, read what handsets received, set what the "
                       "simulated carrier does with texts per number, and read the log of "
                       "every webhook request callbox made. Request bodies are JSON or "
                       "form-urlencoded with the same field names; unknown fields are "
                       "refused (400 / 20001). Responses are JSON; errors use Twilio's "
                       "envelope. Authentication is the 2010 API's: HTTP Basic with the "
                       "Account SID and Auth Token, or an API Key SID and Secret.",
    },
    "servers": [{"url": "http://127.0.0.1:8080", "description": "callbox (make run)"}],
    "security": [{"basic": []}],
    "tags": [
        {"name": "Messages", "description": "Virtual handsets"},
        {"name": "Rules", "description": "What the simulated carrier does per number"},
        {"name": "Webhooks", "description": "The log of callbox's webhook requests"},
    ],
    "paths": {
        "/sim/v1/Messages": {
            "post": {
                "operationId": "CreateInboundMessage",
                "tags": ["Messages"],
                "summary": "A virtual handset texts one of the account's numbers",
                "description": "Stores an inbound message (status received) and calls the "
                               "number's SmsUrl with Twilio's parameters, as Twilio does; a "
                               "<Message> in the answer is sent back to the handset. The "
                               "message is also readable through the 2010 API.",
                "requestBody": _body("InboundMessageRequest", "The text"),
                "responses": _responses(201, _ref("Message"), "The inbound message", _WRITE),
            },
        },
        "/sim/v1/Phones/{Phone}/Messages": {
            "get": {
                "operationId": "ListHandsetMessages",
                "tags": ["Messages"],
                "summary": "What a virtual handset received from this account, newest first",
                "parameters": [
                    {"name": "Phone", "in": "path", "required": True,
                     "description": "The handset, E.164 (URL-encode +: %2B14155550100)",
                     "schema": {"type": "string"}},
                    *_PAGE_PARAMS,
                ],
                "responses": _responses(200, _ref("InboxPage"), "One page", _PAGED),
            },
        },
        "/sim/v1/Rules": {
            "get": {
                "operationId": "ListRules",
                "tags": ["Rules"],
                "summary": "The account's carrier rules, by number (* first)",
                "responses": _responses(200, _ref("RuleList"), "Every rule", _READ),
            },
        },
        "/sim/v1/Rules/{Number}": {
            "parameters": [_NUMBER],
            "get": {
                "operationId": "FetchRule",
                "tags": ["Rules"],
                "summary": "One rule",
                "responses": _responses(200, _ref("Rule"), "The rule", (400, *_READ)),
            },
            "put": {
                "operationId": "UpdateRule",
                "tags": ["Rules"],
                "summary": "Set (create or replace) the rule for a number, or * for the "
                           "account's default",
                "requestBody": _body("RuleRequest", "The rule"),
                "responses": _responses(200, _ref("Rule"), "The stored rule", _WRITE),
            },
            "delete": {
                "operationId": "DeleteRule",
                "tags": ["Rules"],
                "summary": "Remove a rule (texts fall back to the next rule)",
                "responses": _responses(204, None, "Removed", (400, *_READ)),
            },
        },
        "/sim/v1/Webhooks": {
            "get": {
                "operationId": "ListWebhookAttempts",
                "tags": ["Webhooks"],
                "summary": "Every HTTP request callbox made to the account's URLs, newest "
                           "first",
                "parameters": [
                    {"name": "ResourceSid", "in": "query", "required": False,
                     "description": "Only the requests about this message (SM…/MM…)",
                     "schema": {"type": "string"}},
                    *_PAGE_PARAMS,
                ],
                "responses": _responses(200, _ref("WebhookAttemptPage"), "One page", _PAGED),
            },
        },
        "/sim/v1/Webhooks/{Sid}": {
            "get": {
                "operationId": "FetchWebhookAttempt",
                "tags": ["Webhooks"],
                "summary": "One webhook request and its answer",
                "parameters": [{"name": "Sid", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": "^WA[0-9a-f]{32}$"}}],
                "responses": _responses(200, _ref("WebhookAttempt"), "The attempt", _READ),
            },
        },
        "/sim/v1/openapi.json": {
            "get": {
                "operationId": "FetchOpenApi",
                "summary": "This document",
                "security": [],
                "responses": _responses(200, {"type": "object"}, "OpenAPI 3.1", (405,)),
            },
        },
    },
    "components": {
        "securitySchemes": {
            "basic": {"type": "http", "scheme": "basic",
                      "description": "Account SID + Auth Token, or API Key SID + Secret"},
        },
        "headers": {
            "RequestId": {"description": "RQ… identifies the request in callbox's log",
                          "schema": {"type": "string", "pattern": "^RQ[0-9a-f]{32}$"}},
        },
        "parameters": {
            "PageSize": {"name": "PageSize", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 1000,
                                    "default": 50}},
            "PageToken": {"name": "PageToken", "in": "query", "required": False,
                          "description": "From meta.next_page_url",
                          "schema": {"type": "string"}},
            "Number": {"name": "Number", "in": "path", "required": True,
                       "description": "E.164 (URL-encode +: %2B15551230001), or * for the "
                                      "account's default rule",
                       "schema": {"type": "string"}},
        },
        "responses": {
            **{f"E{status}": _json(_ref("Error"), text) for status, text in _ERRORS.items()},
            "Error": _json(_ref("Error"), "Any other error (500 / 20500 with a request id)"),
        },
        "schemas": {
            "Error": _ERROR,
            "InboundMessageRequest": _MESSAGE_REQUEST,
            "Message": _MESSAGE,
            "InboxEntry": _INBOX_ENTRY,
            "InboxPage": _page("messages", "InboxEntry"),
            "Meta": _META,
            "RuleRequest": _RULE_REQUEST,
            "Rule": _RULE,
            "RuleList": {"type": "object", "additionalProperties": False,
                         "required": ["rules"],
                         "properties": {"rules": {"type": "array", "items": _ref("Rule")}}},
            "WebhookAttempt": _ATTEMPT,
            "WebhookAttemptPage": _page("webhooks", "WebhookAttempt"),
        },
    },
}
