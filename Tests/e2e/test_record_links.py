"""Shared Record links with the official SDK (pacspace-sdk 0.7.0, unmodified; issue 15,
docs/records.md "Shared Record links"), on SQLite and, when PACSPACE_TEST_POSTGRES_URL is
set, PostgreSQL: the owner makes a link and seals a disclosure of chosen fields under a key
only the link carries; a reader opens it with `records.open(link, access_code)`, which checks
every shown field up to its record hash and the seal the server's history gives for it."""
import json, os, time, urllib.request, uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pacspace_sdk import PacSpace, PacSpaceError, fingerprint
from pacspace_sdk import records_encryption as R
from pacspace_sdk.encrypted_records import AEAD
from pacspace_sdk.record_disclosure import (
    canonicalize_jcs,
    commit_record_content_v3,
    compute_leaf_hash_v2,
    compute_record_disclosure_digest,
)
from pacspace_sdk.workspace_secret import generate_workspace_secret

from conftest import BACKENDS, call, server_on


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    server = server_on(request.param, {"SEQUENCER_INTERVAL": "50"})
    yield request.param, server
    server.stop()


def committed(pac, record, entries, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(pac.records.receipt(record, entry)["receipt"]["status"] == "committed" for entry in entries):
            return
        time.sleep(0.05)
    raise AssertionError(f"{record} not committed in {timeout} s")


def seal_history(server, handle, code):
    """The link's seal history as its owner reads it, with the access code."""
    verify = urllib.request.Request(f"{server.base}/api/v1/c/{handle}/access/verify", method="POST",
                                    data=json.dumps({"factor": "ACCESS_HINT", "value": code}).encode(),
                                    headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(verify) as answer:
        cookie = answer.headers["Set-Cookie"].split(";")[0]
    assert "HttpOnly" in answer.headers["Set-Cookie"] and "SameSite=Strict" in answer.headers["Set-Cookie"]
    with urllib.request.urlopen(urllib.request.Request(f"{server.base}/api/v1/c/{handle}/history", headers={"Cookie": cookie})) as read:
        return json.loads(read.read())


def sealed_disclosure(history, receipts, shown, handle, key):
    """record-disclosure/v1 of the entries in `shown` (seq → pointers revealed), sealed under
    `key` for `handle` as the SDK opens it: 0x01, IV, AES-256-GCM of the JCS padded with
    spaces to 4,096-byte blocks, bound to the handle. `receipts` maps seq to a plaintext
    receipt (its `revealed` leaves)."""
    by_seq = {e["seq"]: e for e in history["entries"]}
    entries = []
    for seq, pointers in sorted(shown.items()):
        every = receipts[seq]["revealed"]
        entries.append({"seq": seq, "recordOpening": by_seq[seq]["recordOpening"],
                        "leaves": sorted(compute_leaf_hash_v2(leaf) for leaf in every),
                        "revealed": [leaf for leaf in every if leaf["pointer"] in pointers]})
    return seal({"schema": "record-disclosure/v1", "recordKey": history["recordKey"], "chain": history["chain"],
                 "layout": history["layout"], "recordHashVersion": 2, "entries": entries}, handle, key)


def sealed_disclosure_v3(history, opened, shown, handle, key):
    """record-disclosure/v2 (record hash v3) of an encrypted record's entries: `opened` maps
    seq to the content and salt key the owner opened from its envelope."""
    by_seq = {e["seq"]: e for e in history["entries"]}
    entries = []
    for seq, pointers in sorted(shown.items()):
        commit = commit_record_content_v3(opened[seq]["content"], opened[seq]["saltKey"])
        revealed = sorted((leaf for leaf in commit["revealed"] if leaf["pointer"] in pointers), key=lambda leaf: leaf["pointer"])
        entries.append({"seq": seq, "recordOpening": by_seq[seq]["recordOpening"], "items": commit["items"], "revealed": revealed})
    return seal({"schema": "record-disclosure/v2", "recordKey": history["recordKey"], "chain": history["chain"],
                 "layout": history["layout"], "recordHashVersion": 3, "entries": entries}, handle, key)


def seal(disclosure, handle, key):
    disclosure["digest"] = compute_record_disclosure_digest(disclosure)
    plain = canonicalize_jcs(disclosure).encode()
    plain += b" " * (-len(plain) % 4096)
    iv = os.urandom(12)
    sealed = AESGCM(key).encrypt(iv, plain, b"pacspace:record-disclosure:v1\x00" + handle.encode())
    return R.b64url_encode(b"\x01" + iv + sealed), disclosure


def test_a_link_opens_its_disclosure_with_the_code_and_nothing_without(backend):
    _, server = backend
    owner, reader_account = server.account(), server.account()
    pac = PacSpace(owner["key"], base_url=server.base, max_retries=0)
    record = f"incident-{uuid.uuid4().hex[:8]}"
    for index, title in enumerate(["Outage declared", "Root cause found"]):
        pac.records.emit(record=record, title=title, occurred_at=f"2026-12-0{index + 1}T09:00:00Z", actor_id="sre-bot",
                         payloads=[fingerprint(f"report {index}".encode(), blind=False).ref], note=f"private note {index}")
    committed(pac, record, [1, 2])
    path = f"/api/v1/records/machine-action-record/{record}/share"
    status, made = call(server.base, "POST", path, {"label": "for the customer"}, headers={"X-Api-Key": owner["key"]})
    assert status == 201 and made["data"]["accessMode"] == "TWO_TIER", made
    handle, code = made["data"]["handle"], made["data"]["accessCode"]
    assert len(code) == 6 and made["data"]["link"].endswith("/c/" + handle)

    # Without the code the link serves nothing; a wrong code is refused.
    status, answer = call(server.base, "GET", f"/api/v1/c/{handle}/history")
    assert (status, answer["error"]["code"]) == (403, "RECORD_LINK_ACCESS_REQUIRED")
    status, answer = call(server.base, "POST", f"/api/v1/c/{handle}/access/verify", {"factor": "ACCESS_HINT", "value": "222222"})
    assert (status, answer["error"]["code"]) == (403, "RECORD_LINK_ACCESS_DENIED")

    # The owner seals a disclosure: entry 1's title only, entry 2 whole; the key stays in the link.
    history = seal_history(server, handle, code)
    assert history["schema"] == "record-seal-history/v1" and [e["seq"] for e in history["entries"]] == [0, 1]
    assert history["entries"][1]["previousWord"] == history["entries"][0]["newWord"]
    receipts = {seq: pac.records.receipt(record, seq + 1)["receipt"] for seq in (0, 1)}
    key = os.urandom(32)
    envelope, disclosure = sealed_disclosure(history, receipts, {0: {"/title"}, 1: {r["pointer"] for r in receipts[1]["revealed"]}},
                                             handle, key)
    status, stored = call(server.base, "PUT", f"{path}/{handle}/disclosure", {"envelope": envelope}, headers={"X-Api-Key": owner["key"]})
    assert status == 200 and stored["data"]["disclosureStored"] is True, stored

    # A reader with the link and its code: every shown field checked up to its seal.
    reader = PacSpace(reader_account["key"], base_url=server.base, max_retries=0)
    link = f"{made['data']['link']}#dk={R.b64url_encode(key)}"
    opened = reader.records.open(link, access_code=code)
    assert opened["disclosure"]["digest"] == disclosure["digest"]
    assert [(e["entry"], e["withheld"]) for e in opened["entries"]] == [(1, len(receipts[0]["revealed"]) - 1), (2, 0)]
    assert opened["entries"][0]["fields"] == [{"pointer": "/title", "value": "Outage declared"}]
    assert opened["entries"][1]["content"]["note"] == "private note 1"
    with pytest.raises(PacSpaceError) as refused:
        reader.records.open(link)
    assert refused.value.code == "RECORD_LINK_ACCESS_REQUIRED"
    # A link's key opens its own disclosure only: the same key on another link fails.
    status, other = call(server.base, "POST", path, {"accessCode": False}, headers={"X-Api-Key": owner["key"]})
    assert other["data"]["accessMode"] == "LINK_ONLY" and "accessCode" not in other["data"]
    call(server.base, "PUT", f"{path}/{other['data']['handle']}/disclosure", {"envelope": envelope}, headers={"X-Api-Key": owner["key"]})
    with pytest.raises(PacSpaceError) as mismatch:
        reader.records.open(f"{other['data']['link']}#dk={R.b64url_encode(key)}")
    assert mismatch.value.code == "DISCLOSURE_ENVELOPE_AUTH_FAILED"

    # Revoked, the link is gone for everyone.
    status, _ = call(server.base, "POST", f"{path}/{handle}/revoke", {}, headers={"X-Api-Key": owner["key"]})
    assert status == 200
    with pytest.raises(PacSpaceError) as gone:
        reader.records.open(link, access_code=code)
    assert gone.value.status_code == 404


def test_a_link_key_wrapped_to_a_reader_workspace_opens_without_the_key(backend):
    _, server = backend
    owner, reader_account = server.account(), server.account()
    pac = PacSpace(owner["key"], base_url=server.base, max_retries=0, records={"secret": generate_workspace_secret()})
    reader = PacSpace(reader_account["key"], base_url=server.base, max_retries=0, records={"secret": generate_workspace_secret()})
    pac.records.identity.register()
    reader_code = reader.records.identity.register()["code"]
    record = f"audit-{uuid.uuid4().hex[:8]}"
    pac.records.emit(record=record, title="Quarter closed", occurred_at="2026-12-01T09:00:00Z", actor_id="finance",
                     payloads=[fingerprint(b"ledger", blind=False).ref], encrypt=False)
    plain = PacSpace(owner["key"], base_url=server.base, max_retries=0)
    committed(plain, record, [1])
    path = f"/api/v1/records/machine-action-record/{record}/share"
    status, made = call(server.base, "POST", path, {}, headers={"X-Api-Key": owner["key"]})
    handle, code = made["data"]["handle"], made["data"]["accessCode"]
    history = seal_history(server, handle, code)
    receipt = plain.records.receipt(record, 1)["receipt"]
    key = os.urandom(32)
    envelope, disclosure = sealed_disclosure(history, {0: receipt}, {0: {"/title"}}, handle, key)
    call(server.base, "PUT", f"{path}/{handle}/disclosure", {"envelope": envelope}, headers={"X-Api-Key": owner["key"]})

    # The owner wraps the link's key to the reader's workspace (its code confirmed out of band)...
    workspace = reader_account["tenant"].removeprefix("tnt_")
    wrapped = pac.records.share_key_wrap(handle=handle, disclosure_key=key, workspace_id=workspace, confirmed_code=reader_code,
                                         access_code=code, wire_record_id=record)
    assert wrapped["state"] == "stored" and wrapped["fragment"].startswith("dd=")
    # ...which opens the link with the digest alone after #, its own seed opening the key.
    opened = reader.records.open(f"{made['data']['link']}#{wrapped['fragment']}", access_code=code)
    assert opened["disclosure"]["digest"] == disclosure["digest"]
    assert opened["entries"][0]["fields"] == [{"pointer": "/title", "value": "Quarter closed"}]
    # Another workspace has no wrap: with no key after #, the SDK says so.
    stranger = PacSpace(server.account()["key"], base_url=server.base, max_retries=0, records={"secret": generate_workspace_secret()})
    stranger.records.identity.register()
    with pytest.raises(PacSpaceError) as keyless:
        stranger.records.open(f"{made['data']['link']}#{wrapped['fragment']}", access_code=code)
    assert keyless.value.code == "RECORDS_LINK_NO_KEY"


def test_an_encrypted_record_is_disclosed_under_record_hash_version_3(backend):
    """An encrypted record is under record hash v3: its seal history says so, and a
    record-disclosure/v2 built from entries the owner opened is checked by `records.open` up
    to each version 3 record hash and its wrapped seal; a v1 disclosure of it is refused."""
    _, server = backend
    owner, reader_account = server.account(), server.account()
    pac = PacSpace(owner["key"], base_url=server.base, max_retries=0, records={"secret": generate_workspace_secret()})
    record = f"payout-{uuid.uuid4().hex[:8]}"
    first = pac.records.emit(record=record, title="Payout approved", occurred_at="2026-12-01T09:00:00Z", actor_id="finance-bot",
                             payloads=[fingerprint(b"statement 0", blind=False).ref], note="bank ref 0")
    pac.records.emit(record=record, title="Payout sent", occurred_at="2026-12-02T09:00:00Z", actor_id="finance-bot",
                     payloads=[fingerprint(b"statement 1", blind=False).ref], note="bank ref 1", lifecycle="amended",
                     amends={"recordKey": first["recordKey"], "entry": 1})
    committed(pac, record, [1, 2])
    # The owner opens its entries (content and salt key) from the raw history with the record's key.
    wire = pac.records.history(record)["entityId"]
    status, raw = call(server.base, "GET", f"/api/v1/records/machine-action-record/{wire}/history", headers={"X-Api-Key": owner["key"]})
    record_key = R.record_key_from_bytes(R.b64url_decode(pac.records.record_key(record)))
    opened = {e["seq"]: e for e in R.open_record_history_v3(AEAD, raw, record_key)["opened"]}
    path = f"/api/v1/records/machine-action-record/{wire}/share"
    status, made = call(server.base, "POST", path, {}, headers={"X-Api-Key": owner["key"]})
    assert status == 201, made
    handle, code = made["data"]["handle"], made["data"]["accessCode"]
    seals = seal_history(server, handle, code)
    assert seals["recordHashVersion"] == 3 and [e["recordHash"] for e in seals["entries"]] == [opened[0]["recordHash"], opened[1]["recordHash"]]

    key = os.urandom(32)
    envelope, disclosure = sealed_disclosure_v3(seals, opened, {0: {"/title"}, 1: {"/title", "/note"}}, handle, key)
    status, _ = call(server.base, "PUT", f"{path}/{handle}/disclosure", {"envelope": envelope}, headers={"X-Api-Key": owner["key"]})
    assert status == 200
    reader = PacSpace(reader_account["key"], base_url=server.base, max_retries=0)
    link = f"{made['data']['link']}#dk={R.b64url_encode(key)}"
    shown = reader.records.open(link, access_code=code)
    assert shown["disclosure"]["schema"] == "record-disclosure/v2"
    assert [[f["pointer"] for f in e["fields"]] for e in shown["entries"]] == [["/title"], ["/note", "/title"]]
    assert shown["entries"][1]["fields"][0]["value"] == "bank ref 1"

    # The same entries disclosed as version 2 leaves do not match a version 3 history.
    as_v2 = {seq: {"revealed": [{"pointer": leaf["pointer"], "value": leaf["value"], "salt": leaf["salt"]}
                                for leaf in commit_record_content_v3(e["content"], e["saltKey"])["revealed"]]}
             for seq, e in opened.items()}
    envelope, _ = sealed_disclosure(seals, as_v2, {0: {"/title"}}, handle, key)
    call(server.base, "PUT", f"{path}/{handle}/disclosure", {"envelope": envelope}, headers={"X-Api-Key": owner["key"]})
    with pytest.raises(PacSpaceError) as mismatch:
        reader.records.open(link, access_code=code)
    assert mismatch.value.code == "RECORD_HASH_VERSION_MISMATCH"

