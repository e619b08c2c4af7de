"""`pacspace witness` driven by an independent client: add-checkpoint requests built here
with Python's `cryptography` (the log's key and signed notes) and aics-tlog's Merkle tree
(roots and consistency proofs), never by the server's code; its cosignatures verified by
aics-tlog. Then `kill -9` and a restart: the witness still refuses to go back or fork."""
import base64, hashlib, json, os, shutil, signal, subprocess, time, urllib.error, urllib.request

from aics_tlog.cosign import verify_cosignature
from aics_tlog.note import parse_vkey
from aics_tlog.tree import MerkleTree
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import pytest

from conftest import BACKENDS, ROOT, free_port, server_on

BINARY = os.environ.get("PACSPACE_BINARY", os.path.join(ROOT, ".build", "debug", "pacspace"))
ORIGIN = "logs.test/independent"


class Log:
    """A log kept here: its leaves in aics-tlog's tree, its checkpoints signed with a key of ours."""

    def __init__(self, origin=ORIGIN):
        self.origin = origin
        self.key = Ed25519PrivateKey.generate()
        public = self.key.public_key().public_bytes_raw()
        self.key_id = hashlib.sha256(origin.encode() + b"\n\x01" + public).digest()[:4]
        self.vkey = origin + "+" + self.key_id.hex() + "+" + base64.b64encode(b"\x01" + public).decode()
        self.tree = MerkleTree()

    def grow(self, count):
        for _ in range(count):
            self.tree.append(os.urandom(16))

    def note(self, size=None, root=None):
        size = self.tree.size if size is None else size
        root = self.tree.root(size) if root is None else root
        text = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        signature = base64.b64encode(self.key_id + self.key.sign(text.encode())).decode()
        return text, text + "\n\u2014 " + self.origin + " " + signature + "\n"

    def request(self, old, size=None, root=None, proof=None):
        size = self.tree.size if size is None else size
        proof = self.tree.consistency_proof(old, size) if proof is None and 0 < old < size else (proof or [])
        _, note = self.note(size, root)
        return "old %d\n" % old + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + note


def post(port, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/add-checkpoint", data=body.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers.get("Content-Type"), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read().decode()


def start(directory, port):
    process = subprocess.Popen([BINARY, "witness", "serve", "--dir", directory, "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.read() == b"ok\n":
                    return process
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the witness did not start: " + process.stderr.read().decode())


def cosigned(witness_vkey, log, line, size):
    """The cosignature line checked by aics-tlog against the checkpoint of `size`."""
    key = parse_vkey(witness_vkey)
    name, blob = line.rstrip("\n")[2:].split(" ")
    raw = base64.b64decode(blob)
    assert name == key.name and raw[:4] == key.key_id, line
    return verify_cosignature(raw[4:], key.name, key.public_key, log.origin, size, log.tree.root(size))


def test_the_witness_cosigns_consistent_checkpoints_and_nothing_else(tmp_path):
    directory = str(tmp_path / "witness")
    made = subprocess.run([BINARY, "witness", "init", "--dir", directory, "--name", "witness.test/w1"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    vkey = made.stdout.strip()
    assert parse_vkey(vkey).name == "witness.test/w1" and parse_vkey(vkey).key_type == 0x04
    again = subprocess.run([BINARY, "witness", "init", "--dir", directory, "--name", "witness.test/w1"], capture_output=True, text=True)
    assert again.stdout.strip() == vkey, "init is safe to rerun"
    assert oct(os.stat(os.path.join(directory, "witness.key")).st_mode & 0o777) == "0o600"
    log = Log()
    assert subprocess.run([BINARY, "witness", "add-log", "--dir", directory, log.vkey], capture_output=True).returncode == 0
    port = free_port()
    witness = start(directory, port)
    try:
        log.grow(3)
        status, _, body = post(port, log.request(0))
        assert status == 200 and cosigned(vkey, log, body, 3), body
        log.grow(7)
        status, _, body = post(port, log.request(3))
        assert status == 200 and cosigned(vkey, log, body, 10), body
        # The same checkpoint again: cosigned again.
        assert post(port, log.request(10))[0] == 200

        # Refusals, each as the spec says.
        status, content_type, body = post(port, log.request(3))
        assert (status, content_type, body) == (409, "text/x.tlog.size", "10\n")
        fork = hashlib.sha256(b"another history").digest()
        assert post(port, log.request(10, size=10, root=fork))[:3:2] == (409, "10\n"), "one size, another root"
        log.grow(5)
        wrong = [hashlib.sha256(b"x").digest()] * len(log.tree.consistency_proof(10, 15))
        assert post(port, log.request(10, proof=wrong))[0] == 422
        assert post(port, log.request(16, size=15))[0] == 400, "old size past the checkpoint"
        assert post(port, "old 01\n\n" + log.note()[1])[0] == 400
        assert post(port, "old 10\nnot-base64\n\n" + log.note()[1])[0] == 400
        assert post(port, "old 10\n" + "A" * 44 + "\n" * 64 + log.note()[1])[0] == 400
        stranger = Log("logs.test/unknown")
        stranger.grow(1)
        assert post(port, stranger.request(0))[0] == 404
        impostor = Log()
        impostor.grow(15)
        assert post(port, impostor.request(10))[0] == 403, "signed by a key the witness does not trust"
        text, note = log.note()
        assert post(port, "old 10\n\n" + note.replace(text, text.replace("\n15\n", "\n16\n")))[0] in (403, 422)

        # kill -9 after a cosignature: its view survives, and the witness never goes back.
        status, _, body = post(port, log.request(10))
        assert status == 200 and cosigned(vkey, log, body, 15)
        witness.send_signal(signal.SIGKILL)
        witness.wait()
        witness = start(directory, port)
        assert post(port, log.request(10))[:3:2] == (409, "15\n")
        assert post(port, log.request(15, size=15, root=fork))[:3:2] == (409, "15\n")
        status, _, body = post(port, log.request(15))
        assert status == 200 and cosigned(vkey, log, body, 15)
    finally:
        witness.kill()
        witness.wait()


AICS_WITNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".venv", "bin", "aics-witness")
AICS_TLOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".venv", "bin", "aics-tlog")


def start_aics_witness(directory, name, origin, log_vkey):
    """An independent C2SP witness (aics-witness from the package index) following `origin`."""
    config = os.path.join(directory, "witness.json")
    made = subprocess.run([AICS_WITNESS, "init", "--config", config, "--name", name], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    vkey = made.stdout.strip().splitlines()[-1]
    added = subprocess.run([AICS_WITNESS, "add-log", "--config", config, "--origin", origin, "--vkey", log_vkey], capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    port = free_port()
    process = subprocess.Popen([AICS_WITNESS, "serve", "--config", config, "--listen", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process, vkey, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    raise AssertionError("aics-witness did not start: " + process.stderr.read().decode())


def published_identity(server):
    """The server log's origin and key, once it has published a checkpoint."""
    from pacspace_harness import call

    for _ in range(200):
        status, info = call(server.base, "GET", "/api/v1/server-log")
        if status == 200 and info["data"]["treeSize"] > 0:
            return info["data"]["origin"], info["data"]["publicKey"]
        time.sleep(0.05)
    raise AssertionError("the server log published nothing")


def monitor(server, policy, state, environments=(), receipts=None, wait="2"):
    """`pacspace monitor` on `server`'s server log and the environment logs `environments`
    (tiles prefixes as the contract answer gives them, under the server's PUBLIC_URL)."""
    command = [BINARY, "monitor", "--log", f"{server.base}/api/v1/server-log", "--policy", str(policy), "--state", str(state),
               "--quorum-wait", wait]
    for prefix in environments:
        command += ["--environment", prefix.replace("http://localhost:8080", server.base)]
    if receipts:
        command += ["--receipts", str(receipts)]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_server_log_is_cosigned_by_two_independent_witnesses(tmp_path, backend, request):
    """The server asks two aics-witness instances (a policy of 2) to cosign its server log;
    aics-tlog then checks the published checkpoint, its tiles and the quorum by itself."""
    from pacspace_harness import Server, call

    env = {"PACSPACE_PUBLISH_INTERVAL": "200", "SEQUENCER_INTERVAL": "50", "PACSPACE_METRICS_TOKEN": "metrics-token-0123456789"}
    server = server_on(backend, env)
    if backend == "postgres":
        env["DATABASE_URL"] = server.env["DATABASE_URL"]
    account = server.account()
    headers = {"X-Api-Key": account["key"]}
    assert call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "w", "delta": 1, "reason": "r"}, headers=headers)[0] == 201
    origin, log_vkey = published_identity(server)
    server.stop()

    witnesses = []
    try:
        for name in ("witness.test/a1", "witness.test/a2"):
            directory = tmp_path / name.replace("/", "_")
            directory.mkdir()
            witnesses.append(start_aics_witness(str(directory), name, origin, log_vkey))
        policy = tmp_path / "policy"
        policy.write_text(f"log {log_vkey}\n"
                          f"witness A1 {witnesses[0][1]} {witnesses[0][2]}\n"
                          f"witness A2 {witnesses[1][1]} {witnesses[1][2]}\n"
                          "group both all A1 A2\nquorum both\n")
        server = Server(data_dir=server.data_dir, env=dict(env, PACSPACE_WITNESS_POLICY=str(policy))).start()
        emitted = []
        for index in range(5):
            status, body = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "w", "delta": 1, "reason": f"r{index}"},
                                headers=headers)
            assert status == 201, body
            emitted.append(body["data"]["recordId"])
            time.sleep(0.1)
        # The server serves its latest checkpoint with the cosignatures it has so far
        # (docs/witnesses.md): one published after a cosigned one has none for a moment, so a
        # verifier that needs the quorum asks again, as this one does. (Checked once, right
        # after a cosigned note, it failed whenever the sequencer's last batch came later.)
        note, checked = "", None
        for _ in range(200):
            with urllib.request.urlopen(f"{server.base}/api/v1/server-log/checkpoint") as answer:
                note = answer.read().decode()
            if all("\u2014 " + w[1].split("+")[0] + " " in note for w in witnesses):
                checked = subprocess.run([AICS_TLOG, "verify-checkpoint", "--tiles", f"{server.base}/api/v1/server-log", "--log-key",
                                          log_vkey, "--origin", origin, "--witness-key", witnesses[0][1], "--witness-key", witnesses[1][1],
                                          "--quorum", "2"], capture_output=True, text=True)
                if checked.returncode == 0:
                    break
            time.sleep(0.1)
        assert all("\u2014 " + w[1].split("+")[0] + " " in note for w in witnesses), note
        assert checked is not None and checked.returncode == 0, checked and checked.stdout + checked.stderr
        print(checked.stdout.strip())
        # Under the quorum, every delta of the cosigned tree shows when it was witnessed.
        for record_id in emitted:
            delta = {}
            for _ in range(200):
                delta = call(server.base, "GET", f"/api/v1/balance/delta/{record_id}", headers=headers)[1]["data"]
                if delta["witnessedAt"]:
                    break
                time.sleep(0.05)
            assert delta["witnessedAt"] and delta["witnessedAt"] >= delta["verifiedAt"], delta
        check_witnessed_receipt(tmp_path, server, headers, emitted[0], account["contract"]["publicKey"], log_vkey,
                                [w[1] for w in witnesses], request)
        # pacspace monitor follows the server log and the environment's log by their tiles,
        # checks the quorum, and finds each receipt's entry in the log.
        watched = tmp_path / "monitor.policy"
        watched.write_text(f"log {log_vkey}\nlog {account['contract']['publicKey']}\nwitness A1 {witnesses[0][1]}\n"
                           f"witness A2 {witnesses[1][1]}\ngroup both all A1 A2\nquorum both\n")
        receipts = tmp_path / "receipts"
        receipts.mkdir()
        for record_id in emitted:
            answer = call(server.base, "GET", f"/api/v1/balance/delta/{record_id}", headers=headers)[1]
            (receipts / f"{record_id}.json").write_text(json.dumps(answer))
        environment = [account["contract"]["tilesPrefix"]]
        followed = monitor(server, watched, tmp_path / "monitor", environment, receipts)
        assert followed.returncode == 0, followed.stdout + followed.stderr
        for line in ("(first run)", "witness A1 cosigned it", "witness A2 cosigned it", "quorum is met", "✓ 5 receipts"):
            assert line in followed.stdout, followed.stdout
        print(followed.stdout.strip())
        # A receipt of a log the monitor is not pointed at: it cannot check it (exit 3), and says which.
        unfollowed = monitor(server, watched, tmp_path / "monitor", (), receipts)
        assert unfollowed.returncode == 3 and "is not one this monitor follows" in unfollowed.stderr, unfollowed.stderr
        # One witness gone: the server goes on publishing; the checkpoint it then signs has one
        # cosignature, and the quorum of 2 is not met for it.
        witnesses[1][0].kill()
        witnesses[1][0].wait()
        with urllib.request.urlopen(f"{server.base}/api/v1/server-log/checkpoint") as answer:
            size = int(answer.read().decode().split("\n")[1])
        status, after = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "w", "delta": 1, "reason": "after"}, headers=headers)
        assert status == 201, after
        for _ in range(200):
            with urllib.request.urlopen(f"{server.base}/api/v1/server-log/checkpoint") as answer:
                later = answer.read().decode()
            if int(later.split("\n")[1]) > size and "\u2014 witness.test/a1 " in later:
                break
            time.sleep(0.1)
        assert "\u2014 witness.test/a1 " in later and "\u2014 witness.test/a2 " not in later, later
        short = subprocess.run([AICS_TLOG, "verify-checkpoint", "--tiles", f"{server.base}/api/v1/server-log", "--log-key", log_vkey,
                                "--origin", origin, "--witness-key", witnesses[0][1], "--witness-key", witnesses[1][1], "--quorum", "2"],
                               capture_output=True, text=True)
        assert short.returncode != 0, short.stdout
        # The monitor says so too: consistent with what it saw, but the quorum is missing.
        unwitnessed = monitor(server, watched, tmp_path / "monitor", environment, receipts, wait="1")
        assert unwitnessed.returncode == 2, unwitnessed.stdout + unwitnessed.stderr
        assert "consistent" in unwitnessed.stdout and "✗ witness A2" in unwitnessed.stdout and "MISSING QUORUM" in unwitnessed.stdout
        # The quorum is not met: the delta published since is verified, not witnessed.
        late = call(server.base, "GET", f"/api/v1/balance/delta/{after['data']['recordId']}", headers=headers)[1]["data"]
        assert late["status"] == "VERIFIED" and late["witnessedAt"] is None, late
        scrape = urllib.request.Request(f"{server.base}/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"})
        with urllib.request.urlopen(scrape) as answer:
            metrics = answer.read().decode()
        series = [line for line in metrics.splitlines() if line.startswith("pacspace_witness")]
        assert any('witness="A1"' in line and 'outcome="cosigned"' in line for line in series), series
        assert any('witness="A2"' in line and 'outcome="failed"' in line for line in series), series
        assert any(line.startswith("pacspace_witness_lag") and 'witness="A2"' in line and not line.endswith(" 0.0") for line in series), series
    finally:
        server.stop()
        for process, _, _ in witnesses:
            process.kill()
            process.wait()


def check_witnessed_receipt(tmp_path, server, headers, record_id, environment_key, log_vkey, witness_keys, request):
    """A witnessed delta's receipt carries the chain to the witnesses: `pacspace verify-receipt
    --policy` checks it under the user's own policy and refuses a policy it does not meet;
    aics-tlog checks the server-log link and the quorum by itself; the verify page's
    browser check passes with a tick per witness."""
    from pacspace_harness import call

    answer = call(server.base, "GET", f"/api/v1/balance/delta/{record_id}", headers=headers)[1]
    proof = answer["data"]["proof"]
    assert proof["witnessed"] and proof["witnessed"]["witnessedAt"] == answer["data"]["witnessedAt"], proof
    (tmp_path / "delta.json").write_text(json.dumps(answer))
    (tmp_path / "receipt.tlog-proof").write_text(proof["receipt"])
    mine = tmp_path / "mine.policy"
    mine.write_text(f"log {log_vkey}\nwitness A1 {witness_keys[0]}\nwitness A2 {witness_keys[1]}\ngroup both all A1 A2\nquorum both\n")
    verify = [BINARY, "verify-receipt", "--delta", str(tmp_path / "delta.json"), "--receipt", str(tmp_path / "receipt.tlog-proof"),
              "--key", environment_key, "--policy"]
    checked = subprocess.run(verify + [str(mine)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "witness A1 cosigned it at" in checked.stdout and "witness A2 cosigned it at" in checked.stdout, checked.stdout
    assert "the policy's quorum is met" in checked.stdout
    print(checked.stdout.strip())
    # A policy asking for a witness that did not cosign: the same receipt is refused.
    third = subprocess.run([BINARY, "witness", "init", "--dir", str(tmp_path / "third"), "--name", "witness.test/a3"],
                           capture_output=True, text=True).stdout.strip()
    stricter = tmp_path / "stricter.policy"
    stricter.write_text(mine.read_text().replace("group both all A1 A2", f"witness A3 {third}\ngroup both all A1 A2 A3"))
    refused = subprocess.run(verify + [str(stricter)], capture_output=True, text=True)
    assert refused.returncode == 1 and "✗ witness A3: no valid cosignature" in refused.stdout, refused.stdout + refused.stderr
    assert "do not meet the policy's quorum" in refused.stderr

    # aics-tlog, on its own: the environment checkpoint is the leaf at the proof's index of the
    # server-log checkpoint, which carries two valid cosignatures.
    head, note = proof["witnessed"]["serverLogReceipt"].split("\n\n", 1)
    lines = head.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1" and lines[1].startswith("index ")
    (tmp_path / "leaf").write_text(proof["checkpoint"])
    (tmp_path / "server-log.note").write_text(note)
    (tmp_path / "server-log.proof").write_text("".join(line + "\n" for line in lines[2:]))
    independent = subprocess.run([AICS_TLOG, "verify-inclusion", "--leaf", str(tmp_path / "leaf"), "--index", lines[1][6:],
                                  "--checkpoint", str(tmp_path / "server-log.note"), "--proof", str(tmp_path / "server-log.proof"),
                                  "--log-key", log_vkey, "--witness-key", witness_keys[0], "--witness-key", witness_keys[1],
                                  "--quorum", "2"], capture_output=True, text=True)
    assert independent.returncode == 0, independent.stdout + independent.stderr

    if shutil.which("chromium") and shutil.which("chromedriver"):
        from selenium.webdriver.common.by import By
        from test_pages import browser_verdict, screenshot, step_texts
        browser = request.getfixturevalue("browser")
        screenshot(browser, f"{server.base}/verify/{answer['data']['receiptId']}", "verify-witnessed")
        verdict, _ = browser_verdict(browser)
        assert verdict == "verified", step_texts(browser)
        cells = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#witnesses td[data-browser]")]
        assert len(cells) == 2 and all(cell.startswith("\u2713 cosigned") for cell in cells), cells
        assert any("quorum is met" in text for text in step_texts(browser)), step_texts(browser)
        # One byte of A2's cosignature changed in the page: the browser no longer counts it,
        # and the quorum of both fails.
        from test_pages import check_again
        field = browser.find_element(By.ID, "server-log-receipt")
        text = field.get_attribute("value")
        line = next(line for line in text.split("\n") if line.startswith("\u2014 witness.test/a2 "))
        raw = bytearray(base64.b64decode(line.split(" ")[2]))
        raw[-1] ^= 0x01
        changed = text.replace(line, "\u2014 witness.test/a2 " + base64.b64encode(bytes(raw)).decode())
        browser.execute_script("arguments[0].value = arguments[1]", field, changed)
        verdict, _ = check_again(browser)
        assert verdict == "failed", step_texts(browser)
        cells = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#witnesses td[data-browser]")]
        assert cells[0].startswith("\u2713 cosigned") and cells[1] == "\u2717 no valid cosignature", cells
        assert "do not meet the policy\u2019s quorum" in step_texts(browser)[-1], step_texts(browser)
