"""The official Python SDK (pacspace-sdk 0.7.0), unmodified, against our server."""
from pacspace_sdk import PacSpace, PacSpaceError, InvalidApiKeyError, NotFoundError
import pytest

from conftest import call


def client(server, account, **options):
    return PacSpace(account["key"], base_url=server.base, max_retries=0, **options)


def test_emit_wait_status_derive_verify(server, account):
    pac = client(server, account)
    emitted = pac.balance.emit("cust-1", 12.5, "GPU hours", {"referenceId": "inv-1", "metadata": {"region": "eu"}})
    assert emitted["status"] == "QUEUED"
    assert emitted["sequenceNumber"] == 1
    assert emitted["contentHash"].startswith("0x")

    verified = pac.balance.wait_for_verified(emitted["recordId"], {"timeout": 10_000, "pollInterval": 50})
    assert verified["status"] == "VERIFIED"
    assert verified["proof"]["receipt"].startswith("c2sp.org/tlog-proof@v1\n")
    assert verified["logIndex"] == verified["proof"]["logIndex"]

    status = pac.balance.delta_status(emitted["recordId"])
    assert status["status"] == "VERIFIED"
    assert status["recordId"] == emitted["recordId"]

    pac.balance.emit("cust-1", -2.25, "refund")
    last = pac.balance.emit("cust-1", 0.000001, "rounding")
    pac.balance.wait_for_verified(last["recordId"], {"timeout": 10_000, "pollInterval": 50})
    derived = pac.balance.derive("cust-1")
    assert derived["computedBalance"] == pytest.approx(10.250001)
    assert str(derived["computedBalance"]) == "10.250001"
    assert derived["deltasCount"] == 3

    for source in (None, "chain", "both"):
        answer = pac.verify(emitted["receiptId"], source)
        assert answer["verified"] is True
        assert answer["receiptId"] == emitted["receiptId"]
        assert "cust-1" not in str(answer) and "GPU hours" not in str(answer)


def test_reference_id_replay_is_idempotent(server, account):
    pac = client(server, account)
    first = pac.balance.emit("cust-2", 5, "seats", {"referenceId": "seat-1"})
    again = pac.balance.emit("cust-2", 5, "seats", {"referenceId": "seat-1"})
    assert again["recordId"] == first["recordId"]
    assert again["idempotent"] is True


def test_idempotency_key_replays(server, account):
    pac = client(server, account)
    first = pac.balance.emit("cust-3", 1, "api calls", {"idempotencyKey": "e2e-key-1"})
    second = pac.balance.emit("cust-3", 1, "api calls", {"idempotencyKey": "e2e-key-1"})
    assert second["recordId"] == first["recordId"]


def test_summary_batches_through_the_sdk_batch_path(server, account):
    pac = client(server, account, submission={"autoStart": False})
    for hour in range(3):
        pac.balance.queue_summary({"customerId": "cust-4", "delta": 1.5 + hour, "windowStart": f"2026-11-01T0{hour}:00:00Z",
                                   "windowEnd": f"2026-11-01T0{hour + 1}:00:00Z"})
    result = pac.balance.flush_summaries()
    assert result["submitted"] == 3
    assert result["failed"] == 0
    # Submitting the same summaries again replays them by referenceId.
    for hour in range(3):
        pac.balance.queue_summary({"customerId": "cust-4", "delta": 1.5 + hour, "windowStart": f"2026-11-01T0{hour}:00:00Z",
                                   "windowEnd": f"2026-11-01T0{hour + 1}:00:00Z"})
    replay = pac.balance.flush_summaries()
    assert replay["submitted"] == 3
    assert replay["replayed"] == 3


def test_errors_map_to_sdk_exceptions(server, account):
    pac = client(server, account)
    # The SDK maps a coded 400 to PacSpaceError carrying the code (ValidationError is for code-less 400s).
    for customer, amount in (("cust-5", 0), ("bad customer id", 1)):
        with pytest.raises(PacSpaceError) as raised:
            pac.balance.emit(customer, amount, "refused")
        assert raised.value.status_code == 400
        assert raised.value.code == "VALIDATION_ERROR"
    with pytest.raises(NotFoundError):
        pac.balance.delta_status("rec_doesnotexist")
    with pytest.raises(NotFoundError):
        pac.balance.derive("nobody-here")
    with pytest.raises(InvalidApiKeyError):
        PacSpace(account["key"][:-4] + "zzzz", base_url=server.base, max_retries=0).balance.delta_status("rec_x")


def test_verify_receipt_offline_with_the_cli(server, account, tmp_path):
    """A real receipt from the server checks out offline; a tampered one does not."""
    import json, os, subprocess
    from conftest import ROOT
    pac = client(server, account)
    emitted = pac.balance.emit("cust-6", 7.25, "offline check", {"metadata": {"plan": "pro"}})
    verified = pac.balance.wait_for_verified(emitted["recordId"], {"timeout": 10_000, "pollInterval": 50})
    (tmp_path / "delta.json").write_text(json.dumps(verified))
    (tmp_path / "receipt.tlog-proof").write_text(verified["proof"]["receipt"])
    binary = os.environ.get("PACSPACE_BINARY", os.path.join(ROOT, ".build", "debug", "pacspace"))
    run = lambda: subprocess.run([binary, "verify-receipt", "--delta", str(tmp_path / "delta.json"),
                                  "--receipt", str(tmp_path / "receipt.tlog-proof"), "--key", account["contract"]["publicKey"]],
                                 capture_output=True, text=True)
    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert "receipt verified" in ok.stdout
    verified["delta"] = 7.26
    (tmp_path / "delta.json").write_text(json.dumps(verified))
    tampered = run()
    assert tampered.returncode == 1
    assert "contentHash in the delta file does not match" in tampered.stderr


def test_scoped_derive_and_compare_through_the_sdk(server, account):
    from datetime import datetime, timezone
    pac = client(server, account)
    last = None
    for amount, reference in ((3, "s-1"), (4.5, "s-2")):
        last = pac.balance.emit("cust-scope", amount, "scoped", {"referenceId": reference})
    pac.balance.wait_for_verified(last["recordId"], {"timeout": 10_000, "pollInterval": 50})
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert pac.balance.derive_current_month("cust-scope")["computedBalance"] == 7.5
    assert pac.balance.derive_for_period("cust-scope", month)["deltasCount"] == 2
    assert pac.balance.derive_months_back("cust-scope", 2)["computedBalance"] == 7.5
    assert pac.balance.derive("cust-scope", {"period": "2020-01"})["computedBalance"] == 0
    compared = pac.balance.compare("cust-scope", {"yours": 7.5, "theirs": 7.0})
    assert compared["matchesYours"] is True and compared["matchesTheirs"] is False
    assert compared["neutralBalance"] == 7.5
    from pacspace_sdk import InvalidScopeCombinationError
    try:
        pac.balance.derive("cust-scope", {"startDate": "2020-01-01T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"})
        raise AssertionError("an over-wide window must be refused")
    except PacSpaceError as error:
        assert error.code == "SCOPE_TOO_WIDE"
    assert InvalidScopeCombinationError  # the SDK validates combinations itself before sending


def test_period_receipt_verifies_offline(server, account, tmp_path):
    """A sealed period checks out offline from its deltas; dropping one delta breaks it."""
    import json, os, subprocess, time
    from conftest import ROOT
    pac = client(server, account)
    last = None
    for amount in (2, 3.25, -1):
        last = pac.balance.emit("cust-period", amount, "period")
    pac.balance.wait_for_verified(last["recordId"], {"timeout": 10_000, "pollInterval": 50})
    sealed = pac.balance.checkpoint("cust-period")
    for _ in range(500):  # up to 10 s
        if sealed["status"] == "VERIFIED":
            break
        time.sleep(0.02)
        sealed = pac.balance.checkpoint("cust-period")
    assert sealed["status"] == "VERIFIED"
    deltas = pac.balance.derive("cust-period", {"timePreset": "current_month"})["deltas"]
    (tmp_path / "checkpoint.json").write_text(json.dumps(sealed))
    (tmp_path / "deltas.json").write_text(json.dumps(deltas))
    (tmp_path / "receipt").write_text(sealed["logCheckpoint"]["receipt"])
    binary = os.environ.get("PACSPACE_BINARY", os.path.join(ROOT, ".build", "debug", "pacspace"))
    run = lambda: subprocess.run([binary, "verify-receipt", "--checkpoint", str(tmp_path / "checkpoint.json"), "--deltas", str(tmp_path / "deltas.json"),
                                  "--receipt", str(tmp_path / "receipt"), "--key", account["contract"]["publicKey"]], capture_output=True, text=True)
    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert "recomputed from 3 deltas" in ok.stdout
    (tmp_path / "deltas.json").write_text(json.dumps(deltas[1:]))
    broken = run()
    assert broken.returncode == 1
    assert "proofRoot" in broken.stderr


def test_receipts_customers_usage_gaps_through_the_sdk(server, account):
    from datetime import datetime, timezone
    pac = client(server, account)
    last = None
    for amount in (1, 2):
        last = pac.balance.emit("cust-reads", amount, "reads", {"referenceId": f"reads-{amount}"})
    pac.balance.wait_for_verified(last["recordId"], {"timeout": 10_000, "pollInterval": 50})
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert pac.balance.receipt("cust-reads")["deltaCount"] == 2
    proof = pac.balance.invoice_proof("cust-reads", {"period": month})
    assert proof["deltaCount"] == 2 and proof["verificationApiUrl"].endswith(proof["proofRoot"])
    assert proof["accessHint"] is None
    pac.balance.checkpoint("cust-reads", {"period": month})
    assert pac.balance.list_checkpoints({"customerId": "cust-reads"})["total"] == 1
    assert any(c["customerId"] == "cust-reads" for c in pac.balance.customers({"search": "reads"})["customers"])
    assert pac.balance.customer("cust-reads", {"deltaLimit": 1})["recentActivity"]["pagination"]["total"] == 2
    assert pac.balance.usage()["verifiedDeltas"] >= 2
    assert pac.balance.gaps("cust-reads")["gaps"] == []


def test_production_credits_through_the_sdk(server):
    """Production: provision mainnet, grant credits with the CLI, emit until 402."""
    import os, subprocess
    from conftest import ROOT
    from pacspace_sdk import InsufficientCreditsError
    live = server.account("mainnet")
    assert live["key"].startswith("pk_live_")
    pac = PacSpace(live["key"], base_url=server.base, max_retries=0)
    with pytest.raises(InsufficientCreditsError):
        pac.balance.emit("prod-1", 1, "no credits yet")
    binary = os.environ.get("PACSPACE_BINARY", os.path.join(ROOT, ".build", "debug", "pacspace"))
    granted = subprocess.run([binary, "credits", "grant", "--data-dir", server.data_dir, "--tenant", live["tenant"], "--amount", "2"],
                             capture_output=True, text=True, env=dict(os.environ, PACSPACE_LOG_LEVEL="warning"))
    assert granted.returncode == 0, granted.stderr
    assert "granted 2 credits" in granted.stdout
    first = pac.balance.emit("prod-1", 1, "paid 1")
    pac.balance.emit("prod-1", 2, "paid 2")
    with pytest.raises(InsufficientCreditsError):
        pac.balance.emit("prod-1", 3, "over budget")
    assert pac.balance.usage()["allowed"] is False
    assert pac.balance.wait_for_verified(first["recordId"], {"timeout": 10_000, "pollInterval": 50})["status"] == "VERIFIED"
    # A record entry is a log entry too: one credit pays for one, and the next is refused.
    from pacspace_sdk import fingerprint
    granted = subprocess.run([binary, "credits", "grant", "--data-dir", server.data_dir, "--tenant", live["tenant"], "--amount", "1"],
                             capture_output=True, text=True, env=dict(os.environ, PACSPACE_LOG_LEVEL="warning"))
    assert granted.returncode == 0, granted.stderr
    entry = dict(title="Invoice issued", occurred_at="2026-12-01T09:00:00Z", actor_id="billing", payloads=[fingerprint(b"pdf", blind=False).ref])
    assert pac.records.emit(record="inv-1", **entry)["seq"] == 0
    with pytest.raises(InsufficientCreditsError):
        pac.records.emit(record="inv-2", **entry)
    with pytest.raises(PacSpaceError) as missing:
        pac.records.history("inv-2")
    assert missing.value.status_code == 404
