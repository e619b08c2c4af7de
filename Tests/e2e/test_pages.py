"""The verification page in a real browser (docs/verification.md, "The verification page"):
the page's own script recomputes the content hash, the leaf, the inclusion path and the
checkpoint signature with WebCrypto, and says "failed" when any displayed field, the
receipt or the key is not what the log committed to. Screenshots of each page at 375 and
1440 px go to PACSPACE_SCREENSHOTS (default .build/screenshots)."""
import json
import os
import time

from selenium.webdriver.common.by import By

from conftest import SCREENSHOTS, call


def emit(server, account, customer, amount, reason, **extra):
    status, body = call(server.base, "POST", "/api/v1/balance/delta",
                        dict({"customerId": customer, "delta": amount, "reason": reason}, **extra),
                        headers={"X-Api-Key": account["key"]})
    assert status == 201, body
    return body["data"]


def wait_verified(server, account, record_id):
    for _ in range(1000):
        status, body = call(server.base, "GET", f"/api/v1/balance/delta/{record_id}", headers={"X-Api-Key": account["key"]})
        if body["data"]["status"] == "VERIFIED":
            return body["data"]
        time.sleep(0.01)
    raise AssertionError(f"{record_id} not VERIFIED")


def browser_verdict(browser, timeout=10):
    """The in-browser verdict once the script has given one, and how long the check took (ms)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        element = browser.find_element(By.ID, "browser-verdict")
        verdict = element.get_attribute("data-browser-verdict")
        if verdict:
            return verdict, int(element.get_attribute("data-millis") or -1)
        time.sleep(0.02)
    raise AssertionError("no browser verdict; steps: " + " | ".join(step_texts(browser)))


def step_texts(browser):
    return [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#browser-steps li")]


def check_again(browser):
    browser.find_element(By.ID, "check-again").click()
    return browser_verdict(browser)


def screenshot(browser, url, name):
    browser.get_log("browser")  # what earlier pages logged is theirs
    for width in (375, 1440):
        browser.set_window_size(width, 900)
        browser.get(url)
        if browser.find_elements(By.ID, "browser-verdict"):
            browser_verdict(browser)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(height + 120, 6000))
        browser.save_screenshot(os.path.join(SCREENSHOTS, f"{name}-{width}.png"))
        # Nothing the page needs is refused by its Content-Security-Policy, and nothing overflows sideways.
        problems = [entry["message"] for entry in browser.get_log("browser")
                    if entry["level"] == "SEVERE" and not entry["message"].startswith(url + " ")]  # a 404 page's own status
        assert not problems, problems
        # Every field a person fills is labelled; one h1; the language is stated.
        unlabelled = browser.execute_script(
            "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)")
        assert not unlabelled, f"{name}: unlabelled fields {unlabelled}"
        assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1, f"{name}: not exactly one h1"
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        widest = browser.execute_script(
            "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(-3).join(', ')")
        assert overflow <= 0, f"{name} at {width}px is {overflow}px wider than the window: {widest}"


def set_text(browser, selector, text):
    browser.execute_script("document.querySelector(arguments[0]).textContent = arguments[1]", selector, text)


def test_a_delta_verifies_in_the_browser_and_tampering_fails(server, account, browser):
    delta = emit(server, account, "page-cust", 12.5, "GPU hours <b>bold</b>", referenceId="inv-1",
                 metadata={"region": "eu", "units": 3, "big": 1e30, "text": "é\u2028\"q\""})
    wait_verified(server, account, delta["recordId"])
    page = f"{server.base}/verify/{delta['recordId']}"
    screenshot(browser, page, "verify-delta")
    browser.set_window_size(1440, 900)
    browser.get(page)
    assert browser.find_element(By.ID, "server-verdict").get_attribute("data-verdict") == "verified"
    verdict, millis = browser_verdict(browser)
    assert verdict == "verified", step_texts(browser)
    assert any("content hash recomputed" in step for step in step_texts(browser))
    print(f"\nin-browser delta check: {millis} ms")

    # The displayed amount changed: the content hash no longer matches.
    set_text(browser, '[data-field="delta"]', "13.5")
    assert check_again(browser)[0] == "failed"
    assert any("content hash" in step for step in step_texts(browser))
    browser.get(page)
    assert browser_verdict(browser)[0] == "verified"

    # One proof hash of the receipt changed: the path leads to another root.
    receipt = browser.find_element(By.ID, "receipt-text")
    text = receipt.get_attribute("value").split("\n")
    index = next(i for i, line in enumerate(text) if line.startswith("index ")) + 1
    if index < len(text) and text[index]:
        text[index] = ("B" if text[index][0] == "A" else "A") + text[index][1:]
    else:  # a tree of one leaf has no proof hashes: claim another index instead
        text[index - 1] = "index 1"
    receipt.clear()
    receipt.send_keys("\n".join(text))
    assert check_again(browser)[0] == "failed"

    # Another log's key: the signature does not check.
    browser.get(page)
    key = browser.find_element(By.ID, "verifier-key")
    key.clear()
    key.send_keys("example.com/other+00000000+AaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA")
    assert check_again(browser)[0] == "failed"


def test_a_sealed_period_verifies_record_by_record(server, account, browser):
    deltas = [emit(server, account, "period-cust", amount, reason) for amount, reason in ((10, "seats"), (-2.5, "credit note"), (0.000001, "rounding"))]
    for delta in deltas:
        wait_verified(server, account, delta["recordId"])
    month = time.strftime("%Y-%m", time.gmtime())
    headers = {"X-Api-Key": account["key"]}
    for _ in range(1000):
        status, sealed = call(server.base, "POST", "/api/v1/balance/checkpoint", {"customerId": "period-cust", "period": month}, headers=headers)
        if sealed["data"]["status"] == "VERIFIED":
            break
        time.sleep(0.01)
    status, receipt = call(server.base, "GET", f"/api/v1/balance/receipt/period-cust?period={month}", headers=headers)
    link = receipt["data"]["verifyUrl"]
    page = server.base + link[link.index("/verify/"):]
    screenshot(browser, page, "verify-period")
    screenshot(browser, page.split("?")[0], "verify-period-public")
    browser.set_window_size(1440, 900)
    browser.get(page)
    verdict, millis = browser_verdict(browser)
    assert verdict == "verified", step_texts(browser)
    assert any("3 records rehashed" in step for step in step_texts(browser)), step_texts(browser)
    assert any("period root rebuilt" in step for step in step_texts(browser))
    print(f"\nin-browser period check (3 records): {millis} ms")

    # A record's reason edited on the page: that record no longer hashes to its content hash.
    set_text(browser, '#records tr[data-record]:nth-child(2) [data-field="reason"]', "credit note (waived)")
    assert check_again(browser)[0] == "failed"
    # The stated net change edited: the balances and the sum no longer add up.
    browser.get(page)
    set_text(browser, '[data-field="netChange"]', "8")
    assert check_again(browser)[0] == "failed"


def test_unknown_ids_are_pages_that_say_so(server, browser):
    screenshot(browser, f"{server.base}/verify/rcpt_unknown", "verify-unknown")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"


def test_a_record_entry_verifies_in_the_browser_and_tampering_fails(server, account, browser):
    from pacspace_sdk import PacSpace, fingerprint
    pac = PacSpace(account["key"], base_url=server.base, max_retries=0)
    written = pac.records.emit(record="page-record", title="Signed contract <b>#9</b>", occurred_at="2026-11-30T10:00:00Z",
                               actor_id="agent-7", payloads=[fingerprint(b"contract", blind=False).ref], note="é \u2028 \"q\"",
                               kind="signed-contract")
    deadline = time.time() + 10
    while (receipt := pac.records.receipt("page-record", written["entry"])["receipt"])["status"] != "committed":
        assert time.time() < deadline, "entry not committed"
        time.sleep(0.05)
    # The receipt's link, with its k, on this test server's address.
    page = server.base + receipt["verifyUrl"][receipt["verifyUrl"].index("/verify/"):]
    screenshot(browser, page, "verify-record-entry")
    browser.set_window_size(1440, 900)
    browser.get(page)
    assert browser.find_element(By.ID, "server-verdict").get_attribute("data-verdict") == "verified"
    verdict, millis = browser_verdict(browser)
    assert verdict == "verified", step_texts(browser)
    assert any("record hash recomputed from 6 displayed fields" in step for step in step_texts(browser)), step_texts(browser)
    assert "Signed contract <b>#9</b>" in browser.find_element(By.ID, "fields").text
    print(f"\nin-browser record entry check: {millis} ms")
    # A displayed field changed: the record hash no longer matches.
    set_text(browser, '#fields tr[data-leaf]:last-child [data-field="value"]', '"Signed contract #10"')
    assert check_again(browser)[0] == "failed"
    assert any("record hash" in step for step in step_texts(browser))
    # Without the link's k the page shows the proof, not the entry; the browser still checks the leaf.
    browser.get(page.split("?")[0])
    assert browser_verdict(browser)[0] == "verified", step_texts(browser)
    assert not browser.find_elements(By.ID, "fields") and "Signed contract" not in browser.page_source
