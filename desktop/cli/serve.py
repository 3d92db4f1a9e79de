"""`serve`: the API without a window, for scripts and headless machines."""

import sys

import click

from desktop.cli.common import CONTEXT, UserError, chosen_file, db_option, setup_logging, user_errors, version_option
from tracker.config import CORS_ENV, DEFAULT_HOST, DEFAULT_PORT, HOSTS_ENV, env_list, is_loopback


def cors_origins(values: tuple[str, ...]) -> list[str] | None:
    """`--cors` values checked, or None when none were given (then the environment decides)."""
    from api.middleware import cors_origin

    try:
        return [cors_origin(value) for value in values] or None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on. Anything but loopback exposes your data to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port (default 8000, or a free one if 8000 is taken).")
@click.option("--cors", "cors", metavar="ORIGIN", multiple=True, callback=lambda _c, _p, values: cors_origins(values),
              help=f"Let web pages from ORIGIN (e.g. http://localhost:5173, or '*' for any) read and change your "
                   f"expenses; repeat for more. Default: ${CORS_ENV}, else no other page.")
@user_errors
def serve(host: str, port: int | None, cors: list[str] | None) -> None:
    """Serve the API without a window, for scripts and headless machines. Ctrl-C stops it.

    Scripts and the command line can use it; web pages of other origins can neither read it nor change
    anything unless --cors lets them.

    \b
    Examples:
      expense-tracker serve --port 8001
      expense-tracker serve --cors http://localhost:5173
    """
    import signal

    import uvicorn  # only here: no other command loads the web framework

    from api.app import create_app
    from api.middleware import describe_cors
    from desktop.instance import Instance, port_holder
    from desktop.server import PortTaken, bind, bind_preferred, url_of

    setup_logging(verbose=True)
    db_path = chosen_file()
    instance = Instance(db_path)
    if not instance.acquire():
        running = instance.running()
        where = f" at {running.url}" if running else ""
        raise UserError(f"Expense Tracker is already running for {db_path}{where}; use that one.")
    try:
        if port is None:
            sock, moved = bind_preferred(host, DEFAULT_PORT)
            if moved:
                click.echo(f"Port {DEFAULT_PORT} is taken by {port_holder(DEFAULT_PORT)}; using another port.",
                           err=True)
        else:
            try:
                sock = bind(host, port)
            except PortTaken:
                raise UserError(f"Port {port} on {host} is taken by {port_holder(port)}; "
                                "choose another --port.") from None
        url = url_of(sock)
        extra_hosts = []
        if not is_loopback(host):
            extra_hosts = [] if host in ("0.0.0.0", "::") else [host]
            click.echo(f"WARNING: listening on {host} makes your expenses reachable from other computers. "
                       f"Clients must use a host name listed in {HOSTS_ENV}.", err=True)
        app = create_app(db_path, cors_origins=cors, allowed_hosts=extra_hosts, auto_backup=True,
                         upgrade_in_background=True, replicate=True)
        cors_notice = describe_cors(cors if cors is not None else env_list(CORS_ENV))
        if cors_notice:
            click.echo(cors_notice, err=True)
        # uvicorn stops cleanly on Ctrl-C or SIGTERM, then raises the signal again for us: the user
        # asked for it, so it ends with status 0, also when Ctrl-C comes before uvicorn has started.
        try:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            instance.announce(url)
            click.echo(f"Expense Tracker API on {url} (database {db_path}); Ctrl-C stops it.", err=True)
            uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False)).run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        click.echo("Expense Tracker API stopped.", err=True)
    finally:
        instance.release()
