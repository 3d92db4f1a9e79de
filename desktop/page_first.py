"""The window's page while the API is still being set up: its files at once, its requests queued.

Importing the web framework and setting up the API takes ~0.35 s of the ~1.2 s from launch to data
on screen, and the window's page used to wait for all of it before its first byte. `PageFirst`
is what uvicorn serves from the first moment: it answers the page's own files (index.html, its
scripts, styles and icons) from memory, and every other request waits until the API is ready and is
then handed to it, unchanged. The page's files are served this way only to the window's own
address (the exact Host it was given), by GET or HEAD without a query, and only files of web/;
every other request, files included, goes to the API, whose rules (Host check, CORS, errors) judge
it. The window's files stay served from memory once the API is up: the page asks for its ~28
modules just as the API finishes its start, and through the API's static files they took ~250 ms
(0.12 s more from launch to data on screen, `bench/open_close.py`).
"""

import asyncio
import contextlib
import logging
import mimetypes
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("expense_tracker.desktop")

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# Modules must come with a JavaScript type; some systems' mime tables lack it or say otherwise.
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}


class PageFirst:
    """An ASGI app: the page's files at once, the API (built by `make_app` on a thread) after.

    `host` is the Host header the window sends (`127.0.0.1:8000`). `ready` is set once the API
    has started, or failed to (then `error` says why and its requests are answered 503).
    """

    def __init__(self, make_app: Callable, host: str, web_dir: Path = WEB_DIR):
        self.make_app = make_app
        self.host = host.encode("latin-1")
        self.web_dir = web_dir.resolve()
        self.app = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self._ready_async: asyncio.Event | None = None
        self._lifespan: _Lifespan | None = None
        self._files: dict[str, tuple[Path, str, tuple[int, bytes] | None]] = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(scope, receive, send)
            return
        early = self._early_file(scope) if scope["type"] == "http" else None
        if early is not None:
            await _send_file(scope, send, *early)
            return
        await self._ready_async.wait()
        if self.app is None:
            await _unavailable(scope, send, self.error)
            return
        await self.app(scope, receive, send)

    # The window's page files, before the API is up and after.

    def _early_file(self, scope) -> tuple[bytes, str] | None:
        if scope["method"] not in ("GET", "HEAD") or scope.get("query_string"):
            return None
        hosts = [value for name, value in scope["headers"] if name == b"host"]
        if hosts != [self.host]:
            return None
        return self._file(scope["path"])

    def _file(self, path: str) -> tuple[bytes, str] | None:
        found = self._files.get(path) or self._where(path)  # misses are not kept: any page may ask
        if found is None:
            return None
        file, kind, cached = found
        try:
            changed = file.stat().st_mtime_ns
        except OSError:
            return None
        if cached is None or cached[0] != changed:  # read again when the file changed (development)
            cached = (changed, file.read_bytes())
            self._files[path] = (file, kind, cached)
        return cached[1], kind

    def _where(self, path: str) -> tuple[Path, str, None] | None:
        relative = "index.html" if path == "/" else path.lstrip("/")
        if not relative or "\\" in relative or any(part in ("", ".", "..") for part in relative.split("/")):
            return None
        file = (self.web_dir / relative).resolve()
        if not file.is_relative_to(self.web_dir) or not file.is_file():
            return None
        kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return file, kind, None

    # The API's own start and stop, run inside uvicorn's lifespan.

    async def _serve_lifespan(self, scope, receive, send) -> None:
        self._ready_async = asyncio.Event()
        message = await receive()
        assert message["type"] == "lifespan.startup"
        # uvicorn serves as soon as this says complete; the API starts behind it.
        starting = asyncio.create_task(self._start_api(scope))
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        await starting
        if self._lifespan is not None:
            with contextlib.suppress(Exception):
                await self._lifespan.shutdown()
        await send({"type": "lifespan.shutdown.complete"})

    async def _start_api(self, scope) -> None:
        try:
            app = await asyncio.get_running_loop().run_in_executor(None, self.make_app)
            lifespan = _Lifespan(app, scope)
            await lifespan.startup()
            self._lifespan = lifespan
            self.app = app
        except Exception as exc:  # told to the launcher, which closes the window and says why
            log.exception("The API could not be set up")
            self.error = exc
        finally:
            self._ready_async.set()
            self.ready.set()


class _Lifespan:
    """Drives another ASGI app's lifespan (startup, later shutdown) as uvicorn would."""

    def __init__(self, app, scope):
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.outbox: asyncio.Queue = asyncio.Queue()
        # The same state dict uvicorn gave us: what the API's lifespan puts there reaches its requests.
        self.task = asyncio.create_task(app(dict(scope), self.inbox.get, self.outbox.put))

    async def _exchange(self, kind: str) -> None:
        await self.inbox.put({"type": f"lifespan.{kind}"})
        getting = asyncio.ensure_future(self.outbox.get())
        done, _ = await asyncio.wait({getting, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if getting not in done:
            getting.cancel()
            self.task.result()  # raises what the app raised
            raise RuntimeError(f"The API ended during its {kind}.")
        message = getting.result()
        if message["type"] == f"lifespan.{kind}.failed":
            raise RuntimeError(message.get("message") or f"The API's {kind} failed.")

    async def startup(self) -> None:
        await self._exchange("startup")

    async def shutdown(self) -> None:
        await self._exchange("shutdown")
        await self.task


async def _send_file(scope, send, body: bytes, kind: str) -> None:
    headers = [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


async def _unavailable(scope, send, error: BaseException | None) -> None:
    if scope["type"] != "http":
        return
    body = b'{"detail":"The API could not start; see the log for why."}'
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
