"""The documentation's screenshots, taken in headless Chromium (Playwright) from a real
`qa serve` over a copy of the seed index: docs/figures/chat.png (the chat with an answer)
and docs/figures/admin.png (the admin page with its token typed and an upload listed).

    .venv/bin/python docs/screenshots.py          # or: make screenshots

Uses /usr/bin/chromium (`make browser`) and the models of QA_MODELS_DIR (default
data/models, built on first use); writes nothing outside a temporary folder but the PNGs.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
CHROMIUM = "/usr/bin/chromium"
# As tests/test_browser.py: no connection anywhere but the page's own server.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "screenshot-token"
QUESTION = "Qui a annoncé un nouvel échange de prisonniers ?"
FOLLOW_UP = "Et combien ont été libérés ?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def qa(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "web.cli.main", *args], env=env, cwd=ROOT)


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"qa serve exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("qa serve did not answer in 180 s")


def wait_for_update(url: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = httpx.get(f"{url}/admin/status", headers=auth, timeout=60).json()["state"]
        if state == "failed":
            raise SystemExit("the upload's update failed")
        if state == "done":
            return
        time.sleep(0.3)
    raise SystemExit("the upload was not indexed in 180 s")


def chat(page: Page, url: str) -> None:
    page.goto(url)
    for number, question in enumerate((QUESTION, FOLLOW_UP), start=1):
        page.fill("#question", question)
        page.press("#question", "Enter")
        expect(page.locator(".turn")).to_have_count(number)
        expect(page.locator(".turn blockquote, .turn .not-found").last).to_be_visible()
    page.screenshot(path=FIGURES / "chat.png", full_page=True)


def admin(page: Page, url: str) -> None:
    page.goto(f"{url}/admin")
    page.fill("#token", TOKEN)
    page.click("#list-uploads")
    expect(page.locator("#uploads li", has_text="ferry.md")).to_contain_text("1 article(s)")
    page.screenshot(path=FIGURES / "admin.png", full_page=True)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="qa-screenshots-") as folder:
        work = Path(folder)
        source = work / "articles"
        source.mkdir()
        for path in [*(ROOT / "seeds").glob("*.txt"), *(ROOT / "tests" / "data").glob("*.*")]:
            shutil.copy(path, source / path.name)
        env = {
            **os.environ,
            "QA_INDEX_DIR": str(work / "index"),
            "QA_SOURCE_DIR": str(source),
            "QA_ADMIN_TOKEN": TOKEN,
            "QA_CONVERSATIONS_FILE": str(work / "conversations.sqlite"),
        }
        env.setdefault("QA_MODELS_DIR", str(ROOT / "data" / "models"))
        if qa("index", "build", str(source), env=env).wait() not in (0, 3):
            raise SystemExit("qa index build failed")
        url = f"http://127.0.0.1:{free_port()}"
        server = qa("serve", "--port", url.rsplit(":", 1)[1], env=env)
        try:
            wait_until_up(url, server)
            story = b"# Ferry timetable\n\nThe winter ferry timetable starts on Monday 3 November."
            response = httpx.post(
                f"{url}/admin/articles",
                files={"files": ("ferry.md", story, "text/markdown")},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=120,  # the first request may wait for the model on a busy machine
            )
            response.raise_for_status()
            wait_for_update(url)
            expect.set_options(timeout=30_000)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                context = browser.new_context(
                    viewport={"width": 1000, "height": 700},
                    locale="fr-FR",
                    extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
                )
                chat(context.new_page(), url)
                admin(context.new_page(), url)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name in ("chat.png", "admin.png"):
        print(f"{FIGURES / name}: {(FIGURES / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
