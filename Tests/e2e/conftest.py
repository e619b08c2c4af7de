"""A real PacSpace server for the end-to-end tests: the built binary on a free loopback
port with a fresh data directory, and a verified account with an active testnet
environment and a test API key, made through the Dashboard API over HTTP."""
import glob, json, os, re, signal, socket, subprocess, tempfile, time, urllib.error, urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Server:
    def __init__(self):
        self.data_dir = tempfile.mkdtemp(prefix="pacspace-e2e-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        binary = os.environ.get("PACSPACE_BINARY", os.path.join(ROOT, ".build", "debug", "pacspace"))
        env = dict(os.environ, PACSPACE_BCRYPT_COST="4", SEQUENCER_INTERVAL="50", PACSPACE_LOG_LEVEL="warning")
        self.log = open(os.path.join(self.data_dir, "server.log"), "w")
        self.process = subprocess.Popen([binary, "serve", "--data-dir", self.data_dir, "--port", str(self.port)],
                                        env=env, stdout=self.log, stderr=self.log)
        for _ in range(500):
            try:
                if call(self.base, "GET", "/readyz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("server did not start; see " + self.log.name)

    def mail_token(self, email):
        for _ in range(500):
            for path in glob.glob(os.path.join(self.data_dir, "outbox", "*.eml")):
                text = open(path, newline="").read()
                match = re.search(r"token=([A-Za-z0-9_-]+)", text)
                if f"To: {email}\r\n" in text and match:
                    return match.group(1)
            time.sleep(0.01)
        raise RuntimeError("no verification mail")

    def account(self, environment="testnet"):
        email = f"sdk-{time.time_ns()}@example.com"
        password = "correct horse battery"
        assert call(self.base, "POST", "/dashboard/auth/register",
                    {"email": email, "password": password, "firstName": "S", "lastName": "D", "companyName": "SDK"})[0] == 201
        assert call(self.base, "GET", "/dashboard/auth/verify?token=" + self.mail_token(email))[0] == 200
        session = call(self.base, "POST", "/dashboard/auth/login", {"email": email, "password": password})[1]["data"]
        jwt, tenant = session["accessToken"], session["user"]["tenantId"]
        assert call(self.base, "POST", "/dashboard/contracts/provision", {"environment": environment}, jwt)[0] == 201
        for _ in range(500):
            status = call(self.base, "GET", f"/dashboard/contracts/{tenant}/status", token=jwt)[1]["data"]
            if next(e for e in status["environments"] if e["environment"] == environment)["status"] == "active":
                break
            time.sleep(0.01)
        key = call(self.base, "POST", "/dashboard/api-keys",
                   {"name": "sdk e2e", "environment": "test" if environment == "testnet" else "live"}, jwt)[1]["data"]
        contracts = call(self.base, "GET", "/dashboard/contracts", token=jwt)[1]["data"]
        return {"jwt": jwt, "tenant": tenant, "key": key["fullKey"], "contract": contracts[0]}

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=15)


@pytest.fixture(scope="session")
def server():
    running = Server()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def account(server):
    return server.account()
