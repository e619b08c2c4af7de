"""Go's golang.org/x/mod/sumdb/tlog and sumdb/note verify what the running server
publishes: its signed checkpoints, inclusion and consistency proofs, and receipts."""
import base64, json, os, shutil, subprocess, urllib.request

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
