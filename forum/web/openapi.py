"""The OpenAPI 3.1 description of JSON API v1, served at /api/v1/openapi.json.

Written by hand next to the routes it describes; a test checks that every /api/v1 route
of the app appears here and that nothing here is missing from the app.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from forum.web.openapi_mod import MOD_PATHS, MOD_SCHEMAS
from forum.web.openapi_parts import EDIT_TOKEN, ID, body, errors, json_content

ID_RANGE = {"minimum": 1, "maximum": 2**31 - 1}
# The rules of services/comments.py: not blank, no control characters (the name: no line
# breaks or tabs either). The length limit counts characters after trimming, which a
# schema cannot express, so it is in the description.
CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
COMMENT_TEXT = {
    "type": "string",
    "minLength": 1,
    "description": "At most 10,000 characters once trimmed and with CRLF line ends as LF.",
    "allOf": [{"pattern": "\\S"}, {"pattern": f"^[^{CONTROL}]*$"}],
}
AUTHOR = {"type": ["string", "null"], "maxLength": 80, "pattern": f"^[^{CONTROL}\\t\\n]*$"}

SCHEMA: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "forum JSON API",
        "version": "1",
        "description": "Threads, comments, counts and reports, for embeds and tools.",
    },
    "paths": {
        "/api/v1/threads": {
            "get": {
                "summary": "Threads by latest activity, keyset-paginated",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": json_content({"$ref": "#/components/schemas/ThreadList"}, "A page"),
                    **errors(422),
                },
            },
            "post": {
                "summary": "The thread for a page of an allowed origin",
                "requestBody": body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["url", "title"],
                        "properties": {"url": {"type": "string"}, "title": {"type": "string"}},
                    }
                ),
                "responses": {
                    "200": json_content({"$ref": "#/components/schemas/Thread"}, "Existing thread"),
                    "201": json_content({"$ref": "#/components/schemas/Thread"}, "New thread"),
                    **errors(403, 413, 422),
                },
            },
        },
        "/api/v1/threads/lookup": {
            "get": {
                "summary": "The thread attached to a page URL, or a known thread by slug",
                "description": "Send exactly one of url and slug.",
                "parameters": [
                    {"name": "url", "in": "query", "schema": {"type": "string"}},
                    {"name": "slug", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": json_content({"$ref": "#/components/schemas/Thread"}, "The thread"),
                    **errors(404, 422),
                },
            }
        },
        "/api/v1/threads/{id}": {
            "get": {
                "summary": "A thread with its visible comment tree, whole or a page at a time",
                "description": (
                    "Without limit, the whole tree. With limit, up to that many top-level"
                    " comments (oldest first), each with all its replies, and next_cursor"
                    " for the next page (null at the end); send it back as cursor with the"
                    " same limit. A page may hold fewer top-level comments than the limit"
                    " (a removed one without visible replies is left out): page on until"
                    " next_cursor is null."
                ),
                "parameters": [
                    ID,
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": json_content({"$ref": "#/components/schemas/ThreadTree"}, "The thread"),
                    "304": {"description": "Not modified (If-None-Match matched the ETag)"},
                    **errors(404, 422),
                },
            }
        },
        "/api/v1/threads/{id}/comments": {
            "post": {
                "summary": "Post a comment or reply",
                "parameters": [ID],
                "requestBody": body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["text"],
                        "properties": {
                            "text": COMMENT_TEXT,
                            "author": AUTHOR,
                            "parent_id": {"type": ["integer", "null"], **ID_RANGE},
                        },
                    }
                ),
                "responses": {
                    "201": json_content({"$ref": "#/components/schemas/PostedComment"}, "Stored"),
                    "202": json_content(
                        {"$ref": "#/components/schemas/HeldComment"},
                        "Held for a moderator (site or thread pre-moderated)",
                    ),
                    **errors(404, 409, 413, 422, 429),
                },
            }
        },
        "/api/v1/comments/{id}": {
            "patch": {
                "summary": "Edit your comment inside the edit window",
                "parameters": [ID, EDIT_TOKEN],
                "requestBody": body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["text"],
                        "properties": {"text": COMMENT_TEXT},
                    }
                ),
                "responses": {
                    "200": json_content({"type": "object"}, "Edited"),
                    **errors(403, 404, 413, 422),
                },
            },
            "delete": {
                "summary": "Delete your comment inside the edit window",
                "parameters": [ID, EDIT_TOKEN],
                "responses": {"204": {"description": "Deleted"}, **errors(403, 404)},
            },
        },
        "/api/v1/comments/{id}/reports": {
            "post": {
                "summary": "Report a comment to the moderators",
                "parameters": [ID],
                "requestBody": body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["reason"],
                        "properties": {
                            "reason": {"enum": ["needs_source", "spam", "abusive", "off_topic"]},
                            "note": {"type": "string", "maxLength": 1000},
                        },
                    }
                ),
                "responses": {
                    "201": json_content({"type": "object"}, "Reported"),
                    **errors(404, 413, 422, 429),
                },
            }
        },
        "/api/v1/comments/{id}/sources": {
            "post": {
                "summary": "Back your comment with a source link inside the source window",
                "description": "The link is fetched and recorded with whether it answered, "
                "and the claim is checked again with the link beside it.",
                "parameters": [ID, EDIT_TOKEN],
                "requestBody": body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["url"],
                        "properties": {
                            "url": {"type": "string", "maxLength": 2000},
                            "note": {"type": "string", "maxLength": 500},
                        },
                    }
                ),
                "responses": {
                    "201": json_content({"$ref": "#/components/schemas/SourceAdded"}, "Recorded"),
                    **errors(403, 404, 413, 422),
                },
            }
        },
        "/api/v1/counts": {
            "get": {
                "summary": "Visible comment counts for many pages",
                "parameters": [
                    {
                        "name": "url",
                        "in": "query",
                        "schema": {"type": "array", "maxItems": 100, "items": {"type": "string"}},
                    },
                    {
                        "name": "id",
                        "in": "query",
                        "schema": {
                            "type": "array",
                            "maxItems": 100,
                            "items": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                        },
                    },
                ],
                "responses": {
                    "200": json_content(
                        {
                            "type": "object",
                            "properties": {
                                "counts": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer"},
                                }
                            },
                        },
                        "Counts keyed by the url or id asked for",
                    ),
                    **errors(422),
                },
            }
        },
        **MOD_PATHS,
        "/api/v1/docs": {
            "get": {
                "summary": "This description as a readable HTML page",
                "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}},
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": json_content({"type": "object"}, "OpenAPI 3.1")},
            }
        },
    },
    "components": {
        "securitySchemes": {
            "moderatorToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token from `forum create-token USERNAME`.",
            }
        },
        "schemas": {
            **MOD_SCHEMAS,
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "field": {"type": "string"},
                        },
                    }
                },
            },
            "Thread": {
                "type": "object",
                "required": ["id", "slug", "title", "last_activity_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "slug": {"type": "string"},
                    "title": {"type": "string"},
                    "url": {"type": ["string", "null"]},
                    "last_activity_at": {"type": "string", "format": "date-time"},
                    "comment_count": {"type": "integer"},
                },
            },
            "ThreadList": {
                "type": "object",
                "required": ["threads", "next_cursor"],
                "properties": {
                    "threads": {"type": "array", "items": {"$ref": "#/components/schemas/Thread"}},
                    "next_cursor": {"type": ["string", "null"]},
                },
            },
            "Comment": {
                "type": "object",
                "required": ["id", "parent_id", "html", "created_at", "replies"],
                "properties": {
                    "id": {"type": "integer"},
                    "parent_id": {"type": ["integer", "null"]},
                    "author": {"type": ["string", "null"]},
                    "html": {"type": "string"},
                    "removed": {"type": "boolean"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "edited_at": {"type": ["string", "null"], "format": "date-time"},
                    "source_requested": {"type": "boolean"},
                    "moderator_note": {"type": ["string", "null"]},
                    "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
                    "replies": {"type": "array", "items": {"$ref": "#/components/schemas/Comment"}},
                },
            },
            "ThreadTree": {
                "allOf": [
                    {"$ref": "#/components/schemas/Thread"},
                    {
                        "type": "object",
                        "properties": {
                            "body_html": {"type": "string"},
                            "open": {"type": "boolean"},
                            "comment_count": {
                                "type": "integer",
                                "description": "Visible comments in the whole thread",
                            },
                            "comments": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Comment"},
                            },
                            "next_cursor": {"type": ["string", "null"]},
                        },
                    },
                ]
            },
            "Source": {
                "type": "object",
                "required": ["url", "reachable"],
                "properties": {"url": {"type": "string"}, "reachable": {"type": "boolean"}},
            },
            "SourceAdded": {
                "type": "object",
                "required": ["id", "needs_source", "source_requested", "sources"],
                "properties": {
                    "id": {"type": "integer"},
                    "needs_source": {"type": "boolean"},
                    "source_requested": {"type": "boolean"},
                    "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
                },
            },
            "HeldComment": {
                "type": "object",
                "required": ["id", "pending", "message"],
                "properties": {
                    "id": {"type": "integer"},
                    "pending": {"const": True},
                    "message": {"type": "string"},
                },
            },
            "PostedComment": {
                "type": "object",
                "required": ["id", "html", "needs_source", "edit_token"],
                "properties": {
                    "id": {"type": "integer"},
                    "parent_id": {"type": ["integer", "null"]},
                    "author": {"type": "string"},
                    "html": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "needs_source": {"type": "boolean"},
                    "flagged": {"type": "array", "items": {"type": "object"}},
                    "edit_token": {"type": "string"},
                },
            },
        },
    },
}


async def openapi(request: Request) -> Response:
    return JSONResponse(SCHEMA)


async def reference(request: Request) -> Response:
    """The same description as a readable page."""
    return request.app.state.templates.TemplateResponse(
        request, "api/reference.html", {"schema": SCHEMA}
    )
