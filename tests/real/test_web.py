"""The web page in a real headless browser (Debian's chromium driven by Playwright), fake models.

Upload the Korean sample transcript, approve the proposed booking, read the minutes, browse meetings and
open action items, and chat; the page loads nothing from outside this server.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.fixtures import KO_ATTENDEES, SAMPLES, LiveServer, fake_context_factory, fixed_clock, prepare_settings

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                                "(apt-get install -y chromium)")


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright==1.65.2")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        yield b
        b.close()


def upload_file(page, path: Path, has_text: str, tries: int = 3) -> None:
    """Put ``path`` in the upload box and wait until the page shows it.

    The file input can exist before the page's scripts listen to it (seen once in CI: the file was set and
    nothing happened), so a file the page has not taken within 20 s is set again; a failure says what the
    upload box showed."""
    for _ in range(tries):
        page.locator("#upload input[type=file]").set_input_files(str(path))
        try:
            page.wait_for_function(has_text, arg=["#upload", path.name], timeout=20_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: try again
            continue
    shown = page.locator("#upload").inner_text()
    toasts = page.locator(".toast-body").all_inner_texts()
    raise AssertionError(f"the page never showed the uploaded {path.name}: upload box {shown!r}, messages {toasts!r}")


def test_page_processes_approves_browses_and_chats(settings, browser, tmp_path, monkeypatch):
    from app.api import create_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    prepare_settings(settings)
    asked = []

    def chat(_settings, question, thread_id):
        asked.append((question, thread_id))
        for word in ("로그인 버그는 ", "이준호 님이 ", "11월 27일까지 고칩니다."):
            time.sleep(0.05)
            yield word

    app = create_app(settings, fake_context_factory(), chat_fn=chat, clock=fixed_clock, token="")
    with LiveServer(app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(server.url + "/")  # redirects to the page
        page.wait_for_selector("#process-btn", timeout=60_000)
        assert page.url.rstrip("/").endswith("/ui")

        # process: upload the transcript with a date and attendees (book=ask by default)
        has_text = "([sel, text]) => document.querySelector(sel).innerText.includes(text)"
        upload_file(page, SAMPLES / "meeting_ko.txt", has_text)
        page.locator("#meeting-date textarea").fill("2026-11-26T10:00+09:00")
        page.locator("#attendees textarea").fill("\n".join(KO_ATTENDEES))
        page.locator("#process-btn").click()
        approve = page.locator("#approve-btn")
        approve.wait_for(state="visible", timeout=60_000)
        proposal = page.locator("#proposal").inner_text()
        assert "출시 후속 회의" in proposal and "2026-12-01" in proposal and "junho@example.com" in proposal
        assert "✓ minutes written" in page.locator("#progress").inner_text()
        page.screenshot(path=str(tmp_path / "1-proposal.png"), full_page=True)

        approve.click()
        minutes = page.locator("#minutes")
        page.wait_for_function("() => document.querySelector('#minutes').innerText.includes('booked')", timeout=60_000)
        text = minutes.inner_text()
        assert "모바일 앱 출시 회의" in text and "베타 출시는 12월 10일로 확정" in text
        assert "로그인 버그를 고치기" in text and "2026-11-27" in text
        assert approve.is_hidden()
        page.screenshot(path=str(tmp_path / "2-minutes.png"), full_page=True)

        # browse: the meeting list, open it, and the open action items
        page.get_by_role("tab", name="Meetings").click()
        table = page.locator("#meetings-table")
        page.wait_for_function(has_text, arg=["#meetings-table", "모바일 앱 출시 회의"], timeout=30_000)
        assert "done" in table.inner_text()
        page.wait_for_function(has_text, arg=["#actions-table", "새 온보딩 디자인을 공유하기"], timeout=30_000)
        assert "로그인 버그를 고치기" in page.locator("#actions-table").inner_text()
        page.locator("#pick-meeting input").click()
        page.get_by_role("option").first.click()
        page.wait_for_function(has_text, arg=["#meeting-view", "베타 출시는 12월 10일로 확정"], timeout=30_000)
        page.screenshot(path=str(tmp_path / "3-meetings.png"), full_page=True)

        # chat: the streamed answer appears, and the conversation keeps one thread
        page.get_by_role("tab", name="Chat").click()
        box = page.locator("#question textarea")
        box.fill("로그인 버그는 누가 고치나요?")
        box.press("Enter")
        page.wait_for_function(has_text, arg=["#chatbot", "11월 27일까지 고칩니다."], timeout=30_000)
        box.fill("언제까지요?")
        box.press("Enter")
        page.wait_for_function("() => document.querySelectorAll('#chatbot .message').length >= 4 || "
                               "document.querySelector('#chatbot').innerText.split('11월 27일까지 고칩니다.').length > 2",
                               timeout=30_000)
        page.screenshot(path=str(tmp_path / "4-chat.png"), full_page=True)
        print(f"screenshots in {tmp_path}")
        page.close()  # before the server stops: no stream left open

    assert [q for q, _ in asked] == ["로그인 버그는 누가 고치나요?", "언제까지요?"]
    assert asked[0][1] == asked[1][1] and asked[0][1].startswith("web-")
    outside = sorted({u for u in requests if not u.startswith(server.url) and not u.startswith(("data:", "blob:"))})
    assert not outside, f"the page loaded from outside the server: {outside}"
    if os.environ.get("MINUTES_SCREENSHOTS"):  # keep them for a person to look at
        import shutil

        shutil.copytree(tmp_path, os.environ["MINUTES_SCREENSHOTS"], dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("data", "gradio"))


def test_page_asks_for_the_token_when_one_is_set(settings, browser, tmp_path, monkeypatch):
    from app.api import create_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    app = create_app(prepare_settings(settings), fake_context_factory(), clock=fixed_clock, token="page-secret")
    with LiveServer(app) as server:
        page = browser.new_page()
        page.goto(server.url + "/ui/")
        page.get_by_text("Enter the API token as the password.").wait_for(timeout=60_000)
        assert page.locator("#process-btn").count() == 0
        page.get_by_label("username").fill("me")
        page.get_by_label("password").fill("wrong")
        page.get_by_role("button", name="Login").click()
        page.get_by_text("Incorrect Credentials").wait_for(timeout=30_000)
        page.get_by_label("username").fill("me")
        page.get_by_label("password").fill("page-secret")
        page.get_by_role("button", name="Login").click()
        page.wait_for_selector("#process-btn", timeout=60_000)
        page.close()
