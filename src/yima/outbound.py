"""Fetching a document from another instance, on a budget: the one way Yima reads a URL it was given.

Trust lists, network configurations and witnessed checkpoints come from other servers, which may be
slow, broken or hostile. ``fetch`` reads at most ``max_bytes`` (streamed, stopped at the limit, never
buffered past it), gives up after ``timeout_s`` in total (connecting, the headers and the whole body
together — not per read, so a server dripping one byte a second does not hold it), and follows a
redirect only to the same scheme, host and port (at most ``MAX_REDIRECTS``). Each failure is a
``DomainError`` naming the rule (``outbound.*``) and the URL, in Chinese and English.

The request runs in a worker thread and the caller waits for it at most ``timeout_s``; when the time
is up the caller closes the connection under the worker (which then ends) and answers at once.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import httpx

from yima.errors import DomainError

MAX_REDIRECTS = 3
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Fetched:
    url: str  # where the document was read from, after any same-origin redirect
    status: int
    content: bytes
    content_type: str


@lru_cache(maxsize=1)
def tls() -> ssl.SSLContext:
    """The TLS settings of every request Yima sends (httpx's defaults: certifi's authorities,
    certificates and host names checked), made once per process: building them reads the whole
    bundle of authorities, which costs more than a request to a partner on the same network."""
    return httpx.create_ssl_context()


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def _error(rule: str, url: str, zh: str, en: str) -> DomainError:
    return DomainError(f"outbound.{rule}", "url", f"{zh}（{url}）", f"{en} ({url})")


class _Attempt:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.done = threading.Event()
        self.result: Fetched | None = None
        self.error: BaseException | None = None
        self.cancelled = False


def _read(attempt: _Attempt, url: str, max_bytes: int, headers: dict[str, str]) -> None:
    origin = _origin(url)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            with attempt.client.stream("GET", url, headers=headers) as response:
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("location", ""))
                    if _origin(target) != origin:
                        raise _error("redirect", url, f"拒绝跳转到其他主机或端口 {target}",
                                     f"Refused a redirect to another host or port: {target}")
                    url = target
                    continue
                declared = response.headers.get("content-length")
                if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
                    raise _too_large(url, max_bytes)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise _too_large(url, max_bytes)
                    if attempt.cancelled:
                        return
                attempt.result = Fetched(str(response.url), response.status_code, bytes(body),
                                         response.headers.get("content-type", ""))
                return
        raise _error("redirect", url, f"跳转超过 {MAX_REDIRECTS} 次", f"More than {MAX_REDIRECTS} redirects")
    except BaseException as err:  # handed to the caller, who raises it
        attempt.error = err
    finally:
        attempt.done.set()


def _too_large(url: str, max_bytes: int) -> DomainError:
    return _error("too_large", url, f"文档超过 {max_bytes} 字节，已停止读取",
                  f"The document is larger than {max_bytes} bytes; reading stopped")


def fetch(url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout_s: float = DEFAULT_TIMEOUT_S,
          accept: str = "*/*") -> Fetched:
    """GET ``url`` within the budget; any HTTP status is answered (the caller decides what a 404
    means), a broken connection, a redirect elsewhere, a body over ``max_bytes`` or the time running
    out is a ``DomainError``."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise _error("scheme", url, "只能读取 http(s) 地址", "Only http(s) URLs are read")
    client = httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False, verify=tls())
    attempt = _Attempt(client)
    worker = threading.Thread(target=_read, args=(attempt, url, max_bytes, {"Accept": accept}), daemon=True,
                              name="yima-outbound")
    worker.start()
    try:
        if not attempt.done.wait(timeout_s):
            attempt.cancelled = True
            raise _error("timeout", url, f"{timeout_s:g} 秒内未读完", f"Not read within {timeout_s:g} seconds")
    finally:
        client.close()  # when the time ran out, this cuts the connection under the worker, which then ends
    if attempt.error is not None:
        if isinstance(attempt.error, DomainError):
            raise attempt.error
        if isinstance(attempt.error, httpx.HTTPError | OSError):
            raise _error("unreachable", url, f"无法读取：{attempt.error}",
                         f"Cannot be read: {attempt.error.__class__.__name__}: {attempt.error}") from attempt.error
        raise attempt.error
    assert attempt.result is not None
    return attempt.result
