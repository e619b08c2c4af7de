"""The witness phase of scripts/bench (issue 27), on a server of its own: single emits
without a witness policy, then the same server with two local witnesses (`pacspace witness
serve`, a policy of both), side by side — witnesses must not slow ingest; then a steady rate
of emits and, for each delta, the time from its acceptance to its `witnessedAt` (the server's
own clock for both), against twice the publication interval."""
import os, statistics, subprocess, tempfile, time, urllib.request

from pacspace_harness import Server, call, free_port

INTERVAL_MS = 2000  # PACSPACE_PUBLISH_INTERVAL's default


def millis(text):
    """An ISO 8601 UTC time with milliseconds, as the API writes it, in ms since the epoch."""
    import datetime
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000


def witness(binary, directory, name, log_vkey):
    made = subprocess.run([binary, "witness", "init", "--dir", directory, "--name", name], capture_output=True, text=True, check=True)
    subprocess.run([binary, "witness", "add-log", "--dir", directory, log_vkey], capture_output=True, check=True)
    port = free_port()
    process = subprocess.Popen([binary, "witness", "serve", "--dir", directory, "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process, made.stdout.strip(), f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("bench: a witness did not start")


def run(binary, wrk, duration, rate, percentile, say):
    env = {"PACSPACE_MAX_BACKLOG": "100000000", "PACSPACE_RATE_LIMIT_KEY": "1000000/s,1000000"}
    server = Server(binary, env=env).start()
    account = server.account()
    headers = {"X-Api-Key": account["key"]}
    keys = {"PACSPACE_KEY": account["key"]}
    rows = []
    witnesses = []
    try:
        info = {}
        for _ in range(200):
            call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "w", "delta": 1, "reason": "w"}, None, headers)
            info = call(server.base, "GET", "/api/v1/server-log")[1].get("data") or {}
            if info.get("treeSize"):
                break
            time.sleep(0.05)
        server.stop()
        folder = tempfile.mkdtemp(prefix="pacspace-bench-witness-")
        for name in ("bench.test/w1", "bench.test/w2"):
            witnesses.append(witness(binary, os.path.join(folder, name.split("/")[1]), name, info["publicKey"]))
        policy = os.path.join(folder, "policy")
        with open(policy, "w") as file:
            file.write(f"log {info['publicKey']}\n" + "".join(f"witness W{i} {w[1]} {w[2]}\n" for i, w in enumerate(witnesses))
                       + "group both all W0 W1\nquorum both\n")
        # Alternated, a restart each (this machine's figures move by a third from one minute to
        # the next): without, with, without, with.
        rates = {False: [], True: []}
        for witnessed in (False, True, False, True):
            if witnessed:
                server.env["PACSPACE_WITNESS_POLICY"] = policy
            else:
                server.env.pop("PACSPACE_WITNESS_POLICY", None)
            server.start()
            emitted, errors, p99 = wrk(server, "/api/v1/balance/delta", duration, 32, "emit.lua", keys)
            rates[witnessed].append(emitted)
            label = "two witnesses" if witnessed else "no witnesses"
            rows.append((f"single emits, {label}", f"{emitted:,.0f} deltas/s", "", f"p99 {p99:.1f} ms", f"non-2xx {errors}"))
            if not witnessed:
                server.stop()
        ratio = statistics.mean(rates[True]) / statistics.mean(rates[False])
        rows.append(("single emits, with ÷ without witnesses", f"{ratio:.2f}×", "", "", "target within noise of 1.00× (means of two runs each)"))
        say(f"bench: {rate}/s for {duration} s, then waiting for every delta to be witnessed")
        accepted = []
        start = time.perf_counter()
        for i in range(rate * duration):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status, body = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": f"w-{i % 50}", "delta": 1, "reason": "w"},
                                None, headers)
            if status == 201:
                accepted.append(body["data"]["recordId"])
        latencies = []
        for record in accepted:
            deadline = time.time() + 60
            while time.time() < deadline:
                data = call(server.base, "GET", f"/api/v1/balance/delta/{record}", headers=headers)[1]["data"]
                if data["witnessedAt"]:
                    latencies.append(millis(data["witnessedAt"]) - millis(data["createdAt"]))
                    break
                time.sleep(0.2)
        missing = len(accepted) - len(latencies)
        rows.append((f"accepted → witnessed at {rate}/s", f"p50 {statistics.median(latencies):,.0f} ms", "",
                     f"p99 {percentile(latencies, 99):,.0f} ms",
                     f"target p99 ≤ {2 * INTERVAL_MS:,} ms (2 × interval) · n={len(latencies)} · never witnessed {missing}"))
    finally:
        server.stop()
        for process, _, _ in witnesses:
            process.kill()
            process.wait()
    return rows
