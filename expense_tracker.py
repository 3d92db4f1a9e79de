"""Expense Tracker: a local REST API over one SQLite file.

Run `python expense_tracker.py` to serve it on http://127.0.0.1:8000 (docs at /docs), or
`uvicorn expense_tracker:app`. This file is only the entry point: the rules and the SQL live in
the `tracker` library, the routes in `api` (see "How the code is laid out" in the README).
"""

import argparse
import logging
import socket
import sys
from pathlib import Path

from api.app import create_app
from api.middleware import cors_origin, describe_cors
from tracker import __version__  # noqa: F401  (the version, where the seed had it)
from tracker.config import (
    CORS_ENV,
    DB_ENV,
    DEFAULT_HOST,
    DEFAULT_PORT,
    HOSTS_ENV,
    env_list,
    is_loopback,
    resolve_db_path,
)


def __getattr__(name: str):
    """`app`, for `uvicorn expense_tracker:app`: built when it is first asked for, so that importing
    this module builds nothing (the app reads its database location from the environment then)."""
    if name == "app":
        globals()["app"] = built = create_app(auto_backup=True, replicate=True)
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a taken port is a clear message, not a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns on TCP_NODELAY only for sockets that say so, and
    # without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def origin_argument(text: str) -> str:
    try:
        return cors_origin(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Serve the Expense Tracker API (default http://127.0.0.1:8000, docs at /docs).",
        epilog="example: python expense_tracker.py --db ~/expenses.db --port 8001",
    )
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to bind (default 127.0.0.1; others are reachable from the network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8000)")
    parser.add_argument("--db", type=Path, help=f"database file (default ${DB_ENV} or the user data dir)")
    parser.add_argument(
        "--cors", action="append", metavar="ORIGIN", type=origin_argument,
        help=f"let web pages from ORIGIN (e.g. http://localhost:5173; '*' for any) read and change your "
        f"expenses; repeat for more (default ${CORS_ENV}, else none)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    db_path = args.db.expanduser() if args.db is not None else resolve_db_path()
    extra_hosts = []
    if not is_loopback(args.host):
        extra_hosts = [] if args.host in ("0.0.0.0", "::") else [args.host]
        print(
            f"WARNING: binding to {args.host} makes your expenses reachable from other computers. "
            f"Requests must name an allowed host; set {HOSTS_ENV} to the names clients use.",
            file=sys.stderr,
        )
    served = create_app(db_path, cors_origins=args.cors, allowed_hosts=extra_hosts, auto_backup=True,
                        replicate=True)
    cors_notice = describe_cors(args.cors if args.cors is not None else env_list(CORS_ENV))
    if cors_notice:
        print(cors_notice, file=sys.stderr)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port} ({exc.strerror}); is another program "
              "(or Expense Tracker) using it? Choose another with --port.", file=sys.stderr)
        return 2
    import uvicorn

    port = sock.getsockname()[1]
    shown_host = f"[{args.host.strip('[]')}]" if ":" in args.host else args.host
    print(f"Expense Tracker API on http://{shown_host}:{port} (database {db_path})", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(served, log_level="info", access_log=False))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
