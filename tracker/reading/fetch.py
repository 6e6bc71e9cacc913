"""Fetch a session page from its web address: http and https only, with a timeout and a size limit.

httpx does the HTTP. Nothing of the user's is sent: no cookies (none are kept between requests), no
credentials (an address with a user name or password is refused; httpx does not read .netrc), and no
proxy or certificate settings from the environment. Redirects are followed by hand, at most five, each
checked like the first address, so a page cannot send the request to ``file:``, ``ftp:`` or a
credential-carrying address. The body is read as a stream and dropped as soon as it passes the limit.
Every failure is a ``BadInput`` naming the address, in one line.

The server's own network is out of reach: the address every connection actually reaches (after DNS, on
every redirect) must be a public one; loopback, private, link-local (cloud metadata), shared, reserved and
multicast addresses are refused before anything is sent, unless the host is named in
``$TRACKER_FETCH_ALLOW_HOSTS``. The timeout bounds the whole exchange: a watchdog shuts the connection
at the deadline, so a server that sends its headers one byte at a time cannot hold the fetch.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from .. import settings
from .models import BadInput
from .text import MAX_BYTES

MAX_REDIRECTS = 5
USER_AGENT = "igf-recommendations-tracker (+session page import)"
ACCEPT = ("text/html, text/plain, application/pdf, "
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document, */*;q=0.5")

# what a session page can be served as; anything else (images, JSON, video) is not a session page
_SUFFIX_BY_TYPE = {
    "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt", "text/markdown": ".txt",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_SNIFFED = {"application/octet-stream", "binary/octet-stream", ""}  # decided from the bytes, as for a file


ALLOW_ENV = settings.FETCH_ALLOW_HOSTS.name


def allowed_hosts() -> set[str]:
    """Host names (or addresses) on the server's own network that may be fetched: $TRACKER_FETCH_ALLOW_HOSTS,
    comma-separated (an intranet that serves session pages)."""
    return {h.lower().strip("[]") for h in settings.FETCH_ALLOW_HOSTS.names()}


def internal(address: str) -> str | None:
    """Why an IP address is not fetched ("a loopback address"), or None for a public one."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, test in (("a loopback", ip.is_loopback), ("a link-local (cloud metadata)", ip.is_link_local),
                       ("a private", ip.is_private), ("a multicast", ip.is_multicast),
                       ("a reserved", ip.is_reserved or ip.is_unspecified), ("a non-public", not ip.is_global)):
        if test:
            return f"{kind} address"
    return None


class _Guard:
    """Checks the address each connection reached before anything is sent, and shuts every connection at the
    deadline (httpx's timeouts are per read: a slow drip of bytes never trips them)."""

    def __init__(self, given: str) -> None:
        self.given = given
        self.host = ""
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def trace(self, event: str, info: dict) -> None:
        if event != "connection.connect_tcp.complete":
            return
        sock = info["return_value"].get_extra_info("socket")
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                self._shut(sock)
        if self.host in allowed_hosts():
            return
        why = internal(sock.getpeername()[0])
        if why:
            self._shut(sock)
            raise BadInput(self.given, f"{self.host} is {why} on the server's own network: not fetched (name it "
                                       f"in ${ALLOW_ENV} to allow it)")

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed
            pass


def is_url(text: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text.strip()))


@dataclass
class Fetched:
    url: str  # the address as given (without its #fragment): what the document is stored and refreshed under
    final_url: str  # after redirects
    name: str  # a file name for the loader: stable for one address, with the suffix of what was served
    data: bytes


def check_url(url: str) -> str:
    """The address without its #fragment, or BadInput: http(s) only, a host, no user name or password."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        valid_port = parts.port is None or parts.port > 0  # .port raises on a port that is not a number
    except ValueError:
        valid_port = False
    if not valid_port:
        raise BadInput(url, "not a valid web address")
    if parts.scheme.lower() not in ("http", "https"):
        raise BadInput(url, f"only http:// and https:// addresses can be fetched, not {parts.scheme or 'this'}:")
    if not parts.hostname:
        raise BadInput(url, "not a valid web address (no host)")
    if parts.username or parts.password:
        raise BadInput(url, "an address with a user name or password is not fetched (no credentials are sent)")
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))


def url_file_name(url: str, suffix: str) -> str:
    """A stable file name for a fetched page: the last part of its path, a hash of the whole address."""
    path = urlsplit(url).path.rstrip("/")
    stem = re.sub(r"\.(html?|php|aspx?|txt|pdf|docx)$", "", path.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or urlsplit(url).hostname or "page"
    return f"{stem}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:8]}{suffix}"


def fetch(url: str, timeout: float | None = None, max_bytes: int = MAX_BYTES) -> Fetched:
    """Fetch one page (following up to five checked redirects) or raise BadInput with the reason."""
    given = check_url(url)
    limit = timeout if timeout is not None else settings.FETCH_TIMEOUT.number()
    deadline = time.monotonic() + limit
    current = given
    guard = _Guard(given)
    watchdog = threading.Timer(limit, guard.expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        with httpx.Client(timeout=httpx.Timeout(limit), follow_redirects=False, trust_env=False,
                          headers={"User-Agent": USER_AGENT, "Accept": ACCEPT}) as client:
            for _ in range(MAX_REDIRECTS + 1):
                client.cookies.clear()  # a cookie a server set is never sent back
                guard.host = (urlsplit(current).hostname or "").lower()
                with client.stream("GET", current, extensions={"trace": guard.trace}) as response:
                    if response.is_redirect:
                        target = response.headers.get("location", "")
                        try:
                            current = check_url(urljoin(current, target))
                        except BadInput as exc:
                            raise BadInput(given, f"redirected to an address that is not fetched ({exc.reason})") \
                                from None
                        continue
                    page = _read(given, current, response, deadline, limit, max_bytes)
                    if guard.expired:  # a body without a length ends where the watchdog cut it: not the page
                        raise httpx.ReadTimeout("whole exchange")
                    return page
    except httpx.TimeoutException:
        raise BadInput(given, f"timed out after {limit:g} s") from None
    except httpx.ConnectError as exc:
        raise BadInput(given, f"cannot connect ({_first_line(exc)})") from None
    except httpx.HTTPError as exc:  # the connection broke, a malformed answer, too many redirects of its own
        if guard.expired:
            raise BadInput(given, f"timed out after {limit:g} s") from None
        raise BadInput(given, f"the download failed ({type(exc).__name__}: {_first_line(exc)})") from None
    finally:
        watchdog.cancel()
    raise BadInput(given, f"too many redirects (more than {MAX_REDIRECTS})")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def _read(given: str, final: str, response: httpx.Response, deadline: float, limit: float,
          max_bytes: int) -> Fetched:
    if response.status_code in (404, 410):
        raise BadInput(given, f"not found (HTTP {response.status_code})")
    if response.status_code in (401, 403):
        raise BadInput(given, f"the page is not public (HTTP {response.status_code}); save it and load the file")
    if response.status_code >= 400:
        raise BadInput(given, f"the server answered HTTP {response.status_code} {response.reason_phrase}".rstrip())
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _SUFFIX_BY_TYPE and media not in _SNIFFED:
        raise BadInput(given, f"not a session page (the address serves {media})")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BadInput(given, f"too large ({int(declared) / 1e6:.1f} MB; limit {max_bytes / 2**20:g} MB)")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # decompressed: a gzip bomb stops at the limit too
        size += len(chunk)
        if size > max_bytes:
            raise BadInput(given, f"too large (over {max_bytes / 2**20:g} MB)")
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("whole download")
        chunks.append(chunk)
    data = b"".join(chunks)
    return Fetched(given, final, url_file_name(given, _SUFFIX_BY_TYPE.get(media, "")), data)
