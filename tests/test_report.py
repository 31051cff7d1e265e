"""``pollbot report`` and ``/report/``: each subject's story on a page, the numbers those of
``summaries --json`` and ``export``; opened in a real browser (Debian's chromium)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By

from bot.app import App
from bot.metrics import Metrics, serve_metrics
from bot.registry import get_job
from jobs.report import report_page
from jobs.runner import Holder, run_job
from jobs.subjects import Subject
from jobs.tracking import track
from tests.support.browser import chromium, console_errors
from tests.support.cli import run_cli
from tests.support.env import env_for, settings_for
from tests.support.scenarios import POLL_POST_ID, START
from tests.support.voices import campaign, voices_scenario

POLL_PAGE = f"x-poll-{POLL_POST_ID}"
ACCOUNT_PAGE = "x-account-elonmusk"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def store(db_url: str, mock_factory: Any, make_app: Callable[..., App]) -> tuple[App, Any]:
    """A store filled by collecting and summarising the copy-paste campaign scenario: the
    poll and the account that posted it, two summary windows each."""
    mock = mock_factory(voices_scenario(campaign()))
    for hours in (6, 12):
        mock.set_clock(START + timedelta(hours=hours, minutes=5))
        app = make_app(
            settings_for(db_url, mock.url, summary_cron="0 */6 * * *"), sleep=lambda s: None
        )
        track(app.db(), Subject("poll", POLL_POST_ID), now=app.wall())
        track(app.db(), Subject("account", "elonmusk"), now=app.wall())
        for job in ("collect", "polls", "summarize"):
            ctx = app.job_context(trigger="cli")
            assert run_job(get_job(job), ctx, holder=Holder.here("t")).status == "ok"
    return app, mock


@pytest.fixture
def written(store: tuple[App, Any], db_url: str, tmp_path: Path) -> Path:
    _, mock = store
    out = tmp_path / "report"
    done = run_cli("report", "--out", str(out), env=env_for(db_url, mock.url))
    assert done.code == 0, done.err
    assert done.out.strip() == f"wrote 3 pages to {out}/ (open {out / 'index.html'})"
    return out


def summaries_json(db_url: str, mock_url: str) -> list[dict[str, Any]]:
    return list(json.loads(run_cli("summaries", "--json", env=env_for(db_url, mock_url)).out))


def exported(db_url: str, mock_url: str, subject: str) -> int:
    out = run_cli(
        "export",
        "replies",
        "--subject",
        subject,
        "--format",
        "jsonl",
        env=env_for(db_url, mock_url),
    ).out
    return len(out.splitlines())


def test_report_writes_an_index_and_a_page_per_subject(
    written: Path, store: tuple[App, Any], db_url: str
) -> None:
    _, mock = store
    assert sorted(p.name for p in written.iterdir()) == sorted(
        ["index.html", f"{POLL_PAGE}.html", f"{ACCOUNT_PAGE}.html"]
    )
    page = (written / f"{POLL_PAGE}.html").read_text()
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert 'href="index.html"' in page
    # One unknown subject: exit 2, one line, nothing written.
    empty = written.parent / "nothing"
    bad = run_cli("report", "@nobody", "--out", str(empty), env=env_for(db_url, mock.url))
    assert (bad.code, bad.err.strip()) == (
        2,
        "pollbot: error: not tracked: @nobody (see 'pollbot track list')",
    )
    assert not empty.exists()


def test_the_report_is_served_read_only_and_unknown_pages_are_404(store: tuple[App, Any]) -> None:
    app, _ = store
    s = app.settings

    def page(name: str) -> str | None:
        return report_page(app.db(), name, now=app.wall(), cap=s.monthly_post_reads, budget_usd=1.0)

    port = _free_port()
    server = serve_metrics(Metrics(), port=port, health=lambda: {"ok": True}, report=page)
    base = f"http://127.0.0.1:{port}"
    try:
        for path in ("/report/", "/report/index.html", f"/report/{POLL_PAGE}.html"):
            got = requests.get(base + path, timeout=30)
            assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/html")
        for path in (
            "/report/x-poll-1.html",  # not tracked
            "/report/x-account-nobody.html",
            "/report/..%2f..%2fetc%2fpasswd.html",
            "/report/x-poll-1'%20OR%201=1.html",
            "/report/x-poll-159%2F..%2Findex.html",
            "/report/other.txt",
        ):
            assert requests.get(base + path, timeout=30).status_code == 404, path
        assert requests.post(base + "/report/", timeout=30).status_code == 501
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def test_the_report_in_a_browser(
    written: Path, store: tuple[App, Any], db_url: str, browser: Any
) -> None:
    _, mock = store
    made = summaries_json(db_url, mock.url)
    browser.get((written / "index.html").as_uri())
    assert console_errors(browser) == []
    rows = browser.find_elements(By.CSS_SELECTOR, "#subjects tbody tr")
    by_key = {r.get_attribute("data-subject"): r for r in rows}
    assert set(by_key) == {f"x:poll:{POLL_POST_ID}", "x:account:elonmusk"}
    for key, subject in (
        (f"x:poll:{POLL_POST_ID}", POLL_POST_ID),
        ("x:account:elonmusk", "@elonmusk"),
    ):
        cell = by_key[key].find_element(By.CSS_SELECTOR, "td.replies")
        assert int(cell.get_attribute("data-value")) == exported(db_url, mock.url, subject)

    # To the poll's page by its link, and back.
    by_key[f"x:poll:{POLL_POST_ID}"].find_element(By.TAG_NAME, "a").click()
    assert browser.current_url.endswith(f"{POLL_PAGE}.html")
    assert console_errors(browser) == []
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 4  # votes, sentiment shares, mean, windows
    for chart in charts:
        assert chart.size["width"] > 300 and chart.size["height"] > 100
        assert chart.find_elements(By.CSS_SELECTOR, "polyline, rect")
    pngs = browser.find_elements(By.CSS_SELECTOR, "img.png")
    assert pngs and all(
        browser.execute_script("return arguments[0].naturalWidth", img) == 1200 for img in pngs
    )
    # Every summary shown with the counts `summaries --json` gives.
    want = {
        d["window_end"]: d["counts"]
        for d in made
        if d["subject_key"] == POLL_POST_ID and d["counts"]
    }
    shown = browser.find_elements(By.CSS_SELECTOR, "section.summary")
    assert len(shown) == len(want) == 2
    for section in shown:
        counts = want[section.get_attribute("data-window-end")]
        for key in ("replies", "scored", "authors", "copies"):
            cell = section.find_element(By.CSS_SELECTOR, f"td.{key}")
            assert int(cell.get_attribute("data-value")) == counts[key], key
        texts = [p.text for p in section.find_elements(By.CSS_SELECTOR, ".part")]
        assert texts == next(
            d["parts"]
            for d in made
            if d["window_end"] == section.get_attribute("data-window-end")
            and d["subject_key"] == POLL_POST_ID
        )
    browser.find_element(By.LINK_TEXT, "All subjects").click()
    assert browser.current_url.endswith("index.html")

    # Readable on a phone: nothing wider than the screen but the scrolling tables.
    browser.set_window_size(390, 844)
    browser.get((written / f"{POLL_PAGE}.html").as_uri())
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
