"""Shared by the scripts and the end-to-end tests: run the real `pacspace` binary on a
free loopback port with its own data directory, and set up accounts through the
Dashboard API over HTTP. Standard library only."""
import atexit, glob, json, os, re, shutil, signal, socket, subprocess, tempfile, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "correct horse battery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, token=None, headers=None):
    """One request; returns (status, parsed JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


# Servers run in their own process groups, so they outlive a script that stops early
# (a failed check exits with SystemExit): whatever is still running is killed at exit.
_running = set()


# Data directories this module made, removed at exit (a day's runs left gigabytes in /tmp);
# PACSPACE_KEEP_SCRATCH=1 keeps them, server.log included, to look into a failure.
_scratch = []


@atexit.register
def _kill_running():
    for server in list(_running):
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGKILL)
    if not os.environ.get("PACSPACE_KEEP_SCRATCH"):
        for directory in _scratch:
            shutil.rmtree(directory, ignore_errors=True)


class Server:
    """The built binary; `start` waits for /readyz. Extra environment in `env`."""

    def __init__(self, binary=None, data_dir=None, env=None, wrapper=None):
        self.binary = binary or os.environ.get("PACSPACE_BINARY", os.path.join(ROOT, ".build", "debug", "pacspace"))
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="pacspace-")
            _scratch.append(data_dir)
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Rate limits lifted: these scripts measure durability, hostility and speed from one
        # address and one key, far past what a client is allowed. The limits themselves are
        # tested at their defaults in Tests/PacSpaceServerTests/RateLimitTests.swift.
        lifted = {f"PACSPACE_RATE_LIMIT_{name}": "1000/s,1000000" for name in ("KEY", "AUTH_FAILURES", "AUTH_ROUTES", "LOGIN", "MAIL", "PAGES")}
        self.env = dict(os.environ, PACSPACE_BCRYPT_COST="4", PACSPACE_LOG_LEVEL=os.environ.get("PACSPACE_LOG_LEVEL", "warning"))
        self.env.update(lifted)
        self.env.update(env or {})
        self.process = None
        self.wrapper = wrapper or []  # e.g. strace with fault injection

    def start(self):
        log = open(os.path.join(self.data_dir, "server.log"), "a")
        # Its own process group, so that SIGKILL reaches a wrapper's children too.
        self.process = subprocess.Popen(self.wrapper + [self.binary, "serve", "--data-dir", self.data_dir, "--port", str(self.port)],
                                        env=self.env, stdout=log, stderr=log, start_new_session=True)
        _running.add(self)
        for _ in range(1000):
            try:
                if call(self.base, "GET", "/readyz")[0] == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit("server did not become ready; see " + log.name)

    def kill9(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for _ in range(500):  # until the port is free again (a traced server dies after its tracer)
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.01)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=15)

    def mail_token(self, email):
        """The token of the newest verification mail to `email` (log transport outbox)."""
        for _ in range(1000):
            for path in sorted(glob.glob(os.path.join(self.data_dir, "outbox", "*.eml")), reverse=True):
                text = open(path, newline="").read()
                match = re.search(r"token=([A-Za-z0-9_-]+)", text)
                if f"To: {email}\r\n" in text and match:
                    return match.group(1)
            time.sleep(0.01)
        raise SystemExit(f"no verification mail to {email}")

    def session(self, prefix="user"):
        """A new verified account: (access token, tenant id)."""
        email = f"{prefix}-{os.getpid()}-{time.time_ns()}@example.com"
        status, body = call(self.base, "POST", "/dashboard/auth/register",
                            {"email": email, "password": PASSWORD, "firstName": "T", "lastName": "U", "companyName": "Harness"})
        assert status == 201, body
        assert call(self.base, "GET", "/dashboard/auth/verify?token=" + self.mail_token(email))[0] == 200
        status, body = call(self.base, "POST", "/dashboard/auth/login", {"email": email, "password": PASSWORD})
        assert status == 200, body
        return body["data"]["accessToken"], body["data"]["user"]["tenantId"]

    def wait_active(self, jwt, tenant, environment):
        for _ in range(1000):
            status = call(self.base, "GET", f"/dashboard/contracts/{tenant}/status", token=jwt)[1]["data"]
            if next(e for e in status["environments"] if e["environment"] == environment)["status"] == "active":
                return
            time.sleep(0.005)
        raise SystemExit(f"{environment} did not become active")

    def account(self, environment="testnet"):
        """A verified account with an active environment and an API key for it."""
        jwt, tenant = self.session()
        assert call(self.base, "POST", "/dashboard/contracts/provision", {"environment": environment}, jwt)[0] == 201
        self.wait_active(jwt, tenant, environment)
        status, key = call(self.base, "POST", "/dashboard/api-keys",
                           {"name": "harness", "environment": "test" if environment == "testnet" else "live"}, jwt)
        assert status == 201, key
        contracts = call(self.base, "GET", "/dashboard/contracts", token=jwt)[1]["data"]
        return {"jwt": jwt, "tenant": tenant, "key": key["data"]["fullKey"], "contract": contracts[0]}


def emit_until(server, key, stop, book, number, tag):
    """A client for fault tests: emits deltas with fresh referenceIds until `stop` is set.
    `book` collects acknowledged records (`acks`: referenceId → recordId), answers by
    status, refused connections, and any 5xx other than 503 (`bad`)."""
    attempt = 0
    while not stop.is_set():
        attempt += 1
        reference = f"{tag}-f{number}-{attempt}"
        try:
            status, body = call(server.base, "POST", "/api/v1/balance/delta",
                                {"customerId": f"fault-{number}", "delta": 1, "reason": "fault", "referenceId": reference},
                                headers={"X-Api-Key": key})
        except OSError as error:  # refused, reset or timed out: the server did not answer
            book["refused"] += 1
            book.setdefault("unanswered", set()).add(type(error).__name__)
            time.sleep(0.02)
            continue
        book["statuses"][status] = book["statuses"].get(status, 0) + 1
        if status == 201:
            book["acks"][reference] = body["data"]["recordId"]
        elif status >= 500 and status != 503:
            book["bad"].append((status, body))


def confirm_acknowledged(server, key, book, name, timeout=60):
    """Every acknowledged delta of `book` is present and becomes VERIFIED; then the server
    stops and `pacspace audit` (on its data directory, or DATABASE_URL in its environment)
    must be clean. Exits with `name FAILED: …` otherwise."""
    deadline = time.time() + timeout
    for reference, record in book["acks"].items():
        while True:
            status, body = call(server.base, "GET", f"/api/v1/balance/delta/{record}", headers={"X-Api-Key": key})
            if status != 200:
                raise SystemExit(f"{name} FAILED: acknowledged delta {record} ({reference}) is gone")
            if body["data"]["status"] == "VERIFIED":
                break
            if time.time() > deadline:
                raise SystemExit(f"{name} FAILED: {record} is not VERIFIED after the faults")
            time.sleep(0.05)
    server.stop()
    audit = subprocess.run([server.binary, "audit", "--data-dir", server.data_dir], capture_output=True, text=True, env=server.env)
    if audit.returncode != 0:
        raise SystemExit(f"{name} FAILED: the audit found mismatches:\n" + audit.stdout + audit.stderr)
