"""`install-desktop` and `uninstall-desktop`: the app in a Linux desktop's menu, with its icon."""

import click

from desktop.cli.common import CONTEXT, UserError, version_option


@click.command("install-desktop", context_settings=CONTEXT)
@version_option
def install_desktop() -> None:
    """Put the app in your desktop's menu and launcher (Linux), with its icon.

    Writes expense-tracker.desktop to $XDG_DATA_HOME/applications and the icon to
    $XDG_DATA_HOME/icons/hicolor (~/.local/share unless XDG_DATA_HOME says otherwise),
    starting this program; `uninstall-desktop` removes them again.

    \b
    Example:
      ~/Apps/expense-tracker/expense-tracker install-desktop
    """
    from desktop import desktop_entry

    try:
        written = desktop_entry.install()
    except desktop_entry.CannotInstall as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"Could not write the desktop entry: {exc.strerror or exc} ({exc.filename}).") from None
    click.echo(f"Installed {written[0]} (starts {desktop_entry.program()}) and {len(written) - 1} icon files.")


@click.command("uninstall-desktop", context_settings=CONTEXT)
@version_option
def uninstall_desktop() -> None:
    """Take the app out of your desktop's menu: remove what `install-desktop` wrote.

    Your expenses are not touched.

    \b
    Example:
      expense-tracker uninstall-desktop
    """
    from desktop import desktop_entry

    try:
        removed = desktop_entry.uninstall()
    except OSError as exc:
        raise UserError(f"Could not remove the desktop entry: {exc.strerror or exc} ({exc.filename}).") from None
    if removed:
        click.echo(f"Removed {len(removed)} files: {desktop_entry.entry_path()} and the icons.")
    else:
        click.echo("Nothing to remove: the desktop entry is not installed.")
