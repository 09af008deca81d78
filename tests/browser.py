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


def screenshot(d, var_dir, name: str) -> None:
    """Save a screenshot into the test's data directory; with RSA_SCREENSHOTS=docs it also goes to
    docs/, which is how the README's pictures are refreshed (`RSA_SCREENSHOTS=docs scripts/test -k page`)."""
    import os
    import shutil
    from pathlib import Path
    path = Path(var_dir) / name
    d.save_screenshot(str(path))
    if os.environ.get("RSA_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["RSA_SCREENSHOTS"]) / name)


def wait_for(check, timeout: float = 30, what: str = "condition", every: float = 0.2):
    """Poll `check` until it returns something truthy (returned), or fail saying what was awaited.
    An element the page re-rendered while `check` read it counts as "not yet": the next poll
    finds the new one."""
    import time

    from selenium.common.exceptions import StaleElementReferenceException
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            got = check()
        except StaleElementReferenceException:
            got = None
        if got:
            return got
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def as_phone(d, width: int = 390, height: int = 844) -> None:
    """Show pages as the phone in the issue reports does: a 390×844 viewport (a window of that
    size would leave less for the page) with mobile layout, so the viewport tag counts."""
    d.set_window_size(width, height + 200)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})


def phone_browser():
    d = make_browser()
    as_phone(d)
    return d


def ensure_staff(username: str, name: str, password: str, role: str = "staff", community: str = None) -> None:
    """A staff account for page tests (the first test that needs it creates it)."""
    from sqlalchemy import select

    from api.core.db import WriteSession
    from api.places.models import Community
    from api.staff.auth import hash_password
    from api.staff.models import StaffUser
    with WriteSession() as s:
        if s.scalars(select(StaffUser).where(StaffUser.username == username)).first():
            return
        centre = s.scalars(select(Community).where(Community.name == community)).one().centre_id if community else None
        s.add(StaffUser(username=username, display_name=name, password_hash=hash_password(password), role=role,
                        centre_id=centre))
        s.commit()
