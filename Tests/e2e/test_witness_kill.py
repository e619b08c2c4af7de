"""`kill -9` of a witness while the server is submitting to it (docs/witnesses.md, "pacspace
witness"): the server's writes never wait for it, the witness comes back from its durable
view, the server resumes from the size the witness names (409), nothing halts, and the
monitor finds one consistent, cosigned history at the end."""
import os, random, signal, subprocess, threading, time, urllib.request

from conftest import free_port
from test_witness import BINARY, monitor, published_identity, start


def test_a_witness_killed_mid_submission_comes_back_consistent(tmp_path):
    from pacspace_harness import Server, call

    token = "metrics-token-0123456789"
    env = {"PACSPACE_PUBLISH_INTERVAL": "100", "SEQUENCER_INTERVAL": "20", "PACSPACE_METRICS_TOKEN": token}
    server = Server(env=env).start()
    account = server.account()
    headers = {"X-Api-Key": account["key"]}
    assert call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "k", "delta": 1, "reason": "r"}, headers=headers)[0] == 201
    origin, log_vkey = published_identity(server)
    server.stop()

    directory = str(tmp_path / "witness")
    made = subprocess.run([BINARY, "witness", "init", "--dir", directory, "--name", "witness.test/k1"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    vkey = made.stdout.strip()
    assert subprocess.run([BINARY, "witness", "add-log", "--dir", directory, log_vkey], capture_output=True).returncode == 0
    port = free_port()
    witness = start(directory, port)
    policy = tmp_path / "policy"
    policy.write_text(f"log {log_vkey}\nwitness K1 {vkey} http://127.0.0.1:{port}\nquorum K1\n")
    server = Server(data_dir=server.data_dir, env=dict(env, PACSPACE_WITNESS_POLICY=str(policy))).start()
    stop = threading.Event()
    answers = {}

    def load():
        index = 0
        while not stop.is_set():
            index += 1
            status, _ = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "k", "delta": 1, "reason": f"load {index}"},
                             headers=headers)
            answers[status] = answers.get(status, 0) + 1

    writer = threading.Thread(target=load)
    writer.start()
    kills = 0
    try:
        random.seed(27)
        for _ in range(6):
            time.sleep(random.uniform(0.15, 0.6))
            os.kill(witness.pid, signal.SIGKILL)
            witness.wait()
            kills += 1
            time.sleep(random.uniform(0.05, 0.4))
            witness = start(directory, port)
        stop.set()
        writer.join()
        assert set(answers) == {201}, answers

        # Once the load stops, the latest checkpoint is cosigned; nothing halted.
        note = ""
        for _ in range(300):
            with urllib.request.urlopen(f"{server.base}/api/v1/server-log/checkpoint") as answer:
                note = answer.read().decode()
            if "\u2014 witness.test/k1 " in note:
                break
            time.sleep(0.05)
        assert "\u2014 witness.test/k1 " in note, note
        detail = call(server.base, "GET", "/readyz", headers={"Authorization": "Bearer " + token})[1]["data"]
        assert not detail.get("serverLogHalted"), detail
        views = [name for name in os.listdir(os.path.join(directory, "views")) if not name.endswith(".partial")]
        with open(os.path.join(directory, "views", views[0])) as view:
            assert view.read().split("\n")[1] == note.split("\n")[1], "the witness's view is the server's latest size"
        # The kills did land on submissions: the server counted requests that got no answer.
        scrape = urllib.request.Request(f"{server.base}/metrics", headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(scrape) as answer:
            series = [line for line in answer.read().decode().splitlines() if line.startswith("pacspace_witness_requests_total")]
        failed = sum(float(line.rsplit(" ", 1)[1]) for line in series if 'outcome="failed"' in line)
        assert failed >= 1 and any('outcome="cosigned"' in line for line in series), series
        watched = tmp_path / "monitor.policy"
        watched.write_text(f"log {log_vkey}\nlog {account['contract']['publicKey']}\nwitness K1 {vkey}\nquorum K1\n")
        followed = monitor(server, watched, tmp_path / "monitor", [account["contract"]["tilesPrefix"]])
        assert followed.returncode == 0, followed.stdout + followed.stderr
        print(f"{kills} kills under {answers[201]} emits ({failed:.0f} submissions unanswered); server log size {note.split(chr(10))[1]}, "
              "cosigned; monitor passed")
    finally:
        stop.set()
        writer.join()
        server.stop()
        witness.kill()
        witness.wait()
