"""The findings of issue 25 that need the server's own limits (scripts/hostile-test's other
phases lift them): guesses sent at once, the bcrypt queue's share of one address, manual
webhook retries, an environment's total, the dashboard's CSRF field and user agents. Each
runs against a server of its own with the defaults restored. Standard library only."""
import concurrent.futures, http.cookiejar, json, re, socket, time, urllib.parse, urllib.request

from pacspace_harness import PASSWORD, Server, call

DEFAULT_LIMITS = {"PACSPACE_RATE_LIMIT_LOGIN": "40/h,10", "PACSPACE_RATE_LIMIT_AUTH_FAILURES": "30/min",
                  "PACSPACE_RATE_LIMIT_AUTH_ROUTES": "60/min,30"}


def raw_post(server, path, body, source, headers=None):
    """One POST from the loopback address `source`: (status, seconds)."""
    payload = json.dumps(body).encode()
    connection = socket.socket()
    connection.bind((source, 0))
    started = time.time()
    connection.connect(("127.0.0.1", server.port))
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    connection.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra}"
                       f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
    connection.settimeout(60)
    head = connection.recv(64)
    connection.close()
    return int(head.split()[1]), time.time() - started


def email_of(jwt, server):
    return call(server.base, "GET", "/dashboard/auth/me", token=jwt)[1]["data"]["user"]["email"]


class Browser:
    """A cookie jar and the CSRF field of the last page."""

    def __init__(self, server, agent="HostileTest/1.0"):
        self.server, self.jar = server, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.agent, self.csrf = agent, ""

    def get(self, path):
        with self.opener.open(urllib.request.Request(self.server.base + path, headers={"User-Agent": self.agent})) as response:
            text = response.read().decode()
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
        self.csrf = found.group(1) if found else self.csrf
        return text

    def post(self, path, fields, csrf=None):
        data = urllib.parse.urlencode([("csrf", csrf if csrf is not None else self.csrf)] + fields).encode()
        request = urllib.request.Request(self.server.base + path, data=data, headers={"User-Agent": self.agent})
        try:
            with self.opener.open(request) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def cookie(self, name):
        return next((cookie for cookie in self.jar if cookie.name == name), None)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def probe(binary, report, check):
    """Runs each reproduction; `report(line)` prints, `check(condition, message)` fails."""
    server = Server(binary, env=dict(DEFAULT_LIMITS, PACSPACE_BCRYPT_COST="12", PACSPACE_WEBHOOK_ALLOWED_HOSTS="127.0.0.1")).start()
    try:
        jwt, tenant = server.session()
        email = email_of(jwt, server)

        # Guesses sent at once are counted before bcrypt checks them: 30 wrong passwords at once, 10 checked.
        wrong = {"email": email, "password": "wrong password!"}
        with concurrent.futures.ThreadPoolExecutor(30) as pool:
            statuses = [status for status, _ in pool.map(lambda _: raw_post(server, "/dashboard/auth/login", wrong, "127.0.0.5"),
                                                        range(30))]
        checked = statuses.count(401) + statuses.count(503)
        report(f"30 wrong logins at once: {statuses.count(401)} checked, {statuses.count(503)} refused by the bcrypt queue, "
               f"{statuses.count(429)} rate-limited")
        check(checked == 10, f"30 wrong logins at once: {checked} reached the password check")

        # One address holds 4 places in the bcrypt queue (cost 12 here: ~0.25 s a hash); another logs in meanwhile.
        strangers = [{"email": f"nobody-{index}@example.com", "password": "not the password"} for index in range(24)]
        with concurrent.futures.ThreadPoolExecutor(25) as pool:
            flood = pool.map(lambda body: raw_post(server, "/dashboard/auth/login", body, "127.0.0.7"), strangers)
            time.sleep(0.05)
            owner = pool.submit(raw_post, server, "/dashboard/auth/login", {"email": email, "password": PASSWORD}, "127.0.0.8")
            flood = list(flood)
            status, seconds = owner.result()
        refused = sum(1 for code, _ in flood if code == 503)
        report(f"24 logins at once from one address: {refused} refused at once (its share of the bcrypt queue is 4); "
               f"the owner elsewhere logged in in {seconds * 1000:.0f} ms ({status})")
        check(refused >= 12 and status == 200 and seconds < 5, f"bcrypt fairness: {refused} refused, the owner {status} in {seconds:.1f} s")

        # Manual webhook retries count with test events (10 a minute together).
        assert call(server.base, "POST", "/dashboard/contracts/provision", {"environment": "testnet"}, jwt)[0] == 201
        server.wait_active(jwt, tenant, "testnet")
        status, endpoint = call(server.base, "POST", "/dashboard/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["delta.verified"]},
                                jwt)
        check(status == 201, f"a webhook endpoint answered {status}: {endpoint}")
        event = call(server.base, "POST", f"/dashboard/webhooks/{endpoint['data']['id']}/test", {}, jwt)[1]["data"]["eventId"]
        sends = [call(server.base, "POST", f"/dashboard/webhook-deliveries/{event}/retry", {}, jwt)[0] for _ in range(10)]
        report(f"a test event and 10 manual retries: {sends.count(429)} refused (the 11th send)")
        check(sends.count(429) == 1 and sends[-1] == 429, f"manual retries: {sends}")

        # The environment's own bound names itself; a debit is still taken.
        status, key = call(server.base, "POST", "/dashboard/api-keys", {"environment": "test"}, jwt)
        headers = {"X-Api-Key": key["data"]["fullKey"]}
        for customer in ("a", "b"):
            for _ in range(2):
                item = {"customerId": customer, "delta": 1_000_000_000, "reason": "max"}
                call(server.base, "POST", "/api/v1/balance/delta/batch", {"deltas": [item] * 1000}, headers=headers)
        status, body = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "c", "delta": 1, "reason": "over"}, headers=headers)
        message = (body.get("error") or {}).get("message", "")
        debit = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "c", "delta": -1, "reason": "back"}, headers=headers)[0]
        report(f"an environment at ±4×10¹²: {status}, \"{message[:60]}…\"; a debit {debit}")
        check(status == 422 and "the environment's total" in message and debit == 201, f"the environment's bound: {status} {message}")

        # The dashboard's CSRF field is bound to the session; a page session keeps the browser's user agent.
        victim = Browser(server)
        victim.get("/app/login")
        check(victim.post("/app/login", [("email", email), ("password", PASSWORD)]) == 303, "the page login failed")
        victim.get("/app/keys")
        attacker = Browser(server, agent="Attacker/1.0")
        attacker.get("/app/login")
        planted = attacker.cookie("pacspace_csrf")
        victim.cookie("pacspace_csrf").value = planted.value
        forged = victim.post("/app/keys", [("name", "forged"), ("environment", "test")], csrf=attacker.csrf)
        sessions = call(server.base, "GET", "/dashboard/auth/sessions", token=jwt)[1]["data"]["sessions"]
        agents = sorted({session.get("userAgent") or "" for session in sessions})
        report(f"a form forged with a planted CSRF cookie: {forged}; sessions' user agents: {agents}")
        check(forged == 403, f"a forged form answered {forged}")
        check("HostileTest/1.0" in agents, f"the page session's user agent: {agents}")
    finally:
        server.stop()
