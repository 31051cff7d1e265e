"""Debian's chromium, headless, driven by Selenium through Debian's chromedriver (no browser
is downloaded: ``make test`` installs both where it may, see the Makefile's ``browser``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def need_browser() -> None:
    """Skip, saying why, where no browser is installed; under CI=true that is a failure."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    why = (
        f"no {CHROMIUM} and {CHROMEDRIVER}: run 'make browser' (Debian's chromium, chromium-driver)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium; its console messages readable with ``console_errors``."""
    need_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1000,1400"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[str]:
    """The page's console errors since the last call (failed loads included)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
