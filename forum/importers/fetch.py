"""Fetching one web page for `forum.importers.webpage`, carefully.

The address comes from a moderator, but the server it names is a stranger's, so: only
http(s); every host, on every redirect hop, must resolve to public addresses only (no
loopback, private, link-local or reserved ones, so an import cannot be used to read the
forum's own network) unless `allow_private`; redirects are followed by hand and counted;
the body is streamed and refused past `max_bytes`; only HTML is accepted; the whole fetch
has one deadline. Every failure is an ImportFormatError that says what went wrong.

A known limit: the name is resolved here and again by the HTTP client, so a DNS server
that answers differently the second time could still steer the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from urllib.parse import urljoin, urlsplit

import httpx

from forum.importers import ImportFormatError

USER_AGENT = "forum-import/1.0"
HTML_TYPES = {"text/html", "application/xhtml+xml"}
REDIRECTS = {301, 302, 303, 307, 308}
META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


async def _check_host(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ImportFormatError(f"{url}: only http and https addresses can be fetched")
    if not parts.hostname:
        raise ImportFormatError(f"{url}: the address has no host")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise ImportFormatError(f"{url}: cannot resolve {parts.hostname} ({exc})") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise ImportFormatError(
                f"{url}: {parts.hostname} resolves to {address}, a private, loopback or "
                "reserved address; refused"
            )


def _charset(response: httpx.Response, head: bytes) -> str:
    declared = response.charset_encoding
    if declared is None:
        found = META_CHARSET.search(head[:2048])
        declared = found.group(1).decode("ascii") if found else "utf-8"
    try:
        "".encode(declared)
    except LookupError:
        return "utf-8"
    return declared


async def _read(response: httpx.Response, url: str, max_bytes: int) -> str:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in HTML_TYPES:
        raise ImportFormatError(f"{url}: not an HTML page (content type {kind or 'missing'!r})")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise ImportFormatError(
            f"{url}: the page is {int(length):,} bytes; the limit is {max_bytes:,}"
        )
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise ImportFormatError(
                f"{url}: the page is larger than the limit of {max_bytes:,} bytes"
            )
    return bytes(body).decode(_charset(response, bytes(body)), errors="replace")


async def _fetch(
    client: httpx.AsyncClient, url: str, allow_private: bool, max_bytes: int, max_redirects: int
) -> tuple[str, str]:
    for _ in range(max_redirects + 1):
        await _check_host(url, allow_private)
        async with client.stream("GET", url) as response:
            if response.status_code in REDIRECTS and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code >= 400:
                raise ImportFormatError(f"{url}: the server answered HTTP {response.status_code}")
            return url, await _read(response, url, max_bytes)
    raise ImportFormatError(f"{url}: more than {max_redirects} redirects; gave up")


async def fetch_page(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = 10,
    max_bytes: int = 5_000_000,
    max_redirects: int = 5,
) -> tuple[str, str]:
    """(final URL, page text) of an HTML page, within `timeout` seconds all told."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"}
    try:
        async with (
            asyncio.timeout(timeout),
            httpx.AsyncClient(headers=headers, timeout=timeout, follow_redirects=False) as client,
        ):
            return await _fetch(client, url, allow_private, max_bytes, max_redirects)
    except TimeoutError:
        raise ImportFormatError(f"{url}: no complete answer within {timeout:g} seconds") from None
    except httpx.TimeoutException:
        raise ImportFormatError(f"{url}: no complete answer within {timeout:g} seconds") from None
    except httpx.HTTPError as exc:
        raise ImportFormatError(f"{url}: cannot fetch ({exc.__class__.__name__}: {exc})") from None
