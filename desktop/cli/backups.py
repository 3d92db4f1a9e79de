"""`backup`, `backups` and `restore`: checked copies of the database, and putting one back."""

import json
import os
from pathlib import Path

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    chosen_file,
    confirm,
    db_option,
    human_size,
    user_errors,
    version_option,
)
from tracker.backups import backup_dir, check_database_file, list_backups, manual_backup, restore_backup
from tracker.errors import AppError, NotFound


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.argument("target", metavar="[PATH]", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@user_errors
def backup(target: Path | None, force: bool) -> None:
    """Write a checked copy of the database.

    To PATH, or without PATH as a manual backup in the backups folder (see `backups`; the newest 10
    are kept). Safe while the app is running. The copy is checked before it counts; `restore PATH`
    puts it back.

    \b
    Examples:
      expense-tracker backup ~/expenses-2025-03-14.db
      expense-tracker backup
    """
    db_path = chosen_file()
    if not db_path.exists():
        raise UserError(f"There is no expenses database at {db_path} yet; there is nothing to back up.")
    if target is not None:
        target = target.expanduser().absolute()
        if target.is_dir():
            raise UserError(f"{target} is a folder; give the backup a file name, e.g. {target / 'expenses-backup.db'}.")
        if os.path.exists(target) and target.resolve() in {db_path.resolve(), Path(f"{db_path}-wal").resolve(),
                                                            Path(f"{db_path}-shm").resolve()}:
            raise UserError(f"{target} is the database itself; choose another file for the backup.")
        if target.exists() and not force:
            raise UserError(f"{target} already exists; choose another file or add --force to replace it.")
    written = manual_backup(db_path, target=target)
    click.echo(f"Backed up {db_path} to {written} ({human_size(written.stat().st_size)}).")


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="Print the folder and the list as JSON.")
@user_errors
def backups(as_json: bool) -> None:
    """List the backups of the database, newest first.

    Automatic daily ones, manual ones and the safety copies made before a restore. The app makes one
    a day when it starts and stops, and keeps 7 daily and 4 weekly ones.

    \b
    Example:
      expense-tracker backups
    """
    db_path = chosen_file()
    folder = backup_dir(db_path)
    found = list_backups(db_path)
    if as_json:
        click.echo(json.dumps({"folder": str(folder), "backups": found}, ensure_ascii=False))
        return
    click.echo(f"Backups of {db_path} in {folder}:")
    for item in found:
        created = item["created_at"].replace("T", " ")[:16]
        click.echo(f"  {item['name']:<44}  {item['kind']:<14}  {created}  {human_size(item['size']):>10}")
    if not found:
        click.echo("  none yet (the app makes one a day; `expense-tracker backup` makes one now)")


def backup_source(path_text: str, db_path: Path) -> Path:
    """A path as given, or the name of a file in the backups folder (as `backups` lists them)."""
    given = Path(path_text).expanduser()
    in_folder = backup_dir(db_path) / path_text
    if not given.exists() and given.name == path_text and in_folder.is_file():
        return in_folder
    return given.absolute()


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.argument("source", metavar="PATH|NAME", required=False)
@click.option("--from-replica", "from_replica", metavar="REPLICA",
              help="Restore from a replica instead: its name (see `replica list`) or a replica folder.")
@click.option("--at", metavar="MOMENT", help='With --from-replica: as it was at MOMENT (local time, e.g. "2026-12-03 18:00").')
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@user_errors
def restore(source: str | None, from_replica: str | None, at: str | None, yes: bool) -> None:
    """Replace the data with a backup, or with a replica's copy.

    PATH is a backup file, or NAME one that `backups` lists. The backup is checked first; a damaged or
    foreign file is refused and nothing changes.
    What is there now is saved as a safety backup first. Works while the app is running.

    \b
    Examples:
      expense-tracker restore ~/expenses-2025-03-14.db
      expense-tracker restore expenses-2025-03-14.db --yes
      expense-tracker restore --from-replica nas --at "2026-12-03 18:00"
    """
    db_path = chosen_file()
    if from_replica is not None or at is not None:
        restore_replica(db_path, source, from_replica, at, yes)
        return
    if source is None:
        raise UserError("Give the backup to restore (PATH or NAME, see `backups`), or --from-replica REPLICA.")
    path = backup_source(source, db_path)
    try:
        check_database_file(path)
    except AppError as exc:
        raise UserError(f"{exc} Nothing was restored; your data is unchanged.") from None
    confirm(f"Replace the expenses in {db_path} with {path}? (What is there now is backed up first.)",
            yes, "restore")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = restore_backup(db_path, path)
    except NotFound as exc:
        raise UserError(f"{exc} Nothing was restored; your data is unchanged.") from None
    safety = result["safety_backup"]
    kept = (f"; what was there before is saved as {safety} in {backup_dir(db_path)}" if safety
            else " (there was no database before)")
    click.echo(f"Restored {db_path} from {path}{kept}.")


def restore_replica(db_path: Path, source: str | None, from_replica: str | None, at: str | None, yes: bool) -> None:
    from tracker import replica

    if source is not None:
        raise UserError("Give either a backup or --from-replica, not both.")
    if from_replica is None:
        raise UserError("--at goes with --from-replica REPLICA.")
    dest = replica.find_destination(db_path, from_replica)
    moment = f" as it was at {at}" if at else ""
    confirm(f"Replace the expenses in {db_path} with the replica at {replica.url_of(dest)}{moment}? "
            "(What is there now is backed up first.)", yes, "restore")
    try:
        result = replica.restore_from_replica(dest, db_path, at)
    except NotFound as exc:
        raise UserError(str(exc)) from None
    safety = result["safety_backup"]
    kept = (f"; what was there before is saved as {safety} in {backup_dir(db_path)}" if safety
            else " (there was no database before)")
    click.echo(f"Restored {db_path} from {replica.url_of(dest)}{moment}{kept}.")
