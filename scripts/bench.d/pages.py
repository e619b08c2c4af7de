"""The pages phase of scripts/bench: server time of dashboard pages next to GET /healthz,
and the verification page's in-browser check at a large tree size.

  pages     GET /app (home) and /app/customers/<c> (a customer with N deltas), one
            connection (so latency is the server's time, not a queue), p50/p99 next to /healthz
  browser   /verify/<recordId> in headless Chromium at tree size T: the page's own
            check (data-millis: content hash, leaf, inclusion path, signature)
"""
import os, re, shutil, subprocess, sys, time

from pacspace_harness import PASSWORD, call


def latency(server, path, seconds, headers=()):
    """(p50 ms, p99 ms, requests/s) with wrk on one connection."""
    command = ["wrk", "-t1", "-c1", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(command + [server.base + path], capture_output=True, text=True).stdout
    def ms(label):
        match = re.search(label + r"\s+([\d.]+)(us|ms|s)", output)
        return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} answers were not 2xx")
    return ms("50%"), ms("99%"), float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def grow(server, key, customer, count, progress):
    """`count` deltas of `customer` in batches of 1000, then waits until all are VERIFIED."""
    headers = {"X-Api-Key": key}
    sent = 0
    while sent < count:
        size = min(1000, count - sent)
        items = [{"customerId": customer, "delta": 1, "reason": "bench"} for _ in range(size)]
        status, body = call(server.base, "POST", "/api/v1/balance/delta/batch", {"deltas": items}, headers=headers)
        if status == 503:
            time.sleep(0.2)
            continue
        assert status == 201, body
        sent += size
        if sent % 100_000 == 0:
            progress(f"  … {sent:,} of {count:,} deltas sent")
    record = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "probe", "delta": 1, "reason": "last"}, headers=headers)[1]
    while call(server.base, "GET", f"/api/v1/balance/delta/{record['data']['recordId']}", headers=headers)[1]["data"]["status"] != "VERIFIED":
        time.sleep(0.2)
    return record["data"]["recordId"]


def session_cookie(server, email):
    """A dashboard session, logged in through the login page's API (its cookie is the refresh token)."""
    status, body = call(server.base, "POST", "/dashboard/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return "Cookie: pacspace_session=" + body["data"]["refreshToken"]


def browser_check(url, rounds=5):
    """The page's own in-browser check time (ms) in headless Chromium, median of `rounds` loads."""
    if not shutil.which("chromedriver"):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    times = []
    try:
        for _ in range(rounds):
            driver.get(url)
            for _ in range(500):
                element = driver.find_element(By.ID, "browser-verdict")
                if element.get_attribute("data-browser-verdict"):
                    break
                time.sleep(0.01)
            assert element.get_attribute("data-browser-verdict") == "verified", element.text
            times.append(float(element.get_attribute("data-millis")))
    finally:
        driver.quit()
    return sorted(times)[len(times) // 2]


def run(server, account, customer_deltas, tree_size, seconds, progress):
    """The phase's rows."""
    key = account["key"]
    progress(f"pages: growing customer 'big' to {customer_deltas:,} deltas …")
    grow(server, key, "big", customer_deltas, progress)
    tree = call(server.base, "GET", "/dashboard/contracts", token=account["jwt"])[1]["data"][0]["treeSize"]
    if tree < tree_size:
        progress(f"pages: growing the log from {tree:,} to {tree_size:,} entries …")
        grow(server, key, "filler", tree_size - tree, progress)
    record = grow(server, key, "verify-me", 1, progress)
    tree = call(server.base, "GET", "/dashboard/contracts", token=account["jwt"])[1]["data"][0]["treeSize"]
    email = call(server.base, "GET", "/dashboard/auth/me", token=account["jwt"])[1]["data"]["user"]["email"]
    cookie = session_cookie(server, email)
    rows = []
    base50, base99, _ = latency(server, "/healthz", seconds)
    rows.append(("GET /healthz, 1 conn (baseline)", f"p50 {base50:.2f} ms", "1.00×", f"p99 {base99:.2f} ms", ""))
    for label, path in (("GET /app (home)", "/app"), (f"GET customer page, {customer_deltas:,} deltas", "/app/customers/big")):
        p50, p99, _ = latency(server, path, seconds, [cookie])
        rows.append((label, f"p50 {p50:.2f} ms", f"{p50 / base50:.1f}×", f"p99 {p99:.2f} ms", "target ≤ 20 ms"))
    p50, p99, _ = latency(server, f"/verify/{record}", seconds)
    rows.append(("GET /verify/<recordId>", f"p50 {p50:.2f} ms", f"{p50 / base50:.1f}×", f"p99 {p99:.2f} ms", f"tree size {tree:,}"))
    millis = browser_check(f"{server.base}/verify/{record}")
    rows.append(("in-browser check of a delta", "—" if millis is None else f"{millis:.0f} ms", "", "",
                 f"target ≤ 100 ms · tree size {tree:,} (Chromium, WebCrypto)"))
    return rows
