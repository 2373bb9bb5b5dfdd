"""Reading a file as JSON or XML, with the one error message each format gives for it."""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import ParseError

from forum.importers import ImportFormatError


def load_json(data: bytes, name: str) -> Any:
    """The decoded document, or an ImportFormatError saying where it stops being JSON."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{name}: not UTF-8 (offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def xml_error(name: str, exc: ParseError) -> ImportFormatError:
    """Where a streamed XML file stopped being well-formed (a cut-off file, say)."""
    line, column = exc.position
    return ImportFormatError(f"{name}: not well-formed XML (line {line}, column {column})")
