"""The README's walk through the dashboard in a real browser: sign up, open the mailed
link, log in, activate testnet and watch it turn active, create a key and copy it from the
page, emit deltas with it through the API, find the customer and its balance, seal the
period, and verify a delta and the period in the browser. A stranger's session sees none
of it. Screenshots of each page at 375 and 1440 px go to PACSPACE_SCREENSHOTS."""
import glob
import os
import re
import time

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from conftest import call
from pacspace_harness import PASSWORD
from test_pages import browser_verdict, screenshot, step_texts


def fill(browser, fields):
    for name, value in fields.items():
        element = browser.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


def navigate(browser, element):
    """Clicks `element` and waits for the next page to replace this one. Chromium 156 says a
    replaced page's node is stale, or sometimes that it "does not belong to the document":
    either means the page changed."""
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            page.is_enabled()
        except WebDriverException:
            return
        time.sleep(0.02)
    raise AssertionError("the page did not change")


def submit(browser, form="form.stack"):
    navigate(browser, browser.find_element(By.CSS_SELECTOR, form + " button[type=submit]"))


def sign_up_and_log_in(server, browser, company):
    email = f"walk-{time.time_ns()}@example.com"
    browser.get(server.base + "/app/signup")
    fill(browser, {"firstName": "Ada", "lastName": "Lovelace", "companyName": company, "email": email, "password": PASSWORD})
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Check your email"
    # The mailed link, as the mail has it, pointed at this server.
    token = server.mail_token(email)
    mails = [open(path, newline="").read() for path in glob.glob(os.path.join(server.data_dir, "outbox", "*.eml"))]
    mail = next(text for text in mails if f"To: {email}\r\n" in text and token in text)
    link = re.search(r"https?://\S+/app/verify-email\?token=\S+", mail).group(0)
    browser.get(server.base + link[link.index("/app/"):])
    assert browser.find_element(By.TAG_NAME, "h1").text == "Email verified"
    navigate(browser, browser.find_element(By.LINK_TEXT, "Log in"))
    fill(browser, {"email": email, "password": PASSWORD})
    submit(browser)
    assert browser.current_url == server.base + "/app", browser.current_url + browser.find_element(By.TAG_NAME, "main").text
    return email


def activate_testnet(server, browser):
    """Activates testnet on its page and waits until the page shows it active."""
    browser.get(server.base + "/app/environments")
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "[data-environment=testnet] form button"))
    deadline = time.time() + 15
    while True:  # the page reloads itself (meta refresh): read it anew each time
        browser.get(server.base + "/app/environments")
        if browser.find_element(By.CSS_SELECTOR, "[data-environment=testnet]").get_attribute("data-status") == "active":
            return
        assert time.time() < deadline, "testnet did not turn active"
        time.sleep(0.2)


def test_the_readme_walk_through_the_dashboard(server, browser):
    browser.delete_all_cookies()
    browser.set_window_size(1440, 900)
    screenshot(browser, server.base + "/app/login", "app-login")
    screenshot(browser, server.base + "/app/signup", "app-signup")
    screenshot(browser, server.base + "/app/forgot-password", "app-forgot-password")
    screenshot(browser, server.base + "/app/reset-password?token=example", "app-reset-password")
    sign_up_and_log_in(server, browser, "Walkthrough <GPU> Ltd")
    assert "Walkthrough <GPU> Ltd" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot(browser, server.base + "/app", "app-home-new")

    activate_testnet(server, browser)
    screenshot(browser, server.base + "/app/environments", "app-environments")

    # A key, copied from the page.
    browser.get(server.base + "/app/keys")
    fill(browser, {"name": "billing worker"})
    submit(browser, "form.inline-form")
    assert browser.find_elements(By.ID, "full-key"), browser.find_element(By.TAG_NAME, "main").text
    key = browser.find_element(By.ID, "full-key").get_attribute("value")
    assert key.startswith("pk_test_")
    browser.find_element(By.CSS_SELECTOR, "button[data-copy=full-key]").click()
    # The label changes once the clipboard answers (asynchronously).
    for _ in range(100):
        if browser.find_element(By.CSS_SELECTOR, "button[data-copy=full-key]").text == "Copied":
            break
        time.sleep(0.01)
    assert browser.find_element(By.CSS_SELECTOR, "button[data-copy=full-key]").text == "Copied"
    browser.get(server.base + "/app/keys")
    assert key not in browser.page_source, "the full key is shown once"
    screenshot(browser, server.base + "/app/keys", "app-keys")
    screenshot(browser, server.base + "/app/webhooks", "app-webhooks")
    screenshot(browser, server.base + "/app/account", "app-account")

    # Deltas through the API with that key.
    recorded = []
    for amount, reason in ((40, "GPU hours"), (-5.25, "credit note"), (12, "storage")):
        status, body = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "walk-customer", "delta": amount, "reason": reason},
                            headers={"X-Api-Key": key})
        assert status == 201, body
        recorded.append(body["data"])
    for delta in recorded:
        for _ in range(1000):
            if call(server.base, "GET", f"/api/v1/balance/delta/{delta['recordId']}", headers={"X-Api-Key": key})[1]["data"]["status"] == "VERIFIED":
                break
            time.sleep(0.01)

    browser.get(server.base + "/app/customers")
    navigate(browser, browser.find_element(By.LINK_TEXT, "walk-customer"))
    assert browser.find_element(By.ID, "balance").text == "46.75"
    screenshot(browser, server.base + "/app/customers", "app-customers")

    # Seal the month, open its verification page from the table.
    browser.get(server.base + "/app/customers/walk-customer")
    submit(browser, "form[action$=checkpoint]")
    assert "Period sealed" in browser.page_source
    screenshot(browser, server.base + "/app/customers/walk-customer", "app-customer")
    month = time.strftime("%Y-%m", time.gmtime())
    screenshot(browser, server.base + f"/app/customers/walk-customer?derive={month}", "app-customer-derived")
    screenshot(browser, server.base + "/app/checkpoints", "app-checkpoints")

    # A record written with the key, on the records pages, with a grant.
    entry = {"lifecycle": "recorded", "content": {"title": "Deployed model v7", "occurredAt": "2026-11-30T10:00:00Z", "actorId": "agent-7",
                                                   "payloads": [{"alg": "sha-256", "digest": "ab" * 32, "byteLength": "1024"}]}}
    for lifecycle in ("recorded", "amended", "closed"):
        status, body = call(server.base, "POST", "/api/v1/records/machine-action-record/walk-deploy/transitions",
                            dict(entry, lifecycle=lifecycle), headers={"X-Api-Key": key})
        assert status == 201, body
    status, body = call(server.base, "POST", "/api/v1/records/machine-action-record/walk-deploy/grants",
                        {"kind": "LINK", "label": "for the auditor", "maxUses": 10}, headers={"X-Api-Key": key})
    assert status == 201, body
    status, shared = call(server.base, "POST", "/api/v1/records/machine-action-record/walk-deploy/share",
                          {"label": "for the customer"}, headers={"X-Api-Key": key})
    assert status == 201, shared
    browser.get(server.base + "/app/records")
    navigate(browser, browser.find_element(By.LINK_TEXT, "walk-deploy"))
    assert "for the auditor" in browser.page_source
    # The link is listed with its label and how it opens; its code never is.
    assert shared["data"]["handle"] in browser.page_source and "link and access code" in browser.page_source
    assert shared["data"]["accessCode"] not in browser.page_source
    # The link itself, opened in a browser: what it is and how to open it, nothing of the record.
    browser.get(server.base + "/c/" + shared["data"]["handle"] + "#dk=" + "A" * 43)
    assert browser.find_element(By.TAG_NAME, "h1").text == "A shared record"
    assert "access code" in browser.page_source and "Deployed model v7" not in browser.page_source
    screenshot(browser, server.base + "/c/" + shared["data"]["handle"], "shared-record")
    browser.get(server.base + "/c/" + "0" * 32)
    assert "404" in browser.title or "not found" in browser.page_source.lower()
    screenshot(browser, server.base + "/app/records", "app-records")
    screenshot(browser, server.base + "/app/records/machine-action-record/walk-deploy", "app-record")
    # An encrypted record, written by the SDK with a workspace secret: the page can show its
    # entries and proofs, never their content.
    from pacspace_sdk import PacSpace
    from pacspace_sdk.workspace_secret import generate_workspace_secret
    sealed = PacSpace(key, base_url=server.base, max_retries=0, records={"secret": generate_workspace_secret()})
    wire = sealed.records.emit(record="walk-sealed", title="Private payout", occurred_at="2026-11-30T10:00:00Z", actor_id="finance",
                               payloads=[{"alg": "sha-256", "digest": "cd" * 32, "byteLength": "1"}])["wireRecordId"]
    browser.get(server.base + f"/app/records/machine-action-record/{wire}")
    assert "Encrypted by the writer" in browser.page_source and "Private payout" not in browser.page_source
    screenshot(browser, server.base + f"/app/records/machine-action-record/{wire}", "app-record-encrypted")
    browser.get(server.base + "/app/customers/walk-customer")
    page = browser.find_element(By.LINK_TEXT, "Verify page").get_attribute("href")
    for _ in range(100):  # the checkpoint joins the log within a sequencer round
        browser.get(page)
        if browser.find_element(By.ID, "server-verdict").get_attribute("data-verdict") == "verified":
            break
        time.sleep(0.1)
    verdict, millis = browser_verdict(browser)
    assert verdict == "verified", step_texts(browser)
    assert any("3 records rehashed" in step for step in step_texts(browser)), step_texts(browser)

    # A delta's verification page, from its row.
    browser.get(server.base + "/app/customers/walk-customer")
    navigate(browser, browser.find_elements(By.LINK_TEXT, "Verify")[0])
    assert browser_verdict(browser)[0] == "verified", step_texts(browser)
    assert "walk-customer" in browser.page_source

    # Logging out ends the session: the dashboard asks to log in again.
    browser.get(server.base + "/app")
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "form.logout button"))
    browser.get(server.base + "/app/customers/walk-customer")
    assert browser.current_url == server.base + "/app/login"


def test_a_stranger_sees_nothing_of_another_tenant(server, account, browser):
    status, body = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "owner-only", "delta": 7, "reason": "private reason"},
                        headers={"X-Api-Key": account["key"]})
    assert status == 201, body
    browser.delete_all_cookies()
    sign_up_and_log_in(server, browser, "Stranger Inc")
    activate_testnet(server, browser)
    browser.get(server.base + "/app/customers?search=owner")
    assert "owner-only" not in browser.page_source
    browser.get(server.base + "/app/customers/owner-only")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert "private reason" not in browser.page_source
