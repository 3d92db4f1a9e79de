"""What only a real server shows: the WAL file, concurrent writers, streaming, Host and CORS."""

import http.client
import json
import socket
import sqlite3
import subprocess
import sys
import threading
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, start_server, stop_server


def call(url, method="GET", path="/health", body=None, headers=None):
    """One request over a fresh connection; returns (status, headers, body bytes)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def post_expense(url, description, conn=None):
    body = {"amount": 1.25, "description": description, "category_id": 1, "date": "2025-06-01"}
    status, _, data = call(url, "POST", "/expenses", body)
    return status, json.loads(data)


def test_server_writes_wal_file(server):
    status, _ = post_expense(server.url, "first")
    assert status == 201
    assert server.db_path.with_name("expenses.db-wal").exists()
    conn = sqlite3.connect(server.db_path)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_server_concurrent_writers_lose_nothing(server):
    acknowledged = []
    failures = []

    def writer(number):
        for i in range(25):
            status, body = post_expense(server.url, f"writer {number} #{i}")
            if status == 201:
                acknowledged.append(body)
            else:
                failures.append((status, body))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(acknowledged) == 200
    conn = sqlite3.connect(server.db_path)
    stored = dict(conn.execute("select id, description from expenses"))
    assert stored == {e["id"]: e["description"] for e in acknowledged}
    status, _, body = call(server.url, path="/summary?month=2025-06")
    assert json.loads(body)["count"] == 200 and json.loads(body)["total"] == 250.0


def test_server_export_streams_in_chunks(server):
    conn = sqlite3.connect(server.db_path)
    conn.executemany(
        "insert into expenses (amount, description, category_id, date) values (2.5, ?, 1, '2025-01-01')",
        [(f"row {i}, with comma",) for i in range(20000)],
    )
    conn.commit()
    conn.close()
    parts = urlsplit(server.url)
    http_conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    http_conn.request("GET", "/expenses/export")
    response = http_conn.getresponse()
    assert response.status == 200
    assert response.getheader("transfer-encoding") == "chunked"
    assert response.getheader("content-length") is None
    first = response.read1(65536)
    assert first.startswith(b"id,amount,description,category,date\r\n")
    rest = response.read()
    http_conn.close()
    lines = (first + rest).decode().splitlines()
    assert len(lines) == 20001
    assert lines[-1] == '1,2.50,"row 0, with comma",Food,2025-01-01'


@pytest.mark.parametrize(
    "host, status",
    [
        ("127.0.0.1", 200),
        ("127.0.0.1:{port}", 200),
        ("localhost:{port}", 200),
        ("LOCALHOST", 200),
        ("[::1]:{port}", 200),
        ("evil.example:{port}", 400),
        ("127.0.0.1.nip.io", 400),
        ("192.168.1.10:{port}", 400),
        ("", 400),
    ],
)
def test_server_host_header_checked(server, host, status):
    port = urlsplit(server.url).port
    got, headers, body = call(server.url, headers={"Host": host.format(port=port)})
    assert got == status
    assert headers["content-type"] == "application/json"
    if status == 400:
        assert "Invalid Host header" in json.loads(body)["detail"]


@pytest.mark.parametrize("second", ["evil.example", "127.0.0.1"])
def test_server_two_host_headers_refused(server, second):
    """Sent over a raw socket: client libraries merge or refuse repeated Host headers."""
    port = urlsplit(server.url).port
    request = (f"POST /backups HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: {second}\r\n"
               "Content-Length: 0\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body) == {"detail": "The request has 2 Host headers; it must name exactly one host."}
    assert not list((server.db_path.parent / "backups").glob("*manual*"))


def test_server_allowed_hosts_from_environment(db_path):
    running = start_server(db_path, env={"EXPENSE_TRACKER_ALLOWED_HOSTS": "tracker.lan, other.lan"})
    try:
        assert call(running.url, headers={"Host": "tracker.lan:8000"})[0] == 200
        assert call(running.url, headers={"Host": "evil.example"})[0] == 400
    finally:
        stop_server(running)


def test_server_cors_allows_no_other_origin_by_default(server):
    status, headers, _ = call(server.url, path="/categories", headers={"Origin": "http://example.org"})
    assert status == 200  # answered, but a browser keeps the answer from the page
    assert "access-control-allow-origin" not in headers
    assert not any("CORS" in line for line in server.output)


@pytest.mark.parametrize(
    "args, allowed, refused",
    [
        (["--cors", "*"], "*", None),
        (["--cors", "http://localhost:5173", "--cors", "http://127.0.0.1:3000/"], "http://127.0.0.1:3000",
         "http://127.0.0.1:9999"),
    ],
)
def test_server_cors_origins_from_command_line(db_path, args, allowed, refused):
    running = start_server(db_path, *args)
    try:
        origin = "http://example.org" if allowed == "*" else allowed
        _, headers, _ = call(running.url, path="/categories", headers={"Origin": origin})
        assert headers["access-control-allow-origin"] == allowed
        assert call(running.url, "POST", "/backups", headers={"Origin": origin})[0] == 201
        if refused:
            _, headers, _ = call(running.url, path="/categories", headers={"Origin": refused})
            assert "access-control-allow-origin" not in headers
            assert call(running.url, "POST", "/backups", headers={"Origin": refused})[0] == 403
        assert any("CORS: " in line and "may read and change your expenses" in line for line in running.output)
    finally:
        stop_server(running)


def test_server_cors_origin_not_an_origin_is_one_clear_line(db_path):
    result = subprocess.run(
        [sys.executable, "expense_tracker.py", "--db", str(db_path), "--cors", "localhost:5173"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 2
    assert "'localhost:5173' is not a web origin" in result.stderr
    assert "Traceback" not in result.stderr


def test_server_cors_origins_from_environment(db_path):
    running = start_server(db_path, env={"EXPENSE_TRACKER_CORS_ORIGINS": "http://127.0.0.1:5173"})
    try:
        _, allowed, _ = call(running.url, path="/categories", headers={"Origin": "http://127.0.0.1:5173"})
        assert allowed["access-control-allow-origin"] == "http://127.0.0.1:5173"
        _, refused, _ = call(running.url, path="/categories", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in refused
    finally:
        stop_server(running)


def test_server_port_taken_is_one_clear_line(db_path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        result = subprocess.run(
            [sys.executable, "expense_tracker.py", "--port", str(port), "--db", str(db_path)],
            cwd=ROOT, capture_output=True, text=True, timeout=30,
        )
    finally:
        holder.close()
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_server_non_loopback_bind_warns(db_path):
    running = start_server(db_path, "--host", "0.0.0.0")
    try:
        assert any("WARNING: binding to 0.0.0.0" in line for line in running.output)
        assert call(f"http://127.0.0.1:{urlsplit(running.url).port}")[0] == 200
    finally:
        stop_server(running)


def test_server_help_names_default_address():
    result = subprocess.run(
        [sys.executable, "expense_tracker.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert "127.0.0.1" in result.stdout and "8000" in result.stdout


def test_server_damaged_file_message_names_path(db_path):
    db_path.write_bytes(b"\x00garbage" * 1000)
    before = db_path.read_bytes()
    running = start_server(db_path)
    try:
        status, _, body = call(running.url)
        assert status == 503
        assert str(db_path) in json.loads(body)["detail"]
    finally:
        stop_server(running)
    assert db_path.read_bytes() == before
    assert any(str(db_path) in line for line in running.output)
