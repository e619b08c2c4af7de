"""The official SDK's records.* methods (pacspace-sdk 0.7.0, unmodified) against our server,
on SQLite and, when PACSPACE_TEST_POSTGRES_URL is set, PostgreSQL (issue 15, docs/records.md).
Plaintext records: emit, amendments and references, receipts, history and bundles across
pages, and records.check on a genuine history and on one whose stored entry was edited."""
import hashlib, json, os, sqlite3, subprocess, time, uuid

import pytest
from pacspace_sdk import NotFoundError, PacSpace, PacSpaceError, ValidationError, fingerprint

from conftest import BACKENDS, call, server_on

@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    server = server_on(request.param, {"SEQUENCER_INTERVAL": "50"})
    yield request.param, server, server.account()
    server.stop()


def sdk(server, account):
    return PacSpace(account["key"], base_url=server.base, max_retries=0)


def committed(pac, record, entry, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        receipt = pac.records.receipt(record, entry)["receipt"]
        if receipt["status"] == "committed":
            return receipt
        time.sleep(0.05)
    raise AssertionError(f"{record} entry {entry} not committed in {timeout} s")


def edit_stored_content(backend, server, old, new):
    """Changes a stored entry behind the server's back, as a tampering operator would."""
    if backend == "sqlite":
        db = sqlite3.connect(os.path.join(server.data_dir, "pacspace.sqlite"))
        with db:
            db.execute("UPDATE record_entries SET content = replace(content, ?, ?)", (old, new))
        db.close()
    else:
        sql = f"UPDATE record_entries SET content = replace(content, '{old}', '{new}')"
        subprocess.run(["psql", server.env["DATABASE_URL"], "-q", "-c", sql], check=True)


def test_emit_receipt_history_bundle_and_check(backend):
    name, server, account = backend
    pac = sdk(server, account)
    record = f"deploy-{uuid.uuid4().hex[:8]}"
    report = fingerprint(b"the model card, version 7", blind=False)
    weights = fingerprint(b"weights" * 1000)  # blinded: hmac-sha-256, the blinding stays here
    first = pac.records.emit(
        record=record, title="Model v7 deployed", occurred_at="2026-11-30T10:00:00Z", actor_id="agent-7",
        payloads=[report.ref, weights.ref], kind="agent-configuration", instructed_by="ops-lead",
        description="Rolled out to eu-west.", idempotency_key="deploy-7",
    )
    assert first["seq"] == 0 and first["entry"] == 1 and first["status"] in ("queued", "committed")
    again = pac.records.emit(
        record=record, title="Model v7 deployed", occurred_at="2026-11-30T10:00:00Z", actor_id="agent-7",
        payloads=[report.ref, weights.ref], kind="agent-configuration", instructed_by="ops-lead",
        description="Rolled out to eu-west.", idempotency_key="deploy-7",
    )
    assert again["receiptId"] == first["receiptId"]
    with pytest.raises(PacSpaceError) as conflict:
        pac.records.emit(record=record, title="Other", occurred_at="2026-11-30T10:00:00Z", actor_id="agent-7",
                         payloads=[report.ref], idempotency_key="deploy-7")
    assert conflict.value.code == "IDEMPOTENCY_CONFLICT"

    # An amendment of entry 1, and a second record referring to this one's entry 1.
    amended = pac.records.emit(
        record=record, lifecycle="amended", title="Model v7 deployed (corrected region)",
        occurred_at="2026-11-30T10:05:00Z", actor_id="agent-7", payloads=[report.ref],
        amends={"recordKey": first["recordKey"], "entry": 1}, note="The region was eu-central.",
    )
    assert amended["seq"] == 1 and amended["lifecycle"] == "amended"
    other = f"audit-{uuid.uuid4().hex[:8]}"
    pac.records.emit(record=other, title="Reviewed deployment", occurred_at="2026-11-30T11:00:00Z",
                     actor_id="reviewer-2", payloads=[report.ref],
                     references=[{"recordKey": first["recordKey"], "entry": 2}])
    for index in range(3, 8):
        pac.records.emit(record=record, title=f"Health check {index}", occurred_at="2026-11-30T12:00:00Z",
                         actor_id="monitor", payloads=[report.ref])

    receipt = committed(pac, record, 7)
    assert receipt["schema"] == "semantic-receipt/v3" and receipt["seq"] == 6
    assert receipt["logCheckpoint"]["receipt"].startswith("c2sp.org/tlog-proof@v1\n")
    # pacspace verify-receipt checks an entry offline with the environment's verifier key; an edited one fails.
    status, contracts = call(server.base, "GET", "/dashboard/contracts", token=account["jwt"])
    key = next(item["publicKey"] for item in contracts["data"] if item["environment"] == "testnet")
    for text, verdict in ((json.dumps(receipt), 0), (json.dumps(receipt).replace("Health check 7", "Health check 8"), 1)):
        path = os.path.join(server.data_dir, "entry.json")
        with open(path, "w") as file:
            file.write(text)
        checked = subprocess.run([server.binary, "verify-receipt", "--record-entry", path, "--key", key], capture_output=True, text=True)
        assert checked.returncode == verdict, checked.stdout + checked.stderr
    first_receipt = pac.records.receipt(record, 1)["receipt"]
    pointers = {leaf["pointer"]: leaf["value"] for leaf in first_receipt["revealed"]}
    assert pointers["/payloads/1"] == weights.ref and pointers["/instructedBy"] == "ops-lead"
    with pytest.raises(ValidationError):
        pac.records.receipt(record, 0)  # entries count from 1

    # The history, whole and by pages; the bundle of a range.
    history = pac.records.history(record)
    assert history["schema"] == "record-history-bundle/v1"
    assert [row["seq"] for row in history["entries"]] == list(range(7))
    assert "nextFromSeq" not in history
    part = pac.records.bundle(record, from_entry=2, to_entry=3)
    assert [r["seq"] for r in part["receipts"]] == [1, 2] and part["bundleDigest"].startswith("0x")
    # The digest is SHA-256 of the RFC 8785 text of the rest: here (ASCII names, whole numbers)
    # Python's sorted compact JSON, an implementation independent of the server's.
    rest = {name: value for name, value in part.items() if name != "bundleDigest"}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert part["bundleDigest"] == "0x" + hashlib.sha256(text).hexdigest()

    # records.check: fingerprints held match, blinded ones with their blinding; a file not in the record does not.
    good = pac.records.check(history, expect=[{"entry": 1, "payloads": [report.ref], "files": [
        {"source": b"the model card, version 7"}, {"source": b"weights" * 1000, "blinding": weights.blinding}]}])
    assert good["ok"] is True, good
    assert [row["kind"] for row in good["entries"]][:2] == ["transition", "transition"]
    stranger = pac.records.check(history, expect=[{"entry": 1, "files": [{"source": b"another file"}]}])
    assert stranger["ok"] is False and stranger["failedCheck"] == "semantic"

    # An operator edits the stored entry: the history served now fails the holder's check.
    edit_stored_content(name, server, report.ref["digest"], "0" * 64)
    edited = pac.records.history(record)
    tampered = pac.records.check(edited, expect=[{"entry": 1, "payloads": [report.ref]}])
    assert tampered["ok"] is False and tampered["failedCheck"] == "semantic", tampered
    # ...and `pacspace audit` names it.
    audit = subprocess.run([server.binary, "audit", "--data-dir", server.data_dir], capture_output=True, text=True, env=server.env)
    assert audit.returncode != 0 and "does not give its record hash" in audit.stdout + audit.stderr


def test_history_pages_with_next_from_seq(backend):
    _, server, account = backend
    pac = sdk(server, account)
    record = f"batch-{uuid.uuid4().hex[:8]}"
    ref = fingerprint(b"x", blind=False).ref
    for index in range(1005):
        pac.records.emit(record=record, title=f"item {index}", occurred_at="2026-11-30T12:00:00Z", actor_id="a", payloads=[ref])
    committed(pac, record, 1005, timeout=30)
    page = pac.records.history(record)
    assert len(page["entries"]) == 1000 and page["nextFromSeq"] == 1000
    rest = pac.records.history(record, from_entry=page["nextFromSeq"] + 1)
    assert [row["seq"] for row in rest["entries"]] == [1000, 1001, 1002, 1003, 1004] and "nextFromSeq" not in rest


def test_refusals_read_as_the_sdk_expects(backend):
    _, server, account = backend
    pac = sdk(server, account)
    ref = fingerprint(b"x", blind=False).ref
    with pytest.raises(PacSpaceError) as too_long:
        pac.records.emit(record="r", title="t" * 121, occurred_at="2026-11-30T12:00:00Z", actor_id="a", payloads=[ref])
    assert too_long.value.code == "RECORD_TITLE_TOO_LONG"
    with pytest.raises(PacSpaceError) as no_payloads:
        pac.records.emit(record="r", title="t", occurred_at="2026-11-30T12:00:00Z", actor_id="a", payloads=[])
    assert no_payloads.value.code == "RECORD_PAYLOADS_REQUIRED"
    with pytest.raises(PacSpaceError) as unknown:
        pac.records.emit(record="r", record_type="no-such-type", title="t", occurred_at="2026-11-30T12:00:00Z", actor_id="a", payloads=[ref])
    assert unknown.value.code == "RECORD_TYPE_UNKNOWN"
    with pytest.raises(NotFoundError) as missing:
        pac.records.history("never-written")
    assert missing.value.api_body["code"] == "RECORD_NOT_FOUND"


def test_grants_across_two_tenants(backend):
    _, server, account = backend
    owner = sdk(server, account)
    other = server.account()
    reader = sdk(server, other)
    record = f"shared-{uuid.uuid4().hex[:8]}"
    ref = fingerprint(b"shared file", blind=False).ref
    owner.records.emit(record=record, title="Shared with the auditor", occurred_at="2026-11-30T12:00:00Z", actor_id="a", payloads=[ref])
    committed(owner, record, 1)
    made = owner.records.grants.create(kind="TENANT_BOUND", record=record, counterparty_workspace_id=other["tenant"],
                                       max_uses=5, label="auditor")
    assert made["status"] == "ACTIVE" and "token" not in made
    # The reader, with its own key: the history and a receipt of the owner's record, under the grant.
    history = reader.records.history(record, grant=made["grantId"])
    assert history["entryCount"] == 1 and history["receipts"][0]["revealed"]
    assert reader.records.receipt(record, 1, grant=made["grantId"])["receipt"]["seq"] == 0
    assert reader.records.check(history)["ok"] is True
    listed = owner.records.grants.list(record=record)["grants"]
    assert listed[0]["grantId"] == made["grantId"] and listed[0]["uses"] == 2
    # A LINK grant: a token for whoever holds it.
    link = owner.records.grants.create(kind="LINK", record=record, recipient_email="cfo@example.com", ttl_hours=24, max_uses=1)
    assert link["token"].startswith("pgr_")
    assert reader.records.bundle(record, grant=link["token"])["bundleDigest"].startswith("0x")
    with pytest.raises(PacSpaceError) as exhausted:
        reader.records.history(record, grant=link["token"])
    assert exhausted.value.code == "GRANT_EXHAUSTED"
    # Revoked: the reader is refused.
    assert owner.records.grants.revoke(grant_id=made["grantId"], record=record)["status"] == "REVOKED"
    with pytest.raises(PacSpaceError) as revoked:
        reader.records.history(record, grant=made["grantId"])
    assert revoked.value.code == "GRANT_REVOKED"
    # Without a grant the reader's own environment has no such record.
    with pytest.raises(NotFoundError):
        reader.records.history(record)
