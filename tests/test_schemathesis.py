"""Schemathesis against the live OpenAPI document of a running `forum serve`.

Property-based: it generates valid and invalid requests for every operation (with a real
moderator token for the moderation routes), and fails on any 5xx, any response that does
not match the document, a valid request refused, an invalid one accepted, or a wrong
`Allow` header. Two operations take inputs that the document cannot fully describe (an
opaque paging cursor; "exactly one of url and slug"), so only the check that valid-looking
input is accepted is switched off for them.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_or_skip
from tests.test_browser import forum_server
from tests.test_cli import forum

pytestmark = pytest.mark.slow

CONFIG = """
[[operations]]
include-path = "/api/v1/threads/lookup"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path = "/api/v1/threads"
include-method = "GET"
checks.positive_data_acceptance.enabled = false
"""


def run(settings, *args: str, stdin: str | None = None) -> str:
    result = forum(settings, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_the_api_matches_its_openapi_document(settings, tmp_path):
    if importlib.util.find_spec("schemathesis") is None:
        require_or_skip("schemathesis is not installed (pip install -e '.[test]')")
    st = Path(sys.executable).with_name("st")
    run(settings, "migrate")
    run(settings, "create-moderator", "mia", "--password-stdin", stdin="long enough pass\n")
    token = run(settings, "create-token", "mia").strip()
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {"FORUM_POST_RATE": "off", "FORUM_ALLOWED_ORIGINS": "http://blog.example"}
    async with forum_server(settings, env) as base:
        result = subprocess.run(
            [
                str(st),
                "--no-color",
                "--config-file",
                str(config),
                "run",
                f"{base}/api/v1/openapi.json",
                "--max-examples",
                "25",
                "--seed",
                "20261123",
                "-H",
                f"Authorization: Bearer {token}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=tmp_path,
        )
    server_log = (settings.data_dir / "server.log").read_text(encoding="utf-8")
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert " passed" in result.stdout and "failure" not in result.stdout.split("SUMMARY")[-1]
    assert "Traceback" not in server_log, server_log[-4000:]
