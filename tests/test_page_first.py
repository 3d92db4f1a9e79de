"""The window's page files come from memory, before the API is up and after; everything else goes to the API."""

import os

import pytest
from fastapi.testclient import TestClient

from desktop.page_first import PageFirst

HOST = "127.0.0.1:8123"


def stand_in_api(seen):
    """An ASGI app in the API's place that says who answered."""

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": f"{message['type']}.complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        seen.append((scope["method"], scope["path"]))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"the API"})

    return app


@pytest.fixture
def page(tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><p>Expenses</p>")
    (web / "app.js").write_text("export const one = 1;\n")
    (tmp_path / "secret.txt").write_text("not for pages")
    seen = []
    with TestClient(PageFirst(lambda: stand_in_api(seen), HOST, web), base_url=f"http://{HOST}") as client:
        yield client, web, seen


def test_page_first_serves_window_files_from_memory_after_the_api_is_up(page):
    client, web, seen = page
    assert client.get("/api-route").text == "the API"  # the API is up
    index, script = client.get("/"), client.get("/app.js")
    assert (index.text, index.headers["content-type"]) == ("<!doctype html><p>Expenses</p>", "text/html; charset=utf-8")
    assert (script.text, script.headers["content-type"]) == ("export const one = 1;\n", "text/javascript; charset=utf-8")
    assert client.head("/app.js").content == b""
    # A file changed on disk (while developing) is read again.
    (web / "app.js").write_text("export const one = 2;\n")
    os.utime(web / "app.js", ns=(1, 1))
    assert client.get("/app.js").text == "export const one = 2;\n"
    assert seen == [("GET", "/api-route")]


@pytest.mark.parametrize(("method", "url", "headers"), [
    ("GET", "/missing.js", {}),
    ("GET", "/app.js?v=1", {}),
    ("POST", "/app.js", {}),
    ("GET", "/app.js", {"host": "localhost:8123"}),
    ("GET", "/app.js", {"host": "evil.example"}),
    ("GET", "/../secret.txt", {}),
    ("GET", "/%2e%2e/secret.txt", {}),
])
def test_page_first_leaves_every_other_request_to_the_api(page, method, url, headers):
    client, _, seen = page
    response = client.request(method, url, headers=headers)
    assert response.text == "the API"
    assert len(seen) == 1


def test_page_index_preloads_every_module_that_app_js_reaches_only_through_others():
    """The browser asks for a module once the module importing it has arrived; a modulepreload link
    asks for it with the first wave (a module found late delayed the page by ~70 ms)."""
    import re

    from desktop.page_first import WEB_DIR

    def imports(name):
        return set(re.findall(r'from "\./([a-z_]+\.js)"', (WEB_DIR / name).read_text()))

    reached, todo = set(), ["app.js"]
    while todo:
        for module in imports(todo.pop()) - reached:
            reached.add(module)
            todo.append(module)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([a-z_]+\.js)">', (WEB_DIR / "index.html").read_text()))
    assert reached - imports("app.js") == preloaded
