"""The API's thread in the window's process: it builds the app itself, so the window opens meanwhile."""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from api.app import create_app
from desktop.server import ServerThread, bind, url_of


def get(url: str, path: str, host: str | None = None, timeout: float = 10) -> tuple[int, str, bytes]:
    request = urllib.request.Request(f"{url}{path}", headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers["content-type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read()


def test_server_thread_builds_the_app_off_the_main_thread_and_serves(db_path):
    sock = bind("127.0.0.1", 0)
    built_on = []

    def make_app():
        built_on.append(threading.current_thread())
        return create_app(db_path)

    server = ServerThread(None, sock, make_app=make_app)
    server.begin()
    try:
        server.wait_started()
        status, _, body = get(url_of(sock), "/health")
        assert status == 200 and json.loads(body)["status"] == "ok"
    finally:
        server.stop()
    assert len(built_on) == 1 and built_on[0] is not threading.main_thread()


def test_server_thread_serves_the_page_while_the_api_is_built(db_path):
    sock = bind("127.0.0.1", 0)
    url = url_of(sock)
    release = threading.Event()

    def make_app():
        release.wait(10)
        return create_app(db_path)

    server = ServerThread(None, sock, make_app=make_app)
    server.begin()
    answers: dict[str, tuple] = {}

    def ask(name, path, host=None):
        answers[name] = get(url, path, host)

    try:
        status, kind, body = get(url, "/", timeout=3)  # not after the API: it is not built yet
        assert (status, kind) == (200, "text/html; charset=utf-8") and b'src="app.js"' in body
        status, kind, body = get(url, "/app.js", timeout=3)
        assert status == 200 and kind.startswith("text/javascript") and b"import" in body
        # The API's requests, and the page asked by another name, wait for the API to judge them.
        waiting = [threading.Thread(target=ask, args=args) for args in
                   [("health", "/health"), ("other host", "/", "evil.example:80"), ("missing", "/nothing.js")]]
        for thread in waiting:
            thread.start()
        time.sleep(0.3)
        assert answers == {}
        release.set()
        for thread in waiting:
            thread.join(10)
        server.wait_started()
    finally:
        release.set()
        server.stop()
    assert answers["health"][0] == 200 and json.loads(answers["health"][2])["status"] == "ok"
    assert answers["other host"][0] == 400 and b"Invalid Host header" in answers["other host"][2]
    assert answers["missing"][0] == 404


def test_server_thread_app_that_cannot_be_built_is_reported(db_path):
    def make_app():
        raise ValueError("broken")

    sock = bind("127.0.0.1", 0)
    url = url_of(sock)
    server = ServerThread(None, sock, make_app=make_app)
    server.begin()
    with pytest.raises(RuntimeError, match="could not be set up"):
        server.wait_started(timeout=10)
    assert isinstance(server.error, ValueError)
    status, _, body = get(url, "/health")
    assert status == 503 and json.loads(body) == {"detail": "The API could not start; see the log for why."}
    server.stop()


def test_server_thread_stop_lets_a_running_request_finish_then_shuts_the_app_down(db_path):
    """Stopping at once (the window's close) still answers a request under way, then runs the shutdown."""
    from fastapi import FastAPI

    events: list[str] = []
    started = threading.Event()

    async def lifespan(app):
        yield
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/slow")
    def slow():
        started.set()
        time.sleep(0.5)
        events.append("answered")
        return {"done": True}

    sock = bind("127.0.0.1", 0)
    server = ServerThread(app, sock)
    server.start()
    answer: dict = {}
    client = threading.Thread(target=lambda: answer.update(reply=get(url_of(sock), "/slow")))
    client.start()
    assert started.wait(10)
    server.stop()
    client.join(10)
    assert answer["reply"][0] == 200 and json.loads(answer["reply"][2]) == {"done": True}
    assert events == ["answered", "shutdown"]
    assert not server.thread.is_alive()
