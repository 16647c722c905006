"""Debian's chromium driven by Playwright (the live server is in tests/conftest.py)."""
import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
# In the night run (tests/at-night.sh) chromium keeps the real clock: under libfaketime its pages
# never finish loading when Playwright drives it. The server's clock is the one that matters;
# the pages read no clock (no Date in our scripts, session cookies without an expiry).
CHROMIUM_ENV = {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=CHROMIUM_ENV)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
