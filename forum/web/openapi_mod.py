"""The OpenAPI description of the moderation routes (web/mod_api.py), kept beside the rest."""

from __future__ import annotations

from typing import Any

from forum.web.openapi_parts import ID, body, errors, json_content

SECURITY = [{"moderatorToken": []}]
LIMIT = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 100},
}
NULLABLE_STRING = {"type": ["string", "null"]}
ROW_ID = {"type": "integer", "minimum": 0, "maximum": 2147483647}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


MOD_PATHS: dict[str, Any] = {
    "/api/v1/mod/queue": {
        "get": {
            "summary": "One tab of the moderation queue, oldest first (recent: newest first)",
            "security": SECURITY,
            "parameters": [
                {
                    "name": "tab",
                    "in": "query",
                    "schema": {
                        "enum": ["needs_source", "reported", "pending", "recent"],
                        "default": "needs_source",
                    },
                },
                {"name": "after", "in": "query", "schema": ROW_ID},
                LIMIT,
            ],
            "responses": {
                "200": json_content(_ref("QueuePage"), "A page of the tab"),
                **errors(401, 422),
            },
        }
    },
    "/api/v1/mod/actions": {
        "post": {
            "summary": "Approve, request a source, hide or restore up to 100 comments",
            "description": "Each comment is acted on in its own transaction with its own "
            "audit entry; one that cannot be (gone, unknown) is reported in `results` and "
            "stops none of the others. Hiding needs a note (the reason).",
            "security": SECURITY,
            "requestBody": body(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["action", "comment_ids"],
                    "if": {"properties": {"action": {"const": "hide"}}},
                    "then": {
                        "required": ["note"],
                        "properties": {"note": {"pattern": "\\S"}},
                    },
                    "properties": {
                        "action": {"enum": ["approve", "request_source", "hide", "restore"]},
                        "comment_ids": {
                            "type": "array",
                            "items": {**ROW_ID, "minimum": 1},
                            "minItems": 1,
                            "maxItems": 100,
                        },
                        "note": {"type": "string", "maxLength": 1000},
                    },
                }
            ),
            "responses": {
                "200": json_content(_ref("ActionResults"), "What happened to each comment"),
                **errors(401, 413, 422),
            },
        }
    },
    "/api/v1/mod/comments/{id}/history": {
        "get": {
            "summary": "A comment and every moderation action on it, oldest first",
            "security": SECURITY,
            "parameters": [ID],
            "responses": {
                "200": json_content(
                    {
                        "type": "object",
                        "required": ["comment", "entries"],
                        "properties": {
                            "comment": _ref("ModComment"),
                            "entries": {"type": "array", "items": _ref("AuditEntry")},
                        },
                    },
                    "The history",
                ),
                **errors(401, 404),
            },
        }
    },
    "/api/v1/mod/audit": {
        "get": {
            "summary": "The audit log, newest first, keyset-paginated",
            "security": SECURITY,
            "parameters": [
                {"name": "before", "in": "query", "schema": ROW_ID},
                LIMIT,
            ],
            "responses": {
                "200": json_content(
                    {
                        "type": "object",
                        "required": ["entries", "next_before"],
                        "properties": {
                            "entries": {"type": "array", "items": _ref("AuditEntry")},
                            "next_before": {"type": ["integer", "null"]},
                        },
                    },
                    "A page of the log",
                ),
                **errors(401, 422),
            },
        }
    },
}

MOD_SCHEMAS: dict[str, Any] = {
    "ModComment": {
        "type": "object",
        "required": ["id", "thread_id", "text", "html", "status", "claim_state", "flagged"],
        "properties": {
            "id": {"type": "integer"},
            "thread_id": {"type": "integer"},
            "parent_id": {"type": ["integer", "null"]},
            "author": {"type": "string"},
            "text": {"type": "string"},
            "html": {"type": "string"},
            "status": {"enum": ["visible", "pending", "hidden", "deleted"]},
            "claim_state": {"type": "string"},
            "flagged": {"type": "array", "items": {"type": "object"}},
            "moderator_note": NULLABLE_STRING,
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "QueuePage": {
        "type": "object",
        "required": ["tab", "counts", "counts_capped", "items", "next_after"],
        "properties": {
            "tab": {"type": "string"},
            "counts": {
                "type": "object",
                "additionalProperties": {"type": "integer", "maximum": 1000},
                "description": "Comments in each tab, counted up to 1,000.",
            },
            "counts_capped": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The tabs that hold more than their count says (over 1,000).",
            },
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["comment", "thread", "reports"],
                    "properties": {
                        "comment": _ref("ModComment"),
                        "thread": {
                            "type": "object",
                            "properties": {
                                "slug": {"type": "string"},
                                "title": {"type": "string"},
                            },
                        },
                        "parent_excerpt": NULLABLE_STRING,
                        "reports": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
            "next_after": {"type": ["integer", "null"]},
        },
    },
    "ActionResults": {
        "type": "object",
        "required": ["action", "done", "results"],
        "properties": {
            "action": {"type": "string"},
            "done": {"type": "integer"},
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "ok"],
                    "properties": {
                        "id": {"type": "integer"},
                        "ok": {"type": "boolean"},
                        "comment": _ref("ModComment"),
                        "error": {"type": "object"},
                    },
                },
            },
        },
    },
    "AuditEntry": {
        "type": "object",
        "required": ["id", "action", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "action": {"type": "string"},
            "moderator": NULLABLE_STRING,
            "comment_id": {"type": ["integer", "null"]},
            "thread_id": {"type": ["integer", "null"]},
            "reason": {"type": "string"},
            "before": {"type": ["object", "null"]},
            "after": {"type": ["object", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
}
