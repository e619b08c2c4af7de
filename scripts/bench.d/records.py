"""The records phase of scripts/bench (issue 15): record appends of 4 KiB entries (plaintext,
and encrypted envelopes as the SDK seals them) next to
single delta emits in the same run, and one record of 10,000 entries read back as its
history bundle (every page, with every entry's receipt and inclusion proof) and as a Shared
Record link's seal history."""
import concurrent.futures, json, time, urllib.request

from pacspace_harness import call

ENTRY = {"lifecycle": "recorded", "content": {
    "title": "step", "occurredAt": "2026-11-30T10:00:00Z", "actorId": "bench",
    "payloads": [{"alg": "sha-256", "digest": "cd" * 32, "byteLength": "1"}]}}


def run(server, account, wrk, duration, entries, say):
    env = {"PACSPACE_KEY": account["key"], "PACSPACE_ENTRY_BYTES": "4096"}
    rows = []
    emits, _, emit_p99 = wrk(server, "/api/v1/balance/delta", duration, 32, "emit.lua", env)
    rows.append(("single delta emits, 32 conns (baseline)", f"{emits:,.0f} deltas/s", "1.00×", f"p99 {emit_p99:.1f} ms", ""))
    appends, errors, p99 = wrk(server, "/api/v1/records/machine-action-record/bench-0/transitions", duration, 32, "records.lua", env)
    rows.append(("record appends, 4 KiB plaintext, 32 conns", f"{appends:,.0f} entries/s", f"{appends / emits:.2f}×",
                 f"p99 {p99:.1f} ms", f"non-2xx {errors}"))
    sealed, errors, p99 = wrk(server, "/api/v1/records/machine-action-record/sealed-0/transitions", duration, 32, "records-sealed.lua", env)
    rows.append(("record appends, 4 KiB encrypted envelope, 32 conns", f"{sealed:,.0f} entries/s", f"{sealed / emits:.2f}×",
                 f"p99 {p99:.1f} ms", f"non-2xx {errors}"))

    say(f"bench: writing one record of {entries:,} entries")
    headers = {"X-Api-Key": account["key"]}
    path = "/api/v1/records/machine-action-record/bench-big/transitions"
    call(server.base, "POST", path, ENTRY, headers=headers)
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda _: call(server.base, "POST", path, ENTRY, headers=headers)[0], range(entries - 1)))
    wrote = time.perf_counter() - started
    assert all(status == 201 for status in statuses), {s for s in statuses}
    rows.append((f"one record's appends, 16 conns", f"{(entries - 1) / wrote:,.0f} entries/s", f"{(entries - 1) / wrote / emits:.2f}×",
                 "", "every append takes the record's row"))
    last = entries - 1
    while True:
        status, body = call(server.base, "GET", f"/api/v1/records/machine-action-record/bench-big/receipts/{last}", headers=headers)
        if status == 200 and body["data"]["receipt"]["status"] == "committed":
            break
        time.sleep(0.05)
    started, size, pages, seen = time.perf_counter(), 0, 0, 0
    next_from = 0
    while next_from is not None:
        request = urllib.request.Request(
            f"{server.base}/api/v1/records/machine-action-record/bench-big/bundle?fromSeq={next_from}", headers=headers)
        with urllib.request.urlopen(request, timeout=120) as response:
            data = response.read()
            header = response.headers.get("x-next-from-seq")
        size += len(data)
        pages += 1
        seen += len(json.loads(data)["receipts"])
        next_from = int(header) if header else None
    read = time.perf_counter() - started
    assert seen == entries, seen
    rows.append((f"history bundle, {entries:,} entries", f"{read * 1000:,.0f} ms", "", f"{size / 1e6:.1f} MB in {pages} pages",
                 f"{size / entries:,.0f} bytes/entry, receipts with inclusion proofs"))

    # The same record through a Shared Record link: its seal history, one document with every
    # entry's word and inclusion proof (what records.open reads; no code, so no bcrypt in it).
    status, made = call(server.base, "POST", "/api/v1/records/machine-action-record/bench-big/share", {"accessCode": False},
                        headers=headers)
    assert status == 201, made
    started = time.perf_counter()
    with urllib.request.urlopen(f"{server.base}/api/v1/c/{made['data']['handle']}/history", timeout=120) as response:
        data = response.read()
    read = time.perf_counter() - started
    assert len(json.loads(data)["entries"]) == entries
    rows.append((f"link seal history, {entries:,} entries", f"{read * 1000:,.0f} ms", "", f"{len(data) / 1e6:.1f} MB in 1 document",
                 "every entry's word and inclusion proof"))
    return rows
