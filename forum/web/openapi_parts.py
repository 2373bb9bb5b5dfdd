"""Building blocks shared by the parts of the OpenAPI description."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*statuses: int) -> dict[str, Any]:
    text = {
        401: "No valid moderator token",
        403: "Not allowed",
        404: "Not found",
        409: "Conflicts with what is stored",
        413: "Body too large",
        422: "Invalid input",
        429: "Rate limited",
    }
    return {str(s): json_content(ERROR, text[s]) for s in statuses}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
EDIT_TOKEN = {
    "name": "X-Edit-Token",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
}
