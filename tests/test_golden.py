"""What users see, pinned in files: the OpenAPI document, every command's --help, a new database's schema.

A change to any of them must be meant. To accept one, regenerate the files and review the diff:
    UPDATE_GOLDEN=1 ./dev test tests/test_golden.py
"""

import json
import os
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from conftest import BASE_URL
from desktop import cli
from tracker.db import init_database

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 ./dev test tests/test_golden.py"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} changed; if that is meant, regenerate with UPDATE_GOLDEN=1 and review the diff"


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command's words, the group itself first: ('',), ('trash',), ('trash', 'list'), ..."""
    paths = [prefix]
    for name in sorted(group.commands):
        command = group.commands[name]
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


def help_file_name(words: tuple[str, ...]) -> str:
    return "help/" + ("-".join(words) or "main") + ".txt"


def test_golden_openapi_document(db_path):
    with TestClient(create_app(db_path), base_url=BASE_URL) as client:
        document = client.get("/openapi.json").json()
    compare("openapi.json", json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def test_golden_command_list():
    names = ["expense-tracker " + " ".join(words) if words else "expense-tracker" for words in command_paths(cli.main)]
    compare("help/commands.txt", "\n".join(names) + "\n")


@pytest.mark.parametrize("words", command_paths(cli.main), ids=lambda words: " ".join(words) or "main")
def test_golden_help(words):
    # A fixed width, so the wrapping is the same on every terminal.
    result = CliRunner().invoke(cli.main, [*words, "--help"], prog_name="expense-tracker", terminal_width=80)
    assert result.exit_code == 0, result.output
    compare(help_file_name(words), result.output)


def test_golden_schema_of_a_new_database(db_path):
    init_database(db_path)
    with sqlite3.connect(db_path) as conn:
        statements = [row[0] + ";" for row in conn.execute(
            "select sql from sqlite_master where sql is not null order by rowid")]
        pragmas = [f"pragma {name} = {conn.execute(f'pragma {name}').fetchone()[0]};"
                   for name in ("application_id", "user_version", "journal_mode")]
        categories = [f"-- category {row[0]} {row[1]} {row[2]}"
                      for row in conn.execute("select id, name, color from categories order by id")]
    conn.close()
    compare("schema.sql", "\n".join([*statements, *pragmas, *categories]) + "\n")
