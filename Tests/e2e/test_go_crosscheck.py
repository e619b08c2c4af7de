"""Go's golang.org/x/mod/sumdb/tlog and sumdb/note verify what the running server
publishes: its signed checkpoints, inclusion and consistency proofs, and receipts."""
import base64, gzip, hashlib, json, os, shutil, subprocess, time, urllib.request

import pytest
from pacspace_sdk import PacSpace

from conftest import ROOT, call

GO_READY = shutil.which("go") and os.path.exists("/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog/tlog.go")


def b64(hex_hash):
    return base64.b64encode(bytes.fromhex(hex_hash[2:])).decode()


@pytest.mark.skipif(not GO_READY and not os.environ.get("CI"), reason="needs golang-go and golang-golang-x-mod-dev")
def test_go_verifies_the_servers_log(server, tmp_path):
    account = server.account()
    pac = PacSpace(account["key"], base_url=server.base, max_retries=0)
    contract = account["contract"]["id"]
    leaves, checkpoints = [], []
    for i in range(9):
        emitted = pac.balance.emit("go-cust", i + 1, f"entry {i}")
        verified = pac.balance.wait_for_verified(emitted["recordId"], {"timeout": 10_000, "pollInterval": 20})
        leaves.append(verified["proof"]["leafData"])
        with urllib.request.urlopen(f"{server.base}/api/v1/log/{contract}/checkpoint") as response:
            checkpoints.append(response.read().decode())
    sizes = range(1, len(leaves) + 1)
    inclusion = [{"index": index, "size": size,
                  "proof": [b64(h) for h in call(server.base, "GET", f"/api/v1/log/{contract}/proof/inclusion?index={index}&treeSize={size}")[1]["data"]["proof"]]}
                 for size in sizes for index in range(size)]
    consistency = [{"old": old, "new": new,
                    "proof": [b64(h) for h in call(server.base, "GET", f"/api/v1/log/{contract}/proof/consistency?from={old}&to={new}")[1]["data"]["proof"]]}
                   for new in sizes for old in range(1, new + 1)]
    receipts = [pac.balance.delta_status(r["recordId"])["proof"]["receipt"]
                for r in pac.balance.derive("go-cust", {"limit": 100})["deltas"]]
    vectors = {"verifierKey": account["contract"]["publicKey"], "leaves": leaves, "checkpoints": checkpoints,
               "inclusion": inclusion, "consistency": consistency, "receipts": receipts}
    (tmp_path / "log.json").write_text(json.dumps(vectors))
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=str(tmp_path / "gocache"))
    result = subprocess.run(["go", "run", os.path.join(ROOT, "Tests", "crosscheck", "main.go"), "verify-log", str(tmp_path / "log.json")],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 disagreements" in result.stdout
    assert "9 receipts checked" in result.stdout
    print(result.stdout.strip())


@pytest.mark.skipif(not GO_READY and not os.environ.get("CI"), reason="needs golang-go and golang-golang-x-mod-dev")
def test_go_reads_the_log_as_tiles(server, tmp_path):
    """Go's tlog.TileHashReader fetches the server's C2SP tlog-tiles over HTTP (tlog's own
    tile paths, less the height) and with them makes the signed root and proves every leaf:
    600 leaves, so full and partial tiles at level 0 and a partial tile at level 1."""
    account = server.account()
    headers = {"X-Api-Key": account["key"]}
    contract = account["contract"]["id"]
    items = [{"customerId": f"tile-{i % 7}", "delta": i + 1, "reason": "tiles"} for i in range(600)]
    status, batch = call(server.base, "POST", "/api/v1/balance/delta/batch", {"deltas": items}, headers=headers)
    assert status == 201, batch
    record_ids = [item["recordId"] for item in batch["data"]["results"]]
    leaves, openings = [], {}
    for record_id in record_ids:
        for _ in range(500):
            status, answer = call(server.base, "GET", f"/api/v1/balance/delta/{record_id}", headers=headers)
            if answer["data"]["status"] == "VERIFIED":
                break
            time.sleep(0.02)
        leaves.append((answer["data"]["logIndex"], answer["data"]["proof"]["leafData"]))
        openings[answer["data"]["logIndex"]] = {"contentHash": answer["data"]["contentHash"], "receiptId": answer["data"]["receiptId"],
                                                "type": "delta", "v": 1}
    assert [index for index, _ in sorted(leaves)] == list(range(600))
    leaves = [leaf for _, leaf in sorted(leaves)]
    read_entry_bundles(f"{server.base}/api/v1/log/{contract}", leaves, [openings[i] for i in range(600)])
    (tmp_path / "tiles.json").write_text(json.dumps({
        "prefix": f"{server.base}/api/v1/log/{contract}", "verifierKey": account["contract"]["publicKey"], "leaves": leaves}))
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=str(tmp_path / "gocache"))
    result = subprocess.run(["go", "run", os.path.join(ROOT, "Tests", "crosscheck", "main.go"), "verify-tiles", str(tmp_path / "tiles.json")],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tree of 600 leaves" in result.stdout and "600 leaves proved; 0 disagreements" in result.stdout, result.stdout
    print(result.stdout.strip())


def read_entry_bundles(prefix, leaves, openings):
    """The log's C2SP tlog-tiles entry bundles, read with Python's own gzip and hashlib: they
    hold exactly the leaves, each hashing to its place in the level-0 tile, and each leaf is
    the commitment to the delta's clear leaf (docs/verification.md, "What a public leaf
    shows"), nothing else."""
    def fetch(path, encoding):
        request = urllib.request.Request(f"{prefix}/{path}", headers={"Accept-Encoding": encoding})
        with urllib.request.urlopen(request) as response:
            body = response.read()
            assert response.headers["Content-Type"] == "application/octet-stream"
            return gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body
    bundled = []
    for index in range((len(leaves) + 255) // 256):
        width = min(256, len(leaves) - index * 256)
        path = f"tile/entries/{index:03d}" + (f".p/{width}" if width < 256 else "")
        tile = fetch(f"tile/0/{index:03d}" + (f".p/{width}" if width < 256 else ""), "identity")
        bundle = fetch(path, "gzip")
        assert bundle == fetch(path, "identity")
        entries, at = [], 0
        while at < len(bundle):
            length = int.from_bytes(bundle[at:at + 2], "big")
            entries.append(bundle[at + 2:at + 2 + length])
            at += 2 + length
        assert len(entries) == width
        assert b"".join(hashlib.sha256(b"\x00" + entry).digest() for entry in entries) == tile
        bundled += entries
    assert [entry.decode() for entry in bundled] == leaves
    for entry, opening in zip(bundled, openings):
        clear = json.dumps(opening, sort_keys=True, separators=(",", ":")).encode()
        commitment = hashlib.sha256(b"pacspace:leaf-commitment:v1\x00" + clear).hexdigest()
        assert json.loads(entry) == {"commitment": "0x" + commitment, "type": "commitment", "v": 1}
    print(f"{len(bundled)} leaves read from entry bundles, each a commitment to its delta")
