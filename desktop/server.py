"""The API on a background thread, on a socket the launcher bound itself."""

import errno
import logging
import socket
import threading
import time
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
    """uvicorn serving `app` on `sock` in a daemon thread."""

    def __init__(self, app: "FastAPI", sock: socket.socket):
        import uvicorn  # only here: the command line binds sockets without the web framework

        # A request still open when the window closes gets a few seconds, not forever.
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=3)
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.thread = threading.Thread(target=self._run, name="api-server", daemon=True)

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except SystemExit:
            # uvicorn exits the thread on a startup failure; start() reports it.
            pass

    def start(self, timeout: float = 60.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("The API server stopped while starting; see the log for why.")
            if time.monotonic() > deadline:
                raise RuntimeError("The API server did not start in time.")
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()
