"""The API's thread in the window's process: it builds the app itself, so the window opens meanwhile."""

import json
import urllib.request

import pytest

from api.app import create_app
from desktop.server import ServerThread, bind, url_of


def test_server_thread_builds_the_app_on_its_thread_and_serves(db_path):
    sock = bind("127.0.0.1", 0)
    built_on = []

    def make_app():
        import threading

        built_on.append(threading.current_thread().name)
        return create_app(db_path)

    server = ServerThread(None, sock, make_app=make_app)
    server.begin()
    try:
        server.wait_started()
        with urllib.request.urlopen(f"{url_of(sock)}/health", timeout=10) as response:
            assert response.status == 200 and json.load(response)["status"]
    finally:
        server.stop()
    assert built_on == ["api-server"]


def test_server_thread_app_that_cannot_be_built_is_reported(db_path):
    def make_app():
        raise ValueError("broken")

    server = ServerThread(None, bind("127.0.0.1", 0), make_app=make_app)
    server.begin()
    with pytest.raises(RuntimeError, match="stopped while starting"):
        server.wait_started(timeout=10)
    assert isinstance(server.error, ValueError)
    server.stop()
