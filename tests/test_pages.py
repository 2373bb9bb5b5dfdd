"""Reader pages and the error surfaces, through the real app in-process."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from forum.app import create_app
from forum.models import Thread
from forum.services import imports
from tests.conftest import SEEDS, make_settings


async def test_index_lists_threads_with_comment_counts(client):
    await imports.import_paths([SEEDS])
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    titles = re.findall(r'class="thread-title" href="/t/([^"]+)"', response.text)
    assert len(titles) == 5
    assert "6 comments" in response.text
    assert response.text.count("0 comments") == 4


async def test_thread_page_shows_the_post_and_the_nested_comments(client):
    await imports.import_paths([SEEDS])
    thread = await Thread.get(source="004_941239107233e0c6.txt")
    response = await client.get(f"/t/{thread.slug}")
    assert response.status_code == 200
    page = response.text
    assert "Initial Position Statement" in page
    assert page.count('<li class="comment"') == 6
    # "Tr2 has already started" holds the owner's reply inside its replies list.
    tr2 = page.index("<p>Tr2 has already started</p>")
    replies = page.index('<ol class="replies">', tr2)
    assert page.index("in the interests of avoiding", replies) < page.index("We know that", tr2)
    assert page.count('<ol class="replies">') == 2


async def test_thread_page_escapes_titles(client):
    await Thread.create(
        slug="x",
        title="<script>alert(1)</script>",
        import_key="k",
        last_activity_at=datetime.now(UTC),
    )
    page = (await client.get("/t/x")).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_unknown_thread_is_a_real_html_404(client):
    response = await client.get("/t/no-such-thread")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "There is no thread at /t/no-such-thread." in response.text
    assert "Traceback" not in response.text


async def test_unknown_api_path_is_json(client):
    response = await client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "http_404", "message": "There is nothing at this address."}
    }


async def test_bad_page_number_is_a_clear_422(client):
    response = await client.get("/?page=banana")
    assert response.status_code == 422
    assert "The page number must be a whole number" in response.text


async def test_index_paginates(client):
    now = datetime.now(UTC)
    await Thread.bulk_create(
        [
            Thread(slug=f"t{i}", title=f"T{i}", import_key=f"k{i}", last_activity_at=now)
            for i in range(35)
        ]
    )
    first = await client.get("/")
    second = await client.get("/?page=2")
    assert len(re.findall(r'class="thread-title"', first.text)) == 30
    assert len(re.findall(r'class="thread-title"', second.text)) == 5
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text


async def test_healthz_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    # Nothing listens on port 1: the connection fails, the app must say so, not crash.
    settings = make_settings(tmp_path, "postgres://postgres@127.0.0.1:1/none")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        response = await http.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_static_css_is_served_locally(client):
    response = await client.get("/static/forum.css")
    assert response.status_code == 200
    page = (await client.get("/")).text
    assert "http://" not in page.split("<body>")[0] and "https://" not in page.split("<body>")[0]
