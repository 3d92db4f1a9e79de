"""Peak memory (VmHWM) of a real server for 60 MB bank-file uploads of pathological shapes.

Usage: python bench/upload_memory.py [SHAPE ...]   (default: all; add x3 for three at once, e.g. tinyx3)
Each shape is posted to /imports/preview and to /imports, each time on a fresh server.
Target (issue 12): <= 500 MB for any upload up to the 64 MB maximum.
"""

import concurrent.futures
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SIZE = 60 * 1024 * 1024
ROWS = 149_000  # just under the row cap


def letters(number: int) -> bytes:
    return bytes(97 + number // 26**power % 26 for power in range(4))


def shape(name: str) -> bytes:
    if name == "tiny":  # `1,2` rows: 15.7 million of them
        return b"1,2\n" * (SIZE // 4)
    if name == "wide":  # 100,000 columns, 209 rows
        row = b",".join([b"12"] * 100_000) + b"\n"
        return row * (SIZE // len(row))
    if name == "giant":  # one 60 MB cell
        return b"Date,Text,Amount\n2024-01-01," + b"x" * SIZE + b",-1.00\n"
    if name == "long":  # rows with long descriptions, none alike: every row is imported
        return b"Date,Text,Amount\n" + b"".join(
            b"2024-%02d-%02d,Payee %s %s,-%d.%02d\n" % (i % 12 + 1, i % 28 + 1, letters(i), b"d" * 390, i % 900 + 1, i % 100)
            for i in range(ROWS))
    if name == "ofx":
        transactions = b"".join(
            b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>202401%02d<TRNAMT>-%d.00<FITID>%d<NAME>Payee %d<MEMO>%s</STMTTRN>\n"
            % (i % 28 + 1, i % 900 + 1, i, i, b"m" * 290) for i in range(ROWS))
        return (b"OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST>\n" + transactions
                + b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n")
    if name == "qif":
        return b"!Type:Bank\n" + b"".join(
            b"D01/%02d/2024\nT-%d.00\nPPayee %d\nM%s\n^\n" % (i % 28 + 1, i % 900 + 1, i, b"m" * 340) for i in range(ROWS))
    raise SystemExit(f"unknown shape {name}")


def start(db: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(ROOT / "expense_tracker.py"), "--port", "0", "--db", str(db)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        found = re.search(r"Expense Tracker API on (http://\S+)", line)
        if found:
            threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
            return process, found[1]
    raise SystemExit("the server did not start")


def peak_mb(pid: int) -> int:
    return int(re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())[1]) // 1024


def post(url: str, route: str, data: bytes) -> str:
    started = time.perf_counter()
    response = httpx.post(url + route, files={"file": ("bank.csv", data, "text/csv")},
                          data={"options": '{"default_category_id": 1}'}, timeout=600)
    return f"{response.status_code} in {time.perf_counter() - started:.1f} s: {response.text[:90]}"


def main() -> None:
    for name in sys.argv[1:] or ["tiny", "wide", "giant", "long", "ofx", "qif", "tinyx3", "longx3"]:
        base, count = (name[:-2], 3) if name.endswith("x3") else (name, 1)
        data = shape(base)
        for route in ("/imports/preview", "/imports"):
            with tempfile.TemporaryDirectory() as folder:
                process, url = start(Path(folder) / "expenses.db")
                try:
                    with concurrent.futures.ThreadPoolExecutor(count) as pool:
                        answers = list(pool.map(post, [url] * count, [route] * count, [data] * count))
                    print(f"{name:7} {route:17} {len(data) / 2**20:.0f} MB  peak {peak_mb(process.pid)} MB", flush=True)
                    for answer in answers:
                        print(f"    {answer}", flush=True)
                finally:
                    process.terminate()
                    process.wait()


if __name__ == "__main__":
    main()
