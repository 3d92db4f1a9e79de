"""The API on a background thread, on a socket the launcher bound itself."""

import errno
import functools
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tracker.config import DEFAULT_PORT

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["DEFAULT_PORT", "PortTaken", "ServerThread", "bind", "bind_preferred", "url_of"]

log = logging.getLogger("expense_tracker.desktop")


class PortTaken(Exception):
    pass


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; PortTaken if another program has the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns on TCP_NODELAY only for sockets that say so.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if not hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortTaken(f"Port {port} on {host} is in use by another program") from exc
        raise
    return sock


def bind_preferred(host: str, port: int) -> tuple[socket.socket, str | None]:
    """Bind `port`, or any free port if it is taken; the second value says why it moved."""
    try:
        return bind(host, port), None
    except PortTaken as exc:
        return bind(host, 0), str(exc)


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


class ServerThread:
    """uvicorn serving an app on `sock` in a daemon thread.

    Give `app`, or `make_app` to build it (and import the web framework) on a thread of its own:
    the window then opens while the API is still being imported, and its page's files are served
    at once while its API requests wait for the API (desktop/page_first.py).
    """

    def __init__(self, app: "FastAPI | None", sock: socket.socket, *, make_app: "Callable[[], FastAPI] | None" = None):
        self.app = app
        self.make_app = make_app
        self.server = None if app is None else self._server(app)
        self.sock = sock
        self.page_first = None
        self.error: BaseException | None = None
        self.should_exit = False
        self.thread = threading.Thread(target=self._run, name="api-server", daemon=True)

    @staticmethod
    def _server(app: "FastAPI"):
        import uvicorn  # only here: the command line binds sockets without the web framework

        # A request still open when the window closes gets a moment, not forever: the page's
        # requests are short, and an export the window itself runs has ended before it closes.
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=3)
        return prompt_server_class()(config)

    def _run(self) -> None:
        try:
            if self.server is None:
                from desktop.page_first import PageFirst

                host = url_of(self.sock).removeprefix("http://")
                self.page_first = PageFirst(self.make_app, host)
                self.server = self._server(self.page_first)
            self.server.should_exit = self.should_exit
            self.server.run(sockets=[self.sock])
        except SystemExit:
            # uvicorn exits the thread on a startup failure; wait_started() reports it.
            pass
        except Exception as exc:  # reported by wait_started(), which the launcher calls
            log.exception("The API could not be set up")
            self.error = exc

    def start(self, timeout: float = 60.0) -> None:
        self.begin()
        self.wait_started(timeout)

    def begin(self) -> None:
        self.thread.start()

    def wait_started(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.server is None or not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("The API server stopped while starting; see the log for why.")
            if time.monotonic() > deadline:
                raise RuntimeError("The API server did not start in time.")
            time.sleep(0.01)
        if self.page_first is not None:
            if not self.page_first.ready.wait(max(0.0, deadline - time.monotonic())):
                raise RuntimeError("The API server did not start in time.")
            if self.page_first.error is not None:
                self.error = self.page_first.error
                raise RuntimeError("The API could not be set up; see the log for why.") from self.page_first.error

    def stop(self, timeout: float = 10.0) -> None:
        self.should_exit = True
        if self.server is not None:
            self.server.ask_to_exit()
        if self.thread.is_alive():
            self.thread.join(timeout)
        self.sock.close()


@functools.cache
def prompt_server_class() -> type:
    """uvicorn's Server, made to stop as soon as it is asked (imported with uvicorn, on first use)."""
    import asyncio

    import uvicorn

    class PromptServer(uvicorn.Server):
        """Stops at once. uvicorn looks at should_exit every 0.1 s and, stopping, sleeps 0.1 s, then
        waits for open connections in steps of 0.1 s: 0.1-0.2 s of the window's close was spent
        asleep (measured). Here ask_to_exit() wakes the loop at once, and the open requests and
        connections are waited for in 5 ms steps, for as long as before (timeout_graceful_shutdown).
        """

        loop: asyncio.AbstractEventLoop | None = None
        woken: asyncio.Event | None = None

        async def main_loop(self) -> None:
            self.woken = asyncio.Event()
            self.loop = asyncio.get_running_loop()
            ticks = 0
            while not await self.on_tick(ticks):
                ticks = (ticks + 1) % 864000
                try:
                    await asyncio.wait_for(self.woken.wait(), 0.1)
                except TimeoutError:
                    pass

        def ask_to_exit(self) -> None:
            """From any thread."""
            self.should_exit = True
            loop = self.loop
            if loop is not None and not loop.is_closed():
                try:
                    loop.call_soon_threadsafe(self.woken.set)
                except RuntimeError:  # the loop closed in between
                    pass

        async def shutdown(self, sockets=None) -> None:
            for server in self.servers:
                server.close()
            for sock in sockets or []:
                sock.close()
            state = self.server_state
            for connection in list(state.connections):
                connection.shutdown()  # an idle one closes now, a busy one after its response
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.config.timeout_graceful_shutdown
            while (state.connections or state.tasks) and loop.time() < deadline:
                await asyncio.sleep(0.005)
            if state.tasks:
                log.error("%d request(s) still running after %s s are cancelled", len(state.tasks),
                          self.config.timeout_graceful_shutdown)
            for task in state.tasks:
                task.cancel()
            for server in self.servers:
                await server.wait_closed()
            await self.lifespan.shutdown()

    return PromptServer
