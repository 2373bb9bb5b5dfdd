"""/embed.js as served: type, caching, cross-origin headers, and what the script avoids.

The browser behaviour is in test_browser_embed.py; these checks need no browser.
"""

from __future__ import annotations

import re

import pytest

from forum.web.embed import SCRIPT

pytestmark = pytest.mark.usefixtures("database")


async def test_embed_script_is_served_for_other_sites(client):
    response = await client.get("/embed.js", headers={"Origin": "https://blog.example"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.content == SCRIPT.read_bytes()
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in response.headers["content-security-policy"]

    assert response.headers["content-encoding"] == "gzip"  # httpx asks for it and unpacks it
    assert response.headers["vary"] == "Accept-Encoding, Origin"

    again = await client.get("/embed.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert (await client.get("/embed.js", headers={"If-None-Match": '"other"'})).status_code == 200


@pytest.mark.parametrize("accept", ["identity", "br", "gzip;q=0", ""])
async def test_embed_script_plain_when_gzip_is_not_wanted(client, accept):
    response = await client.get("/embed.js", headers={"Accept-Encoding": accept})
    assert response.status_code == 200 and "content-encoding" not in response.headers
    assert response.content == SCRIPT.read_bytes()
    zipped = await client.get("/embed.js", headers={"Accept-Encoding": "br, gzip;q=0.5"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] != response.headers["etag"]


def test_embed_script_needs_no_unsafe_csp():
    """The script runs on other sites' pages, whose CSP may forbid eval and inline code."""
    source = SCRIPT.read_text()
    assert not re.search(r"\beval\(|new Function|setTimeout\(\s*['\"`]", source)
    assert not re.search(r"\.on[a-z]+\s*=|setAttribute\(\s*['\"]on|style\s*=", source)
    # HTML is parsed in one place only: the sanitised comment bodies.
    assert source.count("innerHTML") == 1
    assert "insertAdjacentHTML" not in source and "outerHTML" not in source
    assert "document.write" not in source
