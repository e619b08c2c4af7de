"""A real PacSpace server for the end-to-end tests (scripts/pacspace_harness.py): the
built binary on a free loopback port with a fresh data directory, and a verified
account with an active testnet environment and a test API key."""
import os, sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "scripts"))
from pacspace_harness import ROOT, Server, call, free_port  # noqa: E402,F401


@pytest.fixture(scope="session")
def server():
    running = Server(env={"SEQUENCER_INTERVAL": "50"}).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def account(server):
    return server.account()


# SQLite always; PostgreSQL too when PACSPACE_TEST_POSTGRES_URL is set.
BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("PACSPACE_TEST_POSTGRES_URL") else [])


def server_on(backend, env):
    """A started server of its own on `backend`. On PostgreSQL it gets a database of its own:
    the records tests edit stored entries, and every later `pacspace audit` of the shared
    test database (crash-test, hostile-test) would report them."""
    env = dict(env)
    if backend == "postgres":
        import subprocess, time, uuid
        shared = os.environ["PACSPACE_TEST_POSTGRES_URL"]
        name = f"pacspace_t{int(time.time())}_{uuid.uuid4().hex[:8]}"  # the Swift tests drop it after an hour
        subprocess.run(["psql", shared, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = shared.rsplit("/", 1)[0] + "/" + name
    return Server(env=env).start()


SCREENSHOTS = os.environ.get("PACSPACE_SCREENSHOTS", os.path.join(ROOT, ".build", "screenshots"))


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through chromedriver (selenium 4.51, scripts/test installs
    both when root). Selenium Manager is bypassed: it would try to download a browser."""
    import shutil
    if not shutil.which("chromedriver") or not shutil.which("chromium"):
        pytest.skip("needs Debian chromium and chromium-driver (scripts/test installs them when root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    os.makedirs(SCREENSHOTS, exist_ok=True)
    yield driver
    driver.quit()
