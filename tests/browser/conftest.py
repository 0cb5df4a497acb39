"""Fixtures for the headless-Chromium page tests: a real `tongban serve --demo` on the
embedded database in a temporary data directory, and a Selenium-driven Debian chromium."""
import hashlib
import hmac
import os
import pathlib
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
DEMO_PASSWORD = "Tongban@2026demo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    binary = ROOT / ".build" / "debug" / "tongban"
    assert binary.exists(), "build first: swift build"
    data = tempfile.mkdtemp(prefix="tongban-browser-")
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w")
    proc = subprocess.Popen(
        [str(binary), "serve", "--demo", "--port", str(port), "--data-dir", data],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, "DATABASE_URL": ""})
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("server did not become ready: " + open(os.path.join(data, "server.log")).read()[-2000:])
    yield base
    proc.terminate()
    proc.wait(timeout=30)
    log.close()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=414,1000", "--lang=zh-CN"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def screenshot(driver, name):
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def click_and_wait(driver, element, timeout=20):
    """Clicks a submit button and waits until the browser has left the current page, so the
    next step never races a navigation still in flight."""
    element.click()

    def left(_):
        # Chromium reports a detached node either as stale or as "does not belong to the document".
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True

    WebDriverWait(driver, timeout).until(left)


def demo_totp(username, at=None):
    """The current code for a demo staff member (demo secrets derive from the user name)."""
    secret = hashlib.sha256(f"tongban-demo-totp:{username}".encode()).digest()[:20]
    counter = int((at or time.time()) // 30)
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


_last_step = {}


def fresh_totp(username):
    """A code from a time step this user has not logged in with yet: the server refuses a
    replayed code, and several tests may log the same demo staff member in within 30 s."""
    step = int(time.time() // 30)
    if _last_step.get(username, -1) >= step:
        time.sleep((step + 1) * 30 - time.time() + 0.2)
        step = int(time.time() // 30)
    _last_step[username] = step
    return demo_totp(username)


def log_in_staff(driver, base, username):
    driver.get(base + "/login")
    driver.find_element("name", "login").send_keys(username)
    driver.find_element("name", "password").send_keys(DEMO_PASSWORD)
    click_and_wait(driver, driver.find_element("css selector", "#login-form button[type=submit]"))
    driver.find_element("name", "otp").send_keys(fresh_totp(username))
    click_and_wait(driver, driver.find_element("css selector", "#login-form button[type=submit]"))


def assert_fits_width(driver):
    """The page scrolls only vertically at the phone width the browser runs at (414 px):
    nothing on it is wider than the screen."""
    overflow = driver.execute_script("""
        var width = document.documentElement.clientWidth, wide = [];
        document.querySelectorAll('body *').forEach(function (e) {
            var box = e.getBoundingClientRect();
            if (box.right > width + 1) wide.push(e.tagName + ' ' + (e.id || e.className) + ': ' + Math.round(box.right));
        });
        return wide.slice(0, 5);""")
    assert overflow == [], f"wider than the screen: {overflow}"
