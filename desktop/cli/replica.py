"""`replica add|list|remove|status|take-over`: a continuous copy elsewhere, made by Litestream while the
window or `serve` runs. (`restore --from-replica` is in backups.py, beside `restore`.)"""

import json
import os

import click

from desktop.cli.common import CONTEXT, UserError, chosen_file, confirm, db_option, user_errors, version_option
from tracker import replica as engine

SECRET_ENV = "AWS_SECRET_ACCESS_KEY"


@click.group(context_settings=CONTEXT)
@db_option
@version_option
def replica() -> None:
    """A continuous copy of your expenses in a folder, on an SFTP server or in S3-compatible storage.

    While the window or `serve` runs, Litestream sends every change there within a second or two;
    `restore --from-replica` gets it back on any computer. One computer writes to a replica at a time.

    \b
    Examples:
      expense-tracker replica add folder /mnt/nas/expenses
      expense-tracker replica status
    """


@replica.command("add", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("kind", type=click.Choice(engine.KINDS))
@click.argument("folder", required=False, metavar="[FOLDER]")
@click.option("--name", help="A short name for it (default: its kind).")
@click.option("--host", help="SFTP: the server's name or address.")
@click.option("--port", type=click.IntRange(1, 65535), help="SFTP: the port (default 22).")
@click.option("--user", help="SFTP: the user name on the server.")
@click.option("--key", "key_path", help="SFTP: your private key file, e.g. ~/.ssh/id_ed25519.")
@click.option("--path", help="SFTP: the folder on the server; S3: the folder in the bucket.")
@click.option("--endpoint", help="S3: the server's URL, for storage other than AWS (e.g. https://s3.example.com).")
@click.option("--bucket", help="S3: the bucket.")
@click.option("--region", help="S3: the region (default us-east-1).")
@click.option("--access-key-id", help=f"S3: the access key id; the secret key is asked for (or read from ${SECRET_ENV}).")
@user_errors
def add(kind: str, folder: str | None, name: str | None, host: str | None, port: int | None, user: str | None,
        key_path: str | None, path: str | None, endpoint: str | None, bucket: str | None, region: str | None,
        access_key_id: str | None) -> None:
    """Set where the continuous copy goes (one per database).

    Secrets are kept in a file beside the database that only you can read, never in the database.

    \b
    Examples:
      expense-tracker replica add folder /mnt/nas/expenses
      expense-tracker replica add sftp --host nas.local --user me --key ~/.ssh/id_ed25519 --path expenses
      expense-tracker replica add s3 --bucket my-expenses --endpoint https://s3.example.com --access-key-id KEY
    """
    db_path = chosen_file()
    if kind == "folder":
        if not folder:
            raise UserError("Give the folder, e.g. expense-tracker replica add folder /mnt/nas/expenses.")
        path = folder
    elif folder:
        raise UserError(f"A {kind} replica takes options, not a folder; see expense-tracker replica add --help.")
    dest = {"kind": kind, "name": name, "host": host, "port": port, "user": user, "key_path": key_path,
            "path": path, "endpoint": endpoint, "bucket": bucket, "region": region, "access_key_id": access_key_id}
    if kind == "s3" and access_key_id:
        secret = os.environ.get(SECRET_ENV) or click.prompt("S3 secret access key", hide_input=True, err=True)
        dest["secret_access_key"] = secret
    added = engine.add_destination(db_path, dest)
    click.echo(f"Replicating {db_path} to {added['url']} (named {added['name']!r}) while the window or `serve` runs.")


@replica.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON (secrets masked).")
@user_errors
def list_command(as_json: bool) -> None:
    """List where the copy goes (secrets masked).

    \b
    Example:
      expense-tracker replica list
    """
    shown = [engine.masked(d) for d in engine.load_destinations(chosen_file())]
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False))
        return
    for dest in shown:
        click.echo(f"  {dest['name']:<12}  {dest['kind']:<6}  {dest['url']}")
    if not shown:
        click.echo("  none (expense-tracker replica add folder PATH sets one)")


@replica.command("remove", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("name")
@user_errors
def remove(name: str) -> None:
    """Stop replicating to NAME (what is there stays there).

    \b
    Example:
      expense-tracker replica remove nas
    """
    engine.remove_destination(chosen_file(), name)
    click.echo(f"Removed the replica {name!r}; the copy already there is left as it is.")


def live_status(db_path) -> dict | None:
    """How the running app's copy stands (its GET /replica), or None when no app runs on the file."""
    import urllib.request  # only here: it would slow every command's start

    from desktop.instance import Instance

    running = Instance(db_path).running()
    if running is None:
        return None
    try:
        with urllib.request.urlopen(f"{running.url}/replica", timeout=2) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def describe_live(live: dict) -> str:
    """The running app's copy in one line: its message, when it last copied, how far behind."""
    from datetime import datetime

    parts = [live["message"].rstrip(".")]
    if live.get("last_replicated_at"):
        moment = datetime.fromisoformat(live["last_replicated_at"]).astimezone()
        parts.append(f"last copied {moment:%Y-%m-%d %H:%M:%S}")
    if live.get("lag_seconds") and "behind" not in live["message"]:
        parts.append(f"{live['lag_seconds']:.1f} s behind")
    return "; ".join(parts) + "."


@replica.command("status", context_settings=CONTEXT)
@db_option
@version_option
@user_errors
def status() -> None:
    """Whether the replica can be reached and is this computer's to write to, and when it last was.

    \b
    Example:
      expense-tracker replica status
    """
    db_path = chosen_file()
    destinations = engine.load_destinations(db_path)
    if not destinations:
        click.echo("Replication is off (expense-tracker replica add folder PATH sets a replica).")
        return
    live = live_status(db_path)
    if live is not None:
        click.echo(f"the app, running: {describe_live(live)}")
    state = engine.load_state(db_path)
    for dest in destinations:
        entry = state.get(dest["name"]) or {}
        _verdict, said, _position = engine.position_verdict(db_path, dest)
        click.echo(f"{dest['name']}: {engine.url_of(dest)}")
        click.echo(f"  last written from here: {entry.get('at') or 'never'}")
        click.echo(f"  {said}")


@replica.command("take-over", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@user_errors
def take_over(name: str, yes: bool) -> None:
    """Make this computer the one that writes to replica NAME.

    What is here replaces the replica's newer changes from the next start on; the other computer then
    refuses to write to it. To get the replica's data here instead, use `restore --from-replica NAME`.

    \b
    Example:
      expense-tracker replica take-over nas
    """
    db_path = chosen_file()
    dest = engine.find_destination(db_path, name)
    confirm(f"Make this computer the writer of {engine.url_of(dest)}? Changes another computer sent there since "
            "this one last wrote are then replaced by what is here.", yes, "take over")
    engine.take_over(db_path, dest)
    click.echo(f"This computer now writes to {engine.url_of(dest)}; the window and `serve` replicate to it.")
