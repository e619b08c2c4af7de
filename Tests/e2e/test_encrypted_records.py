"""Encrypted records with the official SDK (pacspace-sdk 0.7.0, unmodified; issue 15,
docs/records.md "Encrypted entries"), on SQLite and, when PACSPACE_TEST_POSTGRES_URL is set,
PostgreSQL: the client seals each entry with its workspace secret; the server stores
envelopes, commits each entry to the environment's log, and never sees the content."""
import glob, json, os, subprocess, time, uuid

import pytest
from pacspace_sdk import PacSpace, PacSpaceError, fingerprint
from pacspace_sdk import records_encryption as R
from pacspace_sdk.encrypted_records import AEAD
from pacspace_sdk.workspace_secret import generate_workspace_secret

from conftest import BACKENDS, call, server_on

# Written inside sealed content only; it must appear nowhere on the server's side.
MARKER = "MARKER-" + uuid.uuid4().hex


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    # Trace logging: whatever the server could log about a request, it does here.
    server = server_on(request.param, {"SEQUENCER_INTERVAL": "50", "PACSPACE_LOG_LEVEL": "trace"})
    yield request.param, server, server.account()
    server.stop()


def sdk(server, account, secret):
    return PacSpace(account["key"], base_url=server.base, max_retries=0, records={"secret": secret})


def committed(pac, record, entry, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        answer = pac.records.receipt(record, entry)
        if answer["receipt"]["status"] == "committed":
            return answer
        time.sleep(0.05)
    raise AssertionError(f"{record} entry {entry} not committed in {timeout} s")


def raw_history(server, account, wire):
    status, body = call(server.base, "GET", f"/api/v1/records/machine-action-record/{wire}/history",
                        headers={"X-Api-Key": account["key"]})
    assert status == 200, body
    return body


class Workspaces:
    """Two fresh tenants with registered identities: `pac` owns, `other` reads or holds."""

    def __init__(self, server):
        self.owner, self.account = server.account(), server.account()
        self.secret = generate_workspace_secret()
        self.pac = sdk(server, self.owner, self.secret)
        self.other = sdk(server, self.account, generate_workspace_secret())
        self.pac.records.identity.register()
        self.registered = self.other.records.identity.register()  # its code is read out of band
        self.workspace = self.account["tenant"].removeprefix("tnt_")


def stored_bytes(name, server):
    """Everything the server keeps: its data directory's files, its log, and (PostgreSQL) a dump."""
    chunks = []
    for path in glob.glob(os.path.join(server.data_dir, "**"), recursive=True):
        if os.path.isfile(path):
            with open(path, "rb") as file:
                chunks.append(file.read())
    if name == "postgres":
        chunks.append(subprocess.run(["pg_dump", server.env["DATABASE_URL"]], capture_output=True, check=True).stdout)
    return b"".join(chunks)


def test_encrypted_entries_are_sealed_committed_and_opened_by_the_writer(backend):
    name, server, account = backend
    secret = generate_workspace_secret()
    pac = sdk(server, account, secret)
    record = f"payout-{uuid.uuid4().hex[:8]}"
    report = fingerprint(b"the payout file", blind=False)
    first = pac.records.emit(record=record, title=f"Payout approved {MARKER}", occurred_at="2026-12-01T09:00:00Z",
                             actor_id="finance-bot", payloads=[report.ref], note=f"private note {MARKER}",
                             idempotency_key="payout-1")
    assert first["encrypted"] is True and first["seq"] == 0 and first["recordId"] == record
    wire = first["wireRecordId"]
    assert wire != record and MARKER not in json.dumps(first)
    # The same write again (a retry) is the same entry.
    again = pac.records.emit(record=record, title=f"Payout approved {MARKER}", occurred_at="2026-12-01T09:00:00Z",
                             actor_id="finance-bot", payloads=[report.ref], note=f"private note {MARKER}",
                             idempotency_key="payout-1")
    assert again["seq"] == 0 and again["receiptId"] == first["receiptId"]
    second = pac.records.emit(record=record, title="Payout corrected", occurred_at="2026-12-01T10:00:00Z",
                              actor_id="finance-bot", payloads=[report.ref], lifecycle="amended",
                              amends={"recordKey": first["recordKey"], "entry": 1})
    assert second["seq"] == 1

    # The receipt: v5 (record hash v3, the SDK's after the server retired v2 for new records)
    # with the envelope, opened and checked against its record hash by the SDK.
    answer = committed(pac, record, 2)
    receipt = answer["receipt"]
    assert receipt["schema"] == "semantic-receipt/v5" and receipt["itemKind"] == "slot-v1"
    assert receipt["recordHashVersion"] == 3 and receipt["committed"]["recordHashVersion"] == 3
    assert receipt["amends"] == {"recordKey": first["recordKey"], "seq": 0}
    assert answer["opened"]["content"]["title"] == "Payout corrected"
    assert MARKER not in json.dumps(receipt)
    opened_first = committed(pac, record, 1)["opened"]["content"]
    assert opened_first["title"] == f"Payout approved {MARKER}" and opened_first["note"] == f"private note {MARKER}"

    # pacspace verify-receipt checks the entry's leaf and inclusion offline (its content stays sealed).
    status, contracts = call(server.base, "GET", "/dashboard/contracts", token=account["jwt"])
    key = next(item["publicKey"] for item in contracts["data"] if item["environment"] == "testnet")
    path = os.path.join(server.data_dir, "sealed-entry.json")
    for text, verdict in ((json.dumps(receipt), 0), (json.dumps(receipt).replace(receipt["recordHash"], "0x" + "1" * 64), 1)):
        with open(path, "w") as file:
            file.write(text)
        checked = subprocess.run([server.binary, "verify-receipt", "--record-entry", path, "--key", key], capture_output=True, text=True)
        assert checked.returncode == verdict, checked.stdout + checked.stderr
    os.remove(path)

    # History and bundle: v3, every entry opened.
    history = pac.records.history(record)
    assert history["schema"] == "record-history-bundle/v3" and history["entityId"] == wire
    assert [e["content"]["title"] for e in history["opened"]] == [f"Payout approved {MARKER}", "Payout corrected"]
    bundle = pac.records.bundle(record)
    assert bundle["bundleDigest"].startswith("0x") and len(bundle["opened"]) == 2
    # Every entry's seal reproduces its word over its version 3 record hash (the SDK's check).
    raw = raw_history(server, account, wire)
    key = R.record_key_from_bytes(R.b64url_decode(pac.records.record_key(record)))
    opened = R.open_record_history_v3(AEAD, raw, key, {"recordType": "machine-action-record", "wireRecordId": wire})
    assert opened["ok"] and opened["sealsVerified"] is True, opened
    forged = json.loads(json.dumps(raw))
    forged["receipts"][1]["recordOpening"] = "0x" + "0" * 64
    assert R.open_record_history_v3(AEAD, forged, key)["sealsVerified"] is False

    # A copy for a reader with no workspace, and the record's key for one with the record only.
    copy = pac.records.keep_copy(record)
    assert copy["schema"] == "pacspace-record-copy/v1" and b'"recordKey"' in copy["bytes"]
    record_key = pac.records.record_key(record)
    plain_reader = PacSpace(account["key"], base_url=server.base, max_retries=0)
    read = plain_reader.records.history(None, wire_record_id=wire, record_key=record_key)
    assert [e["content"]["title"] for e in read["opened"]] == [f"Payout approved {MARKER}", "Payout corrected"]

    # A forbidden transition is recorded as an attempt: its envelope comes back under `refused`.
    pac.records.emit(record=record, title="Payout closed", occurred_at="2026-12-01T11:00:00Z",
                     actor_id="finance-bot", payloads=[report.ref], lifecycle="closed")
    attempt = pac.records.emit(record=record, title="Payout reopened", occurred_at="2026-12-01T11:30:00Z",
                               actor_id="finance-bot", payloads=[report.ref], lifecycle="amended")
    assert attempt["attempted"] == "amended" and attempt["lifecycle"] == "closed"
    history = pac.records.history(record)
    assert [item["seq"] for item in history["refused"]] == [3]
    assert [e["content"]["title"] for e in history["opened"]][-1] == "Payout closed"

    # A record stays encrypted: plaintext written to its wire id is refused. (Plaintext under
    # the record's own name is another record: encrypted ones are known by their wire id.)
    with pytest.raises(PacSpaceError) as refused:
        pac.records.emit(record=wire, title="in clear", occurred_at="2026-12-01T12:00:00Z", actor_id="a",
                         payloads=[report.ref], encrypt=False)
    assert refused.value.code == "RECORD_ENCRYPTION_MISMATCH"

    # The server never had the content: not in its files (its trace log among them) or its database.
    time.sleep(1.5)  # past the SQLite checkpointer's next pass
    everything = stored_bytes(name, server)
    assert receipt["envelopes"][0]["ct"][:64].encode() in everything  # the search does read what was stored
    assert MARKER.encode() not in everything


def test_sealed_writes_are_checked_at_their_edges(backend):
    _, server, account = backend
    record = f"raw-{uuid.uuid4().hex[:8]}"
    path = f"/api/v1/records/machine-action-record/{record}/transitions"
    envelope = {"v": 1, "alg": "A256GCM", "kid": "a" * 64, "iv": "AAAAAAAAAAAAAAAA", "ct": "A" * 363}
    body = {"lifecycle": "recorded", "referenceId": "r1", "recordHash": "0x" + "b" * 64, "recordHashVersion": 3,
            "contentTag": "A" * 43, "envelope": envelope}
    headers = {"X-Api-Key": account["key"]}
    # A new encrypted record takes record hash version 3: version 2 is retired for it.
    for retired in ({**body, "recordHashVersion": 2}, {k: v for k, v in body.items() if k != "recordHashVersion"}):
        status, answer = call(server.base, "POST", path, retired, headers=headers)
        assert (status, answer["error"]["code"], answer["error"]["recordHashVersion"]) == (400, "RECORD_FORMAT_RETIRED", 3)
    status, answer = call(server.base, "POST", path, body, headers=headers)
    assert status == 201, answer
    cases = [
        ({**body, "referenceId": "r2", "recordHashVersion": 2}, 400, "RECORD_FORMAT_RETIRED"),
        ({**body, "referenceId": "r2", "recordHashVersion": 4}, 400, "VALIDATION_ERROR"),
        ({**body, "referenceId": "r2", "recordHashVersion": "3"}, 400, "VALIDATION_ERROR"),
        ({**body, "referenceId": "r2", "envelope": {**envelope, "ct": "A" * 362}}, 400, "RECORD_ENVELOPE_MALFORMED"),
        ({**body, "referenceId": "r2", "envelope": {**envelope, "ct": "A" * 70_000}}, 413, "RECORD_ENTRY_TOO_LARGE"),
        ({**body, "referenceId": "r2", "envelope": {**envelope, "kid": "c" * 64}}, 409, "RECORD_ENCRYPTION_VERSION_MISMATCH"),
        ({**body, "contentTag": "E" * 43}, 409, "IDEMPOTENCY_CONFLICT"),
        ({**body, "referenceId": "r2", "recordHash": "0x" + "B" * 64}, 400, "RECORD_CONTENT_INVALID"),
        ({**body, "referenceId": "r2", "content": {}}, 400, "VALIDATION_ERROR"),
        ({**body, "referenceId": "r2", "references": [{"recordKey": "0x12", "seq": 0}]}, 400, "RECORD_CONTENT_INVALID"),
        ({**body, "referenceId": "r2", "references": [{"recordKey": "0x" + "e" * 64, "seq": 0}] * 900}, 413,
         "RECORD_ENTRY_BODY_TOO_LARGE"),
    ]
    for case, expected_status, code in cases:
        status, answer = call(server.base, "POST", path, case, headers=headers)
        assert (status, answer["error"]["code"]) == (expected_status, code), answer
        if code == "RECORD_ENCRYPTION_VERSION_MISMATCH":
            assert answer["error"]["recordKid"] == "a" * 64
        if code == "IDEMPOTENCY_CONFLICT":
            assert answer["error"]["claimKid"] == "a" * 64


def test_identity_rotation_rekey_and_holders_across_two_workspaces(backend):
    _, server, account = backend
    other = server.account()  # another tenant: the holder
    secret = generate_workspace_secret()
    pac = sdk(server, account, secret)
    holder = sdk(server, other, generate_workspace_secret())

    # Identities: registered once (again: the same, not created), each with its code.
    mine = pac.records.identity.register()
    assert mine["created"] is True and len(mine["code"].split()) == 8
    assert pac.records.identity.register()["created"] is False
    theirs = holder.records.identity.register()
    their_workspace = holder.records._encrypted().own_workspace_id()
    assert their_workspace == other["tenant"].removeprefix("tnt_")

    # A holder is added only with the code read out of band; a wrong code stops it before any wrap.
    with pytest.raises(PacSpaceError) as wrong:
        pac.records.holders.add(workspace_id=their_workspace, confirmed_code="00000 " * 7 + "00000")
    assert wrong.value.code == "RECORDS_CODE_MISMATCH"
    added = pac.records.holders.add(workspace_id=their_workspace, confirmed_code=theirs["code"])
    assert added["created"] is True and [w["state"] for w in added["wraps"]] == ["stored"]
    listed = pac.records.holders.list()
    assert [h["holderWorkspaceId"] for h in listed["holders"]] == [their_workspace] and listed["holderSet"].startswith("0x")

    # The holder opens its wrap with its own seed and confirms it.
    confirmed = holder.records.holdings.confirm()
    assert [(c["version"], c["state"]) for c in confirmed] == [(1, "confirmed")]
    assert holder.records.holdings.list()["holdings"][0]["wraps"][0]["state"] == "confirmed"

    # A record under version 1, then the next secret: version 2 is registered and wrapped to the holder.
    record = f"ledger-{uuid.uuid4().hex[:8]}"
    for index in range(3):
        pac.records.emit(record=record, title=f"Close {index}", occurred_at="2026-12-01T09:00:00Z", actor_id="finance",
                         payloads=[fingerprint(b"ledger", blind=False).ref])
    from pacspace_sdk.workspace_secret import next_workspace_secret
    following = next_workspace_secret(secret)
    rotated = pac.records.rotate(following)
    assert rotated["version"] == 2 and rotated["holders"][0]["wrapped"] is True
    versions = pac._client.get("/api/v1/records/encryption/versions")["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert [(c["version"], c["state"]) for c in holder.records.holdings.confirm() if c["version"] == 2] == [(2, "confirmed")]

    # Re-keying seals every entry again under version 2 (latest first); record hashes are unchanged.
    before = pac.records.history(record)
    rekeyed = pac.records.rekey(to_version=2, record=record)
    assert [e["state"] for e in rekeyed["entries"]] == ["swapped"] * 3
    after = pac.records.history(record)
    assert [r["recordHash"] for r in after["receipts"]] == [r["recordHash"] for r in before["receipts"]]
    assert all(len(r["envelopes"]) == 2 for r in after["receipts"])
    assert [e["content"]["title"] for e in after["opened"]] == ["Close 0", "Close 1", "Close 2"]
    # The holder reads the owner's record with its own seed and the wraps it confirmed.
    owner_workspace = pac.records._encrypted().own_workspace_id()
    wire = pac.records.wire_id(record)
    held = holder.records.history(None, wire_record_id=wire, holder_for=owner_workspace)
    assert [e["content"]["title"] for e in held["opened"]] == ["Close 0", "Close 1", "Close 2"]
    # A workspace that holds nothing of the owner's is refused, whatever it names.
    with pytest.raises(PacSpaceError) as stranger:
        sdk(server, server.account(), generate_workspace_secret()).records.history(None, wire_record_id=wire, holder_for=owner_workspace)
    assert stranger.value.status_code == 403
    # The record is under version 2 now: a client holding the rotated secret writes to it.
    stale = sdk(server, account, following)  # a fresh client: it seals under its current version, 2
    assert stale.records.emit(record=record, title="Close 3", occurred_at="2026-12-01T10:00:00Z", actor_id="finance",
                              payloads=[fingerprint(b"ledger", blind=False).ref])["seq"] == 3
    # The first client remembered version 1 for this record: told the record's version
    # (409 RECORD_ENCRYPTION_VERSION_MISMATCH with recordKid), it reseals under 2.
    assert pac.records.emit(record=record, title="Close 4", occurred_at="2026-12-01T11:00:00Z", actor_id="finance",
                            payloads=[fingerprint(b"ledger", blind=False).ref])["seq"] == 4
    # A client on the old secret alone cannot: the SDK names the version it lacks.
    with pytest.raises(PacSpaceError) as lacking:
        sdk(server, account, secret).records.emit(record=record, title="Close 5", occurred_at="2026-12-01T12:00:00Z",
                                                  actor_id="finance", payloads=[fingerprint(b"ledger", blind=False).ref])
    assert lacking.value.code == "RECORDS_VERSION_NOT_HELD"

    # Removed, a holder is no longer listed as active and holds nothing more.
    pac.records.holders.remove(added["holderId"])
    assert pac.records.holders.list()["holders"][0]["removedAt"] is not None
    assert holder.records.holdings.list()["holdings"] == []
    with pytest.raises(PacSpaceError) as removed:
        holder.records.history(None, wire_record_id=wire, holder_for=owner_workspace)
    assert removed.value.status_code == 403


def test_a_grant_carries_the_record_key_to_the_workspace_it_names(backend):
    _, server, _ = backend
    two = Workspaces(server)  # fresh tenants: the module's account has another identity
    pac, reader, other, secret, code, reader_workspace = two.pac, two.other, two.account, two.secret, two.registered["code"], two.workspace
    owner_workspace = pac.records._encrypted().own_workspace_id()

    record = f"invoice-{uuid.uuid4().hex[:8]}"
    for index in range(2):
        pac.records.emit(record=record, title=f"Invoice line {index}", occurred_at="2026-12-01T09:00:00Z", actor_id="billing",
                         payloads=[fingerprint(b"invoice", blind=False).ref])
    wire = pac.records.wire_id(record)

    # The grant names the reader's workspace; the SDK pins its key by the code read out of
    # band and sends the record's key wrapped to it.
    made = pac.records.grants.create(kind="TENANT_BOUND", record=record, counterparty_workspace_id=reader_workspace,
                                     confirmed_code=code, max_uses=4, label="auditor")
    assert made["counterpartyWorkspaceId"] == reader_workspace and made["counterpartyTenantId"] == other["tenant"]
    assert set(made["readerWrap"]) == {"pinnedId", "rkid", "wrap"}
    grant = made["grantId"]

    # The reader opens the history and a receipt with its own seed and the grant's wrap.
    read = reader.records.history(None, wire_record_id=wire, grant=grant, owner=owner_workspace)
    assert [e["content"]["title"] for e in read["opened"]] == ["Invoice line 0", "Invoice line 1"]
    assert reader.records.receipt(None, 2, wire_record_id=wire, grant=grant, owner=owner_workspace)["opened"]["content"][
        "title"] == "Invoice line 1"
    # Only the record reads counted; fetching the key did not.
    assert pac.records.grants.list(record=record)["grants"][0]["uses"] == 2

    # Another workspace presenting the grant's id is told no such grant, key or record.
    stranger = server.account()
    path = f"/api/v1/records/machine-action-record/{wire}/grant-key"
    status, answer = call(server.base, "GET", path, headers={"X-Api-Key": stranger["key"], "X-PacSpace-Grant": grant})
    assert (status, answer["error"]["code"]) == (404, "GRANT_NOT_FOUND")

    # Rotation and re-keying wrap the new record key to the grant; the reader opens the
    # entries under it.
    from pacspace_sdk.workspace_secret import next_workspace_secret
    pac.records.rotate(next_workspace_secret(secret))
    rekeyed = pac.records.rekey(to_version=2, record=record)
    assert rekeyed["grants"] == [{"grantId": grant, "wrapped": True}]
    listed = pac.records.grants.list(record=record)["grants"][0]
    assert listed["readerWrap"]["rkid"] != made["readerWrap"]["rkid"]
    status, answer = call(server.base, "GET", path, headers={"X-Api-Key": other["key"], "X-PacSpace-Grant": grant})
    assert status == 200 and answer["data"]["rkid"] == listed["readerWrap"]["rkid"]
    read = reader.records.history(None, wire_record_id=wire, grant=grant, owner=owner_workspace)
    assert [e["content"]["title"] for e in read["opened"]] == ["Invoice line 0", "Invoice line 1"]

    # Revoked, the grant opens nothing: neither the entries nor the key.
    pac.records.grants.revoke(grant_id=grant, record=record)
    with pytest.raises(PacSpaceError) as revoked:
        reader.records.history(None, wire_record_id=wire, grant=grant, owner=owner_workspace)
    assert revoked.value.code == "GRANT_REVOKED"
    status, answer = call(server.base, "GET", path, headers={"X-Api-Key": other["key"], "X-PacSpace-Grant": grant})
    assert (status, answer["error"]["code"]) == (403, "GRANT_REVOKED")


def test_writes_under_a_new_version_wait_for_a_required_holder(backend):
    _, server, _ = backend
    two = Workspaces(server)
    pac, escrow, owner, secret = two.pac, two.other, two.owner, two.secret
    added = pac.records.holders.add(workspace_id=two.workspace, required=True, confirmed_code=two.registered["code"])
    escrow.records.holdings.confirm()

    from pacspace_sdk.workspace_secret import next_workspace_secret
    following = next_workspace_secret(secret)
    pac.records.rotate(following)
    versions = pac._client.get("/api/v1/records/encryption/versions")["versions"]
    assert [(v["version"], v["writable"], v["awaitingHolders"]) for v in versions] == [(1, True, []), (2, False, [added["holderId"]])]

    # A client on the new secret writes a new record: pointed to version 1, it reseals there.
    fresh = sdk(server, owner, following)
    record = f"escrowed-{uuid.uuid4().hex[:8]}"
    fresh.records.emit(record=record, title="Before the keeper confirmed", occurred_at="2026-12-01T09:00:00Z", actor_id="ops",
                       payloads=[fingerprint(b"escrow", blind=False).ref])
    kids = {v["version"]: v["kid"] for v in versions}
    assert fresh.records.history(record)["receipts"][0]["envelopes"][0]["kid"] == kids[1]
    # Re-keying to version 2 stops until the keeper confirms it; then it goes through.
    with pytest.raises(PacSpaceError) as stopped:
        fresh.records.rekey(to_version=2, record=record)
    assert stopped.value.code == "RECORDS_REKEY_STOPPED"
    assert [(c["version"], c["state"]) for c in escrow.records.holdings.confirm() if c["version"] == 2] == [(2, "confirmed")]
    assert [e["state"] for e in fresh.records.rekey(to_version=2, record=record)["entries"]] == ["swapped"]
    later = f"escrowed-{uuid.uuid4().hex[:8]}"
    fresh.records.emit(record=later, title="After", occurred_at="2026-12-01T10:00:00Z", actor_id="ops",
                       payloads=[fingerprint(b"escrow", blind=False).ref])
    assert fresh.records.history(later)["receipts"][0]["envelopes"][0]["kid"] == kids[2]


def test_a_replaced_identity_still_opens_what_was_wrapped_to_it(backend):
    from pacspace_sdk import records_asymmetric as A, records_encryption as R
    from pacspace_sdk.workspace_secret import next_workspace_secret
    _, server, _ = backend
    two = Workspaces(server)
    pac, holder, keeper, secret, first = two.pac, two.other, two.account, two.secret, two.registered
    pac.records.holders.add(workspace_id=two.workspace, confirmed_code=first["code"])  # wrapped to the first key

    # The keeper replaces its identity: a new seed, sealed under its secret, naming the key it replaces.
    enc = holder.records._encrypted()
    seed = A.generate_workspace_seed()
    ring = enc.keys.ring()
    body = {"xwingPublic": R.b64url_encode(seed.public_key), "seedWrap": {"version": 1, "wrap": A.seal_seed_wrap(ring.wrap_key(1), seed)},
            "replaces": first["xwingPublicId"]}
    status, answer = call(server.base, "PUT", "/api/v1/records/encryption/identity", body, headers={"X-Api-Key": keeper["key"]})
    assert status == 201, answer
    own = enc.own_identity()
    assert own["xwingPublicId"] == seed.public_key_id and [r["xwingPublicId"] for r in own["retiredIdentities"]] == [first["xwingPublicId"]]
    # The wrap made to the retired key still opens with its seed, and is confirmed.
    assert [(c["version"], c["state"]) for c in holder.records.holdings.confirm()] == [(1, "confirmed")]
    # The owner's pin names the retired key: its next wrap is refused before it is made.
    rotated = pac.records.rotate(next_workspace_secret(secret))
    assert [(h["wrapped"], h.get("code")) for h in rotated["holders"]] == [(False, "RECORDS_PIN_CHANGED")]


def test_a_holder_refuses_a_wrap_that_does_not_open_and_the_owner_is_told(backend):
    _, server, _ = backend
    two = Workspaces(server)
    added = two.pac.records.holders.add(workspace_id=two.workspace, confirmed_code=two.registered["code"])
    holder_id = added["holderId"]
    # A wrap that is not made to the holder's key (another workspace's wrap of version 1, say):
    # stored as sent — the server cannot tell — and refused by the holder's client.
    other = Workspaces(server)
    other.pac.records.holders.add(workspace_id=other.workspace, confirmed_code=other.registered["code"])
    stolen = other.other.records.holdings.list()["holdings"][0]["wraps"][0]["wrap"]
    pinned = two.pac._client.get("/api/v1/records/encryption/holders")["holders"][0]["pinnedId"]
    status, answer = call(server.base, "PUT", f"/api/v1/records/encryption/holders/{holder_id}/wraps",
                          {"version": 1, "pinnedId": pinned, "wrap": stolen}, headers={"X-Api-Key": two.owner["key"]})
    assert status == 200, answer
    assert [(c["version"], c["state"], c.get("reason")) for c in two.other.records.holdings.confirm()] == [(1, "refused", "unopened")]
    # The owner sees the refusal and its reason on its holder.
    listed = two.pac.records.holders.list()["holders"][0]
    assert listed["holderId"] == holder_id and listed["wraps"] == [{"version": 1, "rkid": None, "state": "refused", "reason": "unopened"}]
