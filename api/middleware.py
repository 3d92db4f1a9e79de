"""What every request passes before a route: the Host check, the guard against other origins'
writes, CORS and the body limit."""

import re

from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from tracker.config import CORS_ENV, HOSTS_ENV, LOOPBACK_HOSTS


class LoopbackHostOnly:
    """Refuse requests whose Host is not an allowed name (DNS-rebinding defence), in JSON.

    Starlette's TrustedHostMiddleware does the checking; this only turns its plain-text
    refusal into the API's error shape.
    """

    _PASSED = "expense_tracker.host_ok"

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]):
        self.app = app
        self.checker = TrustedHostMiddleware(self._mark_passed, allowed_hosts=allowed_hosts, www_redirect=False)

    async def _mark_passed(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[self._PASSED] = True
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.checker(scope, receive, send)
            return
        hosts = sum(1 for name, _ in scope["headers"] if name == b"host")
        if hosts > 1:
            # The check below reads the first Host and another part of a stack may read the last:
            # a request that names two hosts is refused rather than judged by one of them.
            await error_response(400, f"The request has {hosts} Host headers; it must name exactly one host.")(
                scope, receive, send
            )
            return

        async def send_json_refusal(message: Message) -> None:
            if scope.get(self._PASSED):
                await send(message)
            elif message["type"] == "http.response.start":
                host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")[:100]
                await error_response(
                    400,
                    f"Invalid Host header {host!r}: this server only answers to "
                    f"{', '.join(LOOPBACK_HOSTS)} (set {HOSTS_ENV} to allow other names).",
                )(scope, receive, send)

        await self.checker(scope, receive, send_json_refusal)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ForeignPagesCannotWrite:
    """Refuse state-changing requests sent by a web page of another origin, with 403 and a sentence.

    CORS alone does not stop them: a "simple" request (a form, `text/plain`, a body-less POST,
    `fetch(..., {mode: 'no-cors'})`) is sent without a preflight, and only its answer is hidden
    from the page. Browsers name the page in `Origin` on every request but GET/HEAD, so a request
    is refused when that origin is neither this server's own (`http://` + the Host header, which
    LoopbackHostOnly has already checked) nor an allowed CORS origin, or when `Sec-Fetch-Site`
    says cross-site and no allowed origin is named. Another port of 127.0.0.1 is "same-site" to
    the browser, so the origin comparison is what catches it. Scripts and the command line send
    no Origin and pass. The refusal comes before the body is read, so a foreign upload is never parsed.
    """

    def __init__(self, app: ASGIApp, allowed_origins: list[str]):
        self.app = app
        self.allow_all = "*" in allowed_origins
        self.allowed = {origin.lower() for origin in allowed_origins}

    def is_allowed(self, scope: Scope, origin: str) -> bool:
        host = Headers(scope=scope).get("host", "")
        own = f"{scope.get('scheme', 'http')}://{host}".lower()
        return origin.lower() in self.allowed or (origin != "null" and origin.lower() == own)

    def refusal(self, origin: str | None) -> str:
        if origin is None:
            page = "a web page of another site"
        elif origin == "null":
            page = "a page without an origin of its own (a sandboxed frame or a local file)"
        else:
            page = f"a web page from {origin[:100]}"
        return (
            f"Refused: {page} may not change your expenses; only this app's own pages and programs "
            "that send no Origin (scripts, the command line) can. To allow it, start the server with "
            f"--cors ORIGIN or set {CORS_ENV}."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or self.allow_all:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        allowed_origin = origin is not None and self.is_allowed(scope, origin)
        cross_site = headers.get("sec-fetch-site", "").lower() == "cross-site"
        if (origin is not None or cross_site) and not allowed_origin:
            await error_response(403, self.refusal(origin))(scope, receive, send)
            return
        await self.app(scope, receive, send)


class JsonCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with refused preflights in the API's error shape (it answers in plain text)."""

    def preflight_response(self, request_headers):
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = response.body.decode().removeprefix("Disallowed CORS ")
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return error_response(400, f"The CORS preflight was refused: its {refused} is not allowed.", headers)


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, in the API's error shape.

    A declared Content-Length over the limit is refused before anything is read; a chunked
    body is cut off as soon as it passes the limit, so memory never holds more than that.
    (Starlette's own limiter answers in plain text.)
    """

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int = 0, upload_paths: tuple[str, ...] = ()):
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    @staticmethod
    def too_large(limit: int) -> HTTPException:
        size = f"{limit // 1024 // 1024} MB" if limit >= 1024 * 1024 * 2 else f"{limit // 1024} KB"
        return HTTPException(413, f"The request body is too large: at most {size} is accepted.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.limit
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            exc = self.too_large(limit)
            await error_response(exc.status_code, exc.detail)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise self.too_large(limit)
            return message

        await self.app(scope, limited_receive, send)


def cors_origin(text: str) -> str:
    """An origin as browsers send it (`http://localhost:5173`, no path), `*` or `null`; else ValueError."""
    origin = text.strip().rstrip("/")
    if origin in ("*", "null") or re.fullmatch(r"https?://[^/\s?#@]+", origin):
        return origin
    raise ValueError(
        f"{text!r} is not a web origin; give it as a browser sends it, e.g. http://localhost:5173 "
        "(scheme, host and port, no path), or * for any page."
    )


def describe_cors(origins: list[str]) -> str | None:
    """The line a server prints when other web pages may use it, or None when none may."""
    if not origins:
        return None
    pages = "ANY web page" if "*" in origins else "web pages from " + ", ".join(origins)
    return f"CORS: {pages} may read and change your expenses through this server."
