"""`status`: where the data and logs are, and whether the app runs."""

import click

from desktop import paths
from desktop.cli.common import CONTEXT, current_db, db_option, user_errors, version_option


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@user_errors
def status() -> None:
    """Where your data and logs are, and whether the app runs (and on which port).

    \b
    Example:
      expense-tracker status
    """
    db_path = current_db()
    click.echo(f"database:  {db_path}" + ("" if db_path.exists() else "  (not created yet)"))
    click.echo(f"data dir:  {paths.data_dir()}")
    click.echo(f"log file:  {paths.log_file()}")
    from desktop.instance import Instance  # only here: its lock and hashing are for this and the app

    running = Instance(db_path).running()
    if running is None:
        click.echo("running:   no")
    elif running.answers():
        click.echo(f"running:   yes, API on {running.url} (pid {running.pid})")
    else:
        click.echo(f"running:   starting or not answering (pid {running.pid}, {running.url})")
    click.echo(f"replica:   {replica_line(db_path, running is not None)}")


def replica_line(db_path, running: bool) -> str:
    """Where the continuous copy goes and how it stands (from the running app when there is one)."""
    from desktop.cli.replica import describe_live, live_status
    from tracker.replica import load_destinations, url_of

    destinations = load_destinations(db_path) if db_path.exists() else []
    if not destinations:
        return "none (`expense-tracker replica add` sets one)"
    live = live_status(db_path) if running else None
    if live is not None:
        return describe_live(live)
    return f"{url_of(destinations[0])} (copied while the window or `serve` runs)"
