"""`pacspace audit` on a real data directory: clean after real traffic, and precise about
each kind of tampering (a leaf, a subtree hash, a signature, a balance, a credit total)."""
import os, shutil, sqlite3, subprocess

from pacspace_sdk import PacSpace

from conftest import Server, call


def audit(server):
    result = subprocess.run([server.binary, "audit", "--data-dir", server.data_dir], capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout


def test_audit_is_clean_after_traffic_and_names_every_tampering():
    server = Server(env={"SEQUENCER_INTERVAL": "20", "PACSPACE_FREE_CREDITS": "50"}).start()
    test = server.account()
    pac = PacSpace(test["key"], base_url=server.base, max_retries=0)
    for i in range(40):
        pac.balance.emit(f"c{i % 4}", 1.25 if i % 3 else -0.5, f"r{i}", {"metadata": {"i": i, "tags": ["a", "é"]}} if i % 5 == 0 else None)
    pac.balance.checkpoint("c1")
    live = call(server.base, "POST", "/dashboard/contracts/provision", {"environment": "mainnet"}, test["jwt"])
    assert live[0] == 201
    server.wait_active(test["jwt"], test["tenant"], "mainnet")
    live_key = call(server.base, "POST", "/dashboard/api-keys", {"environment": "live"}, test["jwt"])[1]["data"]["fullKey"]
    live_pac = PacSpace(live_key, base_url=server.base, max_retries=0)
    last = [live_pac.balance.emit("paid", 2, f"p{i}")["recordId"] for i in range(5)][-1]
    live_pac.balance.wait_for_verified(last, {"timeout": 10_000, "pollInterval": 50})
    pac.balance.wait_for_verified(pac.balance.emit("c0", 1, "last")["recordId"], {"timeout": 10_000, "pollInterval": 50})
    server.stop()

    code, out = audit(server)
    assert code == 0, out
    assert "clean" in out and "2 environments" in out and "46 deltas" in out and "47 leaves" in out

    database = os.path.join(server.data_dir, "pacspace.sqlite")
    tamperings = [
        ("""UPDATE log_entries SET leaf_data = replace(leaf_data, '"commitment":"0x', '"commitment":"0X') WHERE entry_index = 3 AND environment_id = ?""",
         "the leaves give"),
        ("UPDATE log_nodes SET hash = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' WHERE level = 1 AND node_index = 2 AND environment_id = ?",
         "is not the hash of its children"),
        ("UPDATE log_checkpoints SET note = replace(note, '— ', '— x') WHERE rowid = "
         "(SELECT rowid FROM log_checkpoints WHERE environment_id = ? AND tree_size > 0 ORDER BY tree_size LIMIT 1)",
         "signature does not verify"),
        ("UPDATE customers SET verified_balance = verified_balance + 1 WHERE customer_id = 'c2' AND environment_id = ?",
         "verifiedBalance (micros)"),
        ("UPDATE deltas SET amount = amount + 1000000 WHERE sequence_number = 2 AND customer_id = 'c3' AND environment_id = ?",
         "the content gives"),
        ("UPDATE credit_accounts SET balance = balance + 1 WHERE tenant_id IN (SELECT tenant_id FROM environments WHERE id = ?)",
         "the ledger sums to"),
    ]
    environment = test["contract"]["id"]
    good = database + ".good"
    shutil.copyfile(database, good)
    for statement, expected in tamperings:
        db = sqlite3.connect(database)
        changed = db.execute(statement, (environment,)).rowcount
        db.commit()
        db.close()
        assert changed == 1, statement
        code, out = audit(server)
        assert code == 1 and expected in out, f"{statement}\n{out}"
        for suffix in ("-wal", "-shm"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)
        shutil.copyfile(good, database)
    assert audit(server)[0] == 0
