"""The page inside the real app window (pywebview, WebKitGTK, under Xvfb): add an expense, export it."""

import json
import subprocess
import sys
from datetime import date

from conftest import ROOT


def test_window_add_expense_and_export_through_save_dialog(app_env, tmp_path):
    db, save_as = tmp_path / "expenses.db", tmp_path / "chosen folder" / "my expenses.csv"
    save_as.parent.mkdir()
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "window_driver.py"), str(db), str(save_as)],
        cwd=ROOT, env={**app_env, "LANG": "C.UTF-8"}, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == "true"
    assert seen["row"], "the new expense did not appear in the table"
    assert seen["total"] == "$23.45"
    assert seen["dialog"], "no save dialog appeared"
    assert seen["saved"]
    assert seen["toast"] == f"Saved 1 expense to {save_as}"
    # The window's export carries the currency columns (issue 18).
    assert save_as.read_bytes().decode() == (
        "id,amount,description,category,date,currency,home_amount,rate\r\n"
        f"1,23.45,Typed in the window,Food,{date.today().isoformat()},USD,23.45,\r\n"
    )
    assert not save_as.with_name(save_as.name + ".partial").exists()
