"""Headless Chromium for the page tests (no side effects on import, unlike conftest)."""
import pytest


def make_browser():
    """Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium."""
    import shutil

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_bin = shutil.which("chromedriver")
    if not (chromium and driver_bin):
        pytest.fail("headless Chromium is needed: apt-get install chromium chromium-driver (scripts/test does this)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1100,860"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(driver_bin), options=opts)


def open_chat(d, url: str, wait: float = 15) -> None:
    """Load the resident chat page and wait for its greeting (it comes after the page has
    asked the backend for the district's name and hotline)."""
    import time
    d.get(url)
    deadline = time.time() + wait
    while not d.find_elements("css selector", ".row.bot .bubble"):
        if time.time() > deadline:
            raise AssertionError("the chat page showed no greeting")
        time.sleep(0.1)
