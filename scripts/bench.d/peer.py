"""The peer phase of scripts/bench (issue 28): this server's single emits against the bare
durable insert a Swift developer would write by hand (../shared/bench/peer: Hummingbird 2,
SQLite WAL with synchronous=FULL, one autocommit INSERT per request), alternated in one run
(peer, server, peer, server: this machine's figures move by a third from one minute to the
next). Each row also gives the process's CPU time per stored request (user + system, from
/proc), which moves far less than the rate and says where the gap is: the disk or the work."""
import os, shutil, subprocess, tempfile, time, urllib.request

from pacspace_harness import ROOT, free_port

PEER = os.path.join(os.path.dirname(ROOT), "shared", "bench", "peer")
BUILD = os.path.join(ROOT, ".build-peer")


def cpu_seconds(pid):
    """User + system CPU time of `pid` so far, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def build(say):
    """The peer's release binary, built once into .build-peer (git ignores .build*/); None
    without the shared folder."""
    if not os.path.isdir(PEER):
        return None
    say(f"bench: building the peer from {PEER} (the first time takes a few minutes)")
    built = subprocess.run(["swift", "build", "-c", "release", "--package-path", PEER, "--scratch-path", BUILD],
                           capture_output=True, text=True)
    if built.returncode != 0:
        raise SystemExit("bench: the peer did not build:\n" + built.stdout[-2000:] + built.stderr[-2000:])
    return os.path.join(BUILD, "release", "Peer")


class Peer:
    def __init__(self, binary):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.mkdtemp(prefix="pacspace-peer-")
        self.process = subprocess.Popen([binary, str(self.port), os.path.join(self.folder, "peer.sqlite")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("bench: the peer did not start")

    def stop(self):
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def run(server, account, wrk, duration, say):
    """Rows: each alternated run (rate, CPU per request), then the ratio of the means."""
    binary = build(say)
    if binary is None:
        return [("peer (bare insert)", "skipped", "", "", f"{PEER} is absent")]
    wrk.size = 1
    rows = []
    rates = {"peer": [], "server": []}
    cpu = {"peer": [], "server": []}
    env = {"PACSPACE_KEY": account["key"]}
    for turn in ("peer", "server", "peer", "server"):
        target = Peer(binary) if turn == "peer" else server
        try:
            before = cpu_seconds(target.process.pid)
            stored_before = wrk.requests
            if turn == "peer":
                rate, errors, p99 = wrk(target, "/notes", duration, 32, os.path.join(PEER, "peer.lua"))
            else:
                rate, errors, p99 = wrk(target, "/api/v1/balance/delta", duration, 32, "emit.lua", env)
            stored = max(1, wrk.requests - stored_before)
            micros = (cpu_seconds(target.process.pid) - before) / stored * 1e6
        finally:
            if turn == "peer":
                target.stop()
        rates[turn].append(rate)
        cpu[turn].append(micros)
        label = "peer: bare insert" if turn == "peer" else "server: single emits"
        rows.append((f"{label}, 32 conns", f"{rate:,.0f} req/s", "", f"p99 {p99:.1f} ms",
                     f"{micros:,.0f} µs CPU a request · non-2xx {errors}" + (" ← not all stored" if errors else "")))
    mean = lambda values: sum(values) / len(values)
    rows.append(("single emits ÷ peer", f"{mean(rates['server']) / mean(rates['peer']):.2f}×", "", "",
                 f"target ≥ 2.00× · CPU a request {mean(cpu['server']):,.0f} µs vs the peer's {mean(cpu['peer']):,.0f} µs"))
    return rows
