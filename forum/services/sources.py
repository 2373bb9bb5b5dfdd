"""Checking a source link an author adds: does it answer, without letting forum be used
to reach places it must not.

The check follows at most a few redirects itself, resolving every hop's host first and
refusing private, loopback, link-local and other non-public addresses (unless a trusted
set-up allows them), reads at most a capped number of bytes, and gives up after a timeout.
Its outcome is recorded with the source; it never blocks adding one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from forum.errors import Invalid

USER_AGENT = "forum-source-check/0.1 (checks links that authors add as sources)"
MAX_URL_CHARS = 2000
MAX_REDIRECTS = 3
MAX_BYTES = 512 * 1024
TIMEOUT_SECONDS = 5.0
TOTAL_SECONDS = 10.0  # the whole check, redirects included: it runs inside a request


@dataclass(frozen=True)
class LinkCheck:
    reachable: bool
    http_status: int | None = None
    final_url: str | None = None
    error: str | None = None


def validate_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Invalid("A source link must start with http:// or https://.", field="url")
    if len(url) > MAX_URL_CHARS:
        raise Invalid(f"The link is longer than {MAX_URL_CHARS} characters.", field="url")
    return url


async def _public_address(host: str, port: int) -> str | None:
    """None when every address of `host` is public, else the reason it is refused."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"the host {host} does not resolve"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return f"{host} is a private or local address ({address})"
    return None


async def check_link(url: str, *, allow_private: bool = False) -> LinkCheck:
    """Fetch `url` (GET, streamed, capped) and say whether it answered with success."""
    validate_url(url)
    try:
        async with asyncio.timeout(TOTAL_SECONDS):
            return await _follow(url, allow_private)
    except TimeoutError:
        return LinkCheck(False, error=f"no answer within {TOTAL_SECONDS:.0f} seconds")


async def _follow(url: str, allow_private: bool) -> LinkCheck:
    current = url
    async with httpx.AsyncClient(
        follow_redirects=False,
        timeout=TIMEOUT_SECONDS,
        headers={"User-Agent": USER_AGENT},
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            if not allow_private:
                refused = await _public_address(
                    parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
                )
                if refused:
                    return LinkCheck(False, error=f"refused: {refused}")
            try:
                async with client.stream("GET", current) as response:
                    received = 0
                    async for chunk in response.aiter_bytes():
                        received += len(chunk)
                        if received >= MAX_BYTES:
                            break
                    if response.is_redirect and "location" in response.headers:
                        current = validate_url(urljoin(current, response.headers["location"]))
                        continue
                    return LinkCheck(
                        response.is_success,
                        response.status_code,
                        current,
                        None if response.is_success else f"answered {response.status_code}",
                    )
            except httpx.TimeoutException:
                return LinkCheck(False, error=f"no answer within {TIMEOUT_SECONDS:.0f} seconds")
            except httpx.HTTPError as exc:
                return LinkCheck(False, error=f"could not connect ({exc.__class__.__name__})")
            except Invalid as exc:
                return LinkCheck(False, error=f"redirected to an unusable link: {exc.message}")
        return LinkCheck(False, error=f"more than {MAX_REDIRECTS} redirects")
