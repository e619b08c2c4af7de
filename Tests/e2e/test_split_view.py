"""Split views (docs/witnesses.md, "A split view"): two histories of one log under the same
keys — a database restored from an older copy, and a second server running beside the first
on a copy of its data. The independent witness (aics-witness) refuses the branch it did not
cosign; the server holding it stops publishing and says so; `pacspace monitor` finds the fork
from the tiles; no delta of the refused branch is ever witnessed."""
import json, os, shutil as files, subprocess, time, urllib.request

import pytest

from conftest import BACKENDS, server_on
from test_witness import BINARY, monitor, published_identity, start_aics_witness


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_restored_database_is_caught_and_publication_stops(tmp_path, backend):
    """A split view (docs/witnesses.md, "A split view"): the server's whole data directory is
    restored from an older copy after the witness cosigned a later tree, and the server goes
    on with new deltas — another history at the same sizes, under the same keys. The
    independent witness refuses it; the server stops publishing and says so (/readyz,
    /metrics, `pacspace server-log status`, the environments page), and no delta of the
    forked branch is ever witnessed. On PostgreSQL the database is copied and restored as a
    template (`CREATE DATABASE … TEMPLATE …`), the data directory beside it."""
    from pacspace_harness import Server, call

    token = "metrics-token-0123456789"
    env = {"PACSPACE_PUBLISH_INTERVAL": "200", "SEQUENCER_INTERVAL": "50", "PACSPACE_METRICS_TOKEN": token}
    server = server_on(backend, env)
    if backend == "postgres":
        env["DATABASE_URL"] = server.env["DATABASE_URL"]
    admin = os.environ.get("PACSPACE_TEST_POSTGRES_URL", "")

    def copy_database(source, target):
        if backend == "postgres":
            name = lambda url: url.rsplit("/", 1)[1]
            subprocess.run(["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name(target)}"], check=True)
            subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {name(target)} TEMPLATE {name(source)}"], check=True)
    account = server.account()
    headers = {"X-Api-Key": account["key"]}

    def emit(reason):
        status, body = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "fork", "delta": 1, "reason": reason},
                            headers=headers)
        assert status == 201, body
        return body["data"]["recordId"]

    def cosigned_size(at_least):
        for _ in range(300):
            with urllib.request.urlopen(f"{server.base}/api/v1/server-log/checkpoint") as answer:
                note = answer.read().decode()
            size = int(note.split("\n")[1])
            if size >= at_least and "\u2014 witness.test/f1 " in note:
                return size
            time.sleep(0.05)
        raise AssertionError("no cosigned checkpoint of size " + str(at_least) + ": " + note)

    emit("first")
    origin, log_vkey = published_identity(server)
    server.stop()
    directory = tmp_path / "witness"
    directory.mkdir()
    witness, witness_vkey, url = start_aics_witness(str(directory), "witness.test/f1", origin, log_vkey)
    try:
        policy = tmp_path / "policy"
        policy.write_text(f"log {log_vkey}\nwitness F1 {witness_vkey} {url}\nquorum F1\n")
        env["PACSPACE_WITNESS_POLICY"] = str(policy)
        data_dir = server.data_dir
        server = Server(data_dir=data_dir, env=env).start()
        emit("before the copy")
        older = cosigned_size(2)
        server.stop()
        backup = tmp_path / "backup"
        files.copytree(data_dir, backup)
        live = env.get("DATABASE_URL", "")
        copy_database(live, live + "_backup")
        server = Server(data_dir=data_dir, env=env).start()
        for index in range(3):
            emit(f"after the copy {index}")
            time.sleep(0.25)
        later = cosigned_size(older + 2)
        # The monitor follows the witnessed history…
        watched = tmp_path / "monitor.policy"
        watched.write_text(policy.read_text().replace(f" {url}\n", "\n") + f"log {account['contract']['publicKey']}\n")
        environment = [account["contract"]["tilesPrefix"]]
        followed = monitor(server, watched, tmp_path / "monitor", environment)
        assert followed.returncode == 0 and "quorum is met" in followed.stdout, followed.stdout + followed.stderr
        server.stop()

        # The older copy comes back, and goes on: a history the witness never cosigned.
        files.rmtree(data_dir)
        files.copytree(backup, data_dir)
        copy_database(live + "_backup", live)
        server = Server(data_dir=data_dir, env=env).start()
        forked = [emit(f"forked {index}") for index in range(4)]
        auth = {"Authorization": "Bearer " + token}
        detail = {}
        for _ in range(300):
            detail = call(server.base, "GET", "/readyz", headers=auth)[1]
            if detail.get("data", {}).get("serverLogHalted"):
                break
            time.sleep(0.05)
        reason = detail["data"]["serverLogHalted"]
        assert "witness F1" in reason and ("another root" in reason or "past this server" in reason), detail
        assert call(server.base, "GET", "/readyz")[0] == 200, "writes and reads go on, unwitnessed"
        scrape = urllib.request.Request(f"{server.base}/metrics", headers=auth)
        with urllib.request.urlopen(scrape) as answer:
            metrics = answer.read().decode()
        assert "pacspace_server_log_halted 1.0" in metrics, [l for l in metrics.splitlines() if "server_log" in l]
        assert any(l.startswith("pacspace_witness_requests_total") and ('outcome="conflict"' in l or 'outcome="ahead"' in l)
                   for l in metrics.splitlines())
        # Nothing more is published, however the environment moves; nothing forked is witnessed.
        with urllib.request.urlopen(f"{server.base}/api/v1/server-log/checkpoint") as answer:
            stopped = int(answer.read().decode().split("\n")[1])
        emit("after the halt")
        time.sleep(1)
        with urllib.request.urlopen(f"{server.base}/api/v1/server-log/checkpoint") as answer:
            assert int(answer.read().decode().split("\n")[1]) == stopped
        for record_id in forked:
            delta = call(server.base, "GET", f"/api/v1/balance/delta/{record_id}", headers=headers)[1]["data"]
            assert delta["witnessedAt"] is None and (delta.get("proof") or {}).get("witnessed") is None, delta
        # …and finds the restored copy gone back: a server log smaller than it saw.
        caught = monitor(server, watched, tmp_path / "monitor", environment)
        assert caught.returncode == 1 and ("ROLLBACK" in caught.stderr or "FORK" in caught.stderr), caught.stdout + caught.stderr
        evidence = caught.stderr.split("evidence: ")[1].strip()
        assert "--- signed note 2" in open(evidence).read(), evidence
        status = subprocess.run([BINARY, "server-log", "status", "--data-dir", data_dir], capture_output=True, text=True,
                                env=dict(os.environ, **({"DATABASE_URL": live} if live else {})))
        assert status.returncode == 1 and "halted" in status.stdout, status.stdout + status.stderr
        print(f"witness cosigned {later}; the copy of size {older} went on; halted: {reason}")
    finally:
        server.stop()
        witness.kill()
        witness.wait()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_second_server_with_the_same_keys_is_caught(tmp_path, backend):
    """A second server started on a copy of the first's data (its keys, its database) runs
    beside it, each appending its own deltas: two histories at the same sizes, both signed by
    the same keys. The witness cosigns the branch it saw first and refuses the other; that
    server halts; the monitor that follows the cosigned branch finds the other forked or
    rolled back; no delta of the refused branch is witnessed."""
    from pacspace_harness import Server, call

    token = "metrics-token-0123456789"
    env = {"PACSPACE_PUBLISH_INTERVAL": "200", "SEQUENCER_INTERVAL": "50", "PACSPACE_METRICS_TOKEN": token}
    first = server_on(backend, env)
    live = first.env.get("DATABASE_URL", "")
    account = first.account()
    headers = {"X-Api-Key": account["key"]}

    def emit(server, reason):
        status, body = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "twin", "delta": 1, "reason": reason},
                            headers=headers)
        assert status == 201, body
        return body["data"]["recordId"]

    emit(first, "first")
    origin, log_vkey = published_identity(first)
    first.stop()
    directory = tmp_path / "witness"
    directory.mkdir()
    witness, witness_vkey, url = start_aics_witness(str(directory), "witness.test/t1", origin, log_vkey)
    servers = []
    try:
        policy = tmp_path / "policy"
        policy.write_text(f"log {log_vkey}\nwitness T1 {witness_vkey} {url}\nquorum T1\n")
        env["PACSPACE_WITNESS_POLICY"] = str(policy)
        twin_dir = str(tmp_path / "twin")
        files.copytree(first.data_dir, twin_dir)
        twin_env = dict(env)
        if backend == "postgres":
            admin = os.environ["PACSPACE_TEST_POSTGRES_URL"]
            subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {live.rsplit('/', 1)[1]}_twin TEMPLATE {live.rsplit('/', 1)[1]}"],
                           check=True)
            env["DATABASE_URL"], twin_env["DATABASE_URL"] = live, live + "_twin"
        servers = [Server(data_dir=first.data_dir, env=env).start(), Server(data_dir=twin_dir, env=twin_env).start()]
        emitted = {0: [], 1: []}
        for index in range(4):
            for side, server in enumerate(servers):
                emitted[side].append(emit(server, f"side {side} delta {index}"))
            time.sleep(0.1)
        auth = {"Authorization": "Bearer " + token}

        def halted(server):
            return call(server.base, "GET", "/readyz", headers=auth)[1].get("data", {}).get("serverLogHalted")

        for _ in range(300):
            if any(halted(server) for server in servers):
                break
            time.sleep(0.05)
        refused = [side for side, server in enumerate(servers) if halted(server)]
        assert len(refused) == 1, [halted(server) for server in servers]
        loser, winner = servers[refused[0]], servers[1 - refused[0]]
        reason = halted(loser)
        assert "witness T1" in reason, reason

        # The cosigned branch is followed; the other is caught from its own tiles.
        watched = tmp_path / "monitor.policy"
        watched.write_text(f"log {log_vkey}\nlog {account['contract']['publicKey']}\nwitness T1 {witness_vkey}\nquorum T1\n")
        environment = [account["contract"]["tilesPrefix"]]
        for _ in range(100):
            followed = monitor(winner, watched, tmp_path / "monitor", environment)
            if followed.returncode == 0:
                break
            time.sleep(0.1)
        assert followed.returncode == 0, followed.stdout + followed.stderr
        caught = monitor(loser, watched, tmp_path / "monitor", environment)
        assert caught.returncode == 1 and ("FORK" in caught.stderr or "ROLLBACK" in caught.stderr), caught.stdout + caught.stderr
        for record_id in emitted[refused[0]]:
            delta = call(loser.base, "GET", f"/api/v1/balance/delta/{record_id}", headers=headers)[1]["data"]
            assert delta["witnessedAt"] is None and (delta.get("proof") or {}).get("witnessed") is None, delta
        print(f"server {refused[0]} refused: {reason}; monitor: {caught.stderr.splitlines()[0]}")
    finally:
        for server in servers:
            server.stop()
        witness.kill()
        witness.wait()
