"""The largest answers a free testnet key can make, measured against the real binary (issue 25):
their bytes, their time and the server process's peak memory. Used by scripts/hostile-test
(which fails past a budget) and scripts/bench (which prints the figures). Standard library only.

Peak memory is the process's VmHWM, reset before each request through /proc/PID/clear_refs
(Linux: writing 5 resets the high-water mark), so each figure is one request's own peak above
the resident size it started from."""
import base64, concurrent.futures, hashlib, json, os, socket, time, urllib.parse, urllib.request

from pacspace_harness import call

MIB = 1024 * 1024
# docs/api.md, "Budgets": any one request's peak stays within this of where it started.
PEAK_BUDGET = 64 * MIB


def memory_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def measure(server, path, headers=None):
    """GET `path`: (status, body bytes, seconds, peak bytes above the resident size before)."""
    pid = server.process.pid
    before = memory_kib(pid, "VmRSS")
    resettable = reset_peak(pid)
    request = urllib.request.Request(server.base + path, headers=headers or {})
    started = time.time()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    seconds = time.time() - started
    peak = memory_kib(pid, "VmHWM") if resettable else memory_kib(pid, "VmRSS")
    return status, body, seconds, max(0, peak - before) * 1024


def largest_entry(index, items=1020):
    """The largest plaintext entry admitted: 1,024 leaves (1,020 list items beside four fields), ~64 KiB."""
    return {"lifecycle": "recorded", "content": {
        "title": f"largest {index}", "occurredAt": "2026-11-30T10:00:00Z", "actorId": "budget",
        "payloads": [{"alg": "sha-256", "digest": "ab" * 32, "byteLength": "1024"}],
        "blob": [("x" * 56) + f"{(index * 7 + i) % 10000:04d}" for i in range(items)]}}


def write_largest_record(server, key, name, count):
    headers = {"X-Api-Key": key}
    path = f"/api/v1/records/machine-action-record/{name}/transitions"
    for index in range(count):
        status, body = call(server.base, "POST", path, largest_entry(index), headers=headers)
        if status != 201:
            raise SystemExit(f"budget probe FAILED: the largest admitted entry answered {status}: {str(body)[:300]}")
    deadline = time.time() + 120
    while True:
        status, body = call(server.base, "GET", f"/api/v1/records/machine-action-record/{name}/receipts/{count - 1}", headers=headers)
        if status == 200 and body["data"]["receipt"]["status"] == "committed":
            return
        if time.time() > deadline:
            raise SystemExit("budget probe FAILED: the largest record was not committed")
        time.sleep(0.1)


def envelope(kid, ciphertext_bytes=16 * 2000 + 16):
    """An envelope of the SDK's shape with a ciphertext of `ciphertext_bytes` (whole blocks and the tag)."""
    ct = base64.urlsafe_b64encode(b"\0" * ciphertext_bytes).rstrip(b"=").decode()
    return {"v": 1, "alg": "A256GCM", "kid": kid, "iv": "AAAAAAAAAAAAAAAA", "ct": ct}


def delta_latency(server, key, customer):
    started = time.time()
    status = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": customer, "delta": 1, "reason": "bystander"},
                  headers={"X-Api-Key": key})[0]
    if status != 201:
        raise SystemExit(f"budget probe FAILED: a bystander's delta answered {status}")
    return time.time() - started


def probe(server, attacker, bystander, entries=100, strict=True):
    """Reproduces each finding of issue 25 and returns rows (name, status, bytes, seconds, peak);
    with `strict`, fails past a budget."""
    key, jwt = attacker["key"], attacker["jwt"]
    headers = {"X-Api-Key": key}
    rows = []

    def check(condition, message):
        if strict and not condition:
            raise SystemExit("budget probe FAILED: " + message)

    def row(name, path, extra=None, max_bytes=None):
        status, body, seconds, peak = measure(server, path, extra)
        rows.append((name, status, len(body), seconds, peak))
        check(status == 200, f"{name} answered {status}: {body[:200]!r}")
        check(peak <= PEAK_BUDGET, f"{name} took {peak / MIB:.1f} MiB above its start (budget {PEAK_BUDGET // MIB} MiB)")
        if max_bytes is not None:
            check(len(body) <= max_bytes, f"{name} answered {len(body)} bytes (budget {max_bytes})")
        return body

    row("/healthz (the baseline)", "/healthz")

    # CRITICAL: a record's history as an amplifier. 30,000 leaves in 60 KB (each revealed with
    # its pointer and salt: a 3 MB receipt) are refused; the largest admitted entries make
    # pages cut by bytes.
    amplifier = largest_entry(0, 0)
    amplifier["content"]["blob"] = [0] * 30000
    status, body = call(server.base, "POST", "/api/v1/records/machine-action-record/amplifier/transitions", amplifier, headers=headers)
    check(status == 400 and "more than 1024" in json.dumps(body), f"an entry of 30,000 leaves answered {status}: {str(body)[:200]}")
    write_largest_record(server, key, "largest", entries)
    base = "/api/v1/records/machine-action-record/largest"
    history = row(f"history page ({entries} largest entries)", base + "/history?limit=1000", headers, 7 * MIB)
    check(len(json.loads(history)["receipts"]) < entries, "a history page of the largest entries did not end by bytes")
    row("bundle page", base + "/bundle?limit=1000", headers, 7 * MIB)
    row("dashboard record", "/dashboard/records/machine-action-record/largest", {"Authorization": "Bearer " + jwt}, 4 * MIB)

    # HIGH: a Shared Record link's seal history, anonymous.
    status, body = call(server.base, "POST", base + "/share", {"accessCode": False}, headers=headers)
    check(status == 201, f"a link answered {status}")
    seals = row(f"seal history ({entries} entries, anonymous)", f"/api/v1/c/{body['data']['handle']}/history")
    check(len(json.loads(seals)["entries"]) == entries, "the seal history is not whole")

    # HIGH: re-keys with any kid grew one entry's envelopes without end, rewritten in the writer's transaction.
    sealed_path = "/api/v1/records/machine-action-record/sealed"
    first = {"lifecycle": "recorded", "referenceId": "r", "recordHash": "0x" + "b" * 64, "recordHashVersion": 3,
             "contentTag": "A" * 43, "envelope": envelope("a" * 64)}
    status, body = call(server.base, "POST", sealed_path + "/transitions", first, headers=headers)
    check(status == 201, f"an encrypted entry answered {status}: {body}")
    status, _ = call(server.base, "PUT", sealed_path + "/entries/0/envelope", {"envelope": envelope("9" * 64)}, headers=headers)
    check(status == 409, f"a re-key to an unregistered kid answered {status}")
    kids = [format(version, "x") * 64 for version in range(1, 7)]
    for version, kid in enumerate(kids, start=1):
        status, body = call(server.base, "PUT", f"/api/v1/records/encryption/versions/{version}", {"kid": kid}, headers=headers)
        check(status == 200, f"registering version {version} answered {status}: {body}")
    quiet = sorted(delta_latency(server, bystander["key"], "quiet") for _ in range(20))
    busy = []
    for index in range(300):
        status, _ = call(server.base, "PUT", sealed_path + "/entries/0/envelope", {"envelope": envelope(kids[index % len(kids)])},
                         headers=headers)
        check(status == 200, f"re-key {index} answered {status}")
        if index % 15 == 0:
            busy.append(delta_latency(server, bystander["key"], "busy"))
    busy.sort()
    receipt = row("encrypted receipt after 300 re-keys", sealed_path + "/receipts/0", headers, 512 * 1024)
    count = len(json.loads(receipt)["data"]["receipt"]["envelopes"])
    check(count <= 4, f"an entry kept {count} envelopes")
    rows.append((f"bystander delta, p50/max ms: quiet {quiet[10] * 1000:.0f}/{quiet[-1] * 1000:.0f}, "
                 f"during re-keys {busy[len(busy) // 2] * 1000:.0f}/{busy[-1] * 1000:.0f}", 200, 0, busy[-1], 0))
    check(busy[-1] < 0.5, f"a bystander's delta took {busy[-1] * 1000:.0f} ms during re-keys")

    # HIGH: an anonymous period page of a scope the receipt API bounds.
    fat = {"customerId": "fat", "delta": 1, "reason": "fat", "metadata": {"blob": "m" * 16000}}
    for _ in range(8):
        status, _ = call(server.base, "POST", "/api/v1/balance/delta/batch", {"deltas": [fat] * 50}, headers=headers)
        check(status in (200, 201), f"a batch of large metadata answered {status}")
    deadline = time.time() + 120
    while call(server.base, "GET", "/api/v1/balance/derive/fat", headers=headers)[1]["data"].get("deltaCount") != 400:
        check(time.time() < deadline, "400 deltas were not verified")
        time.sleep(0.1)
    status, body = call(server.base, "POST", "/api/v1/balance/checkpoint", {"customerId": "fat"}, headers=headers)
    check(status in (200, 201), f"sealing the period answered {status}: {body}")
    time.sleep(0.5)
    status, body = call(server.base, "GET", "/api/v1/balance/receipt/fat?timePreset=current_month", headers=headers)
    check(status == 200, f"the receipt answered {status}")
    page = urllib.parse.urlsplit(body["data"]["verifyUrl"])
    html = row("period page (400 deltas, 6.4 MB of metadata, anonymous)", page.path + ("?" + page.query if page.query else ""),
               max_bytes=4 * MIB)
    check(b"a page lists at most" in html and b"records carry up to" in html, "the period page listed records past its bound")

    # MEDIUM: one client holding every connection slot. 3 × the per-address cap from one address,
    # then a request from another address is answered at once.
    cap = int(server.env.get("PACSPACE_MAX_CONNECTIONS_PER_ADDRESS", "0") or 0)
    if cap:
        held = []
        for _ in range(cap * 3):
            connection = socket.create_connection(("127.0.0.1", server.port))
            held.append(connection)
        time.sleep(0.3)
        other = socket.socket()
        other.bind(("127.0.0.2", 0))
        other.connect(("127.0.0.1", server.port))
        started = time.time()
        other.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        other.settimeout(10)
        head = other.recv(64)
        elapsed = time.time() - started
        other.close()
        closed = 0
        for connection in held:
            connection.setblocking(False)
            try:
                closed += connection.recv(1) == b""
            except BlockingIOError:
                pass
            connection.close()
        rows.append((f"{cap * 3} connections from one address: {closed} closed; another address answered in {elapsed * 1000:.0f} ms",
                     200, 0, elapsed, 0))
        check(head.startswith(b"HTTP/1.1 200") and elapsed < 1, f"another address waited {elapsed:.1f} s: {head!r}")
        check(closed >= cap * 2 - 1, f"only {closed} of {cap * 3} connections from one address were closed")
        time.sleep(0.3)

    # MEDIUM: a stranger's wraps in another workspace's holdings, capped until accepted and removable.
    def identity(byte):
        public = base64.urlsafe_b64encode(bytes([byte]) * 1216).rstrip(b"=").decode()
        return {"xwingPublic": public, "seedWrap": {"version": 1, "wrap": {"v": 1, "alg": "A256GCM", "kid": "k", "iv": "A" * 16, "ct": "AAAA"}}}

    def key_id(byte):
        return hashlib.sha256(b"pacspace:public-key-id:v1\x00" + bytes([byte]) * 1216).hexdigest()

    victim = {"X-Api-Key": bystander["key"]}
    call(server.base, "PUT", "/api/v1/records/encryption/identity", identity(7), headers=victim)
    call(server.base, "PUT", "/api/v1/records/encryption/identity", identity(8), headers=headers)
    big_wrap = {"v": 1, "alg": "A256GCM", "kid": "k", "iv": "A" * 16, "ct": "A" * 8000}
    stored, refused, holder_ids = 0, 0, []
    for index in range(64):
        named = {"workspaceId": bystander["tenant"][4:], "scope": "record", "pinnedId": key_id(7),
                 "record": {"recordType": "machine-action-record", "entityId": f"held-{index}"}}
        status, body = call(server.base, "POST", "/api/v1/records/encryption/holders", named, headers=headers)
        if status not in (200, 201):
            break
        holder_ids.append(body["data"]["holderId"])
        for slot in range(8):
            status, _ = call(server.base, "PUT", f"/api/v1/records/encryption/holders/{body['data']['holderId']}/wraps",
                             {"rkid": format(index * 8 + slot, "064x"), "pinnedId": key_id(7), "wrap": big_wrap}, headers=headers)
            stored += status == 200
            refused += status == 409
    held = row("the victim's holdings after a stranger's 512 wraps", "/api/v1/records/encryption/holdings", victim, 512 * 1024)
    rows.append((f"a stranger's wraps: {stored} stored, {refused} refused until the victim confirms one", 200, 0, 0, 0))
    check(stored <= 16, f"a stranger left {stored} wraps with a workspace that accepted none")
    for holder_id in holder_ids:
        call(server.base, "DELETE", f"/api/v1/records/encryption/holdings/{holder_id}", headers=victim)
    status, body = call(server.base, "GET", "/api/v1/records/encryption/holdings", headers=victim)
    check(body["data"]["holdings"] == [], "the victim could not remove what a stranger stored")
    del held

    # MEDIUM: codes sent at once are counted before their check; a reader elsewhere is let in.
    status, body = call(server.base, "POST", base + "/share", {}, headers=headers)
    handle, code = body["data"]["handle"], body["data"]["accessCode"]

    def verify(value, source):
        connection = socket.socket()
        connection.bind((source, 0))
        connection.connect(("127.0.0.1", server.port))
        payload = json.dumps({"factor": "ACCESS_HINT", "value": value}).encode()
        connection.sendall(f"POST /api/v1/c/{handle}/access/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
        connection.settimeout(30)
        head = connection.recv(64)
        connection.close()
        return int(head.split()[1])

    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda _: verify("ZZZZZZ", "127.0.0.3"), range(30)))
    checked = sum(status in (403, 503) for status in statuses)
    reader = verify(code, "127.0.0.4")
    rows.append((f"30 wrong link codes at once: {checked} checked, {statuses.count(429)} refused; a reader elsewhere: {reader}",
                 200, 0, 0, 0))
    check(checked == 10 and reader == 200, f"link codes: {checked} checked, the reader got {reader}")

    # LOW: 64 grants in force per record, held under concurrency.
    grant_path = base + "/grants"
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        grants = list(pool.map(lambda _: call(server.base, "POST", grant_path, {"kind": "LINK"}, headers=headers)[0], range(80)))
    rows.append((f"80 grants at once on one record: {grants.count(201)} stored, {grants.count(409)} refused", 200, 0, 0, 0))
    check(grants.count(201) == 64, f"{grants.count(201)} grants in force on one record")

    # LOW and design notes: quotas, offsets, /readyz.
    # The keys the edge values made count too: the quota is on unrevoked keys.
    created = call(server.base, "GET", "/dashboard/api-keys?limit=1", token=jwt)[1]["data"]["total"]
    while created < 101:
        status, body = call(server.base, "POST", "/dashboard/api-keys", {"environment": "test"}, jwt)
        if status != 201:
            break
        created += 1
    check(created == 100 and status == 409, f"the API key quota let {created} keys in ({status})")
    status, _ = call(server.base, "GET", "/dashboard/records?offset=2147483647", token=jwt)
    check(status == 400, f"an offset of 2^31 answered {status}")
    status, body = call(server.base, "GET", "/readyz")
    check(status == 200 and "haltedEnvironments" not in json.dumps(body), f"/readyz told the public {body}")
    return rows


def print_rows(rows, out=print):
    out(f"{'answer':<62} {'status':>6} {'bytes':>11} {'ms':>8} {'peak MiB':>9}")
    for name, status, size, seconds, peak in rows:
        out(f"{name:<62} {status:>6} {size:>11,} {seconds * 1000:>8.0f} {peak / MIB:>9.1f}")
