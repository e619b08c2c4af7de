"""Webhooks end to end: a real local receiver checks every delivery with the official
SDK's Webhooks.verify_from_headers; it is stopped while events happen (and the server is
killed with SIGKILL meanwhile), and after it comes back it gets every event. The SDK's
list_webhook_deliveries and retry_webhook read the delivery log and resend."""
import threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pacspace_sdk import PacSpace, Webhooks, WebhookVerificationError

from conftest import Server, call, free_port


class Receiver:
    """A local HTTP endpoint that verifies each delivery with every secret it is given."""

    def __init__(self, port):
        self.port, self.url = port, f"http://127.0.0.1:{port}/hook"
        self.secrets, self.events, self.copies, self.rejected = [], {}, {}, []
        self.httpd = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                try:
                    # During a rotation overlap the delivery must verify under old and new secret alike.
                    events = [Webhooks(secret).verify_from_headers(dict(self.headers), raw) for secret in receiver.secrets]
                except WebhookVerificationError as error:
                    receiver.rejected.append(str(error))
                    self.send_response(400)
                    self.end_headers()
                    return
                event = events[0]
                assert event["id"] == self.headers["X-Event-ID"] and event["event"] == self.headers["X-Webhook-Event"]
                receiver.events[event["id"]] = event
                receiver.copies[event["id"]] = receiver.copies.get(event["id"], 0) + 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def of(self, kind):
        return [event for event in self.events.values() if event["event"] == kind]

    def wait(self, what, condition, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.05)
        raise AssertionError(f"the receiver did not get {what}; it has {sorted(e['event'] for e in self.events.values())}")


def test_a_receiver_down_for_a_while_gets_every_event_after_it_comes_back():
    env = {"SEQUENCER_INTERVAL": "50", "PACSPACE_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "PACSPACE_WEBHOOK_BACKOFF_MS": "200,1000"}
    server = Server(env=env).start()
    receiver = Receiver(free_port()).start()
    try:
        jwt, tenant = server.session()
        status, endpoint = call(server.base, "POST", "/dashboard/webhooks", {"url": receiver.url}, jwt)
        assert status == 201, endpoint
        endpoint_id, first_secret = endpoint["data"]["id"], endpoint["data"]["secret"]
        receiver.secrets = [first_secret]
        assert call(server.base, "POST", "/dashboard/contracts/provision", {"environment": "testnet"}, jwt)[0] == 201
        server.wait_active(jwt, tenant, "testnet")
        key = call(server.base, "POST", "/dashboard/api-keys", {"environment": "test"}, jwt)[1]["data"]["fullKey"]
        pac = PacSpace(key, base_url=server.base, max_retries=0)
        receiver.wait("environment.provisioned", lambda: receiver.of("environment.provisioned"))

        emitted = [pac.balance.emit(f"cust-{i % 3}", 1.5, f"usage {i}", {"referenceId": f"wh-{i}"})["recordId"] for i in range(5)]
        receiver.wait("the first five delta.verified", lambda: len(receiver.of("delta.verified")) == 5)

        # The receiver goes away; events keep happening and wait in the outbox.
        receiver.stop()
        emitted += [pac.balance.emit("cust-down", -0.25, f"refund {i}")["recordId"] for i in range(10)]
        checkpoint = pac.balance.checkpoint("cust-down")
        deadline = time.time() + 20
        pending = []
        while time.time() < deadline and not any(d["attempts"] >= 2 for d in pending):
            time.sleep(0.2)
            pending = pac.balance.list_webhook_deliveries({"status": "pending", "limit": 100})["deliveries"]
        assert len(pending) == 11, "ten deltas and the checkpoint wait for the receiver"
        assert any(d["attempts"] >= 2 and d["lastError"] and d["history"] for d in pending), pending[:1]
        assert all(d["status"] in ("QUEUED", "PROCESSING") for d in pending)

        # The server is killed too, and restarted: the outbox is durable.
        server.kill9()
        server.start()
        # A rotation while deliveries wait: the next attempts carry both signatures.
        status, rotated = call(server.base, "POST", f"/dashboard/webhooks/{endpoint_id}/rotate-secret", None, jwt)
        assert status == 200, rotated
        receiver.secrets = [rotated["data"]["secret"], first_secret]

        receiver.start()
        # A delivery leased when the server was killed is taken up once its lease (20 s) runs out.
        receiver.wait("every delta.verified", lambda: len(receiver.of("delta.verified")) == 15, seconds=45)
        receiver.wait("checkpoint.verified", lambda: receiver.of("checkpoint.verified"))
        assert sorted(e["data"]["recordId"] for e in receiver.of("delta.verified")) == sorted(emitted)
        assert receiver.of("checkpoint.verified")[0]["data"]["proofRoot"] == checkpoint["proofRoot"]
        assert receiver.rejected == []

        log = pac.balance.list_webhook_deliveries({"limit": 100})
        assert log["total"] == 17 and all(d["status"] == "VERIFIED" and d["state"] == "delivered" for d in log["deliveries"])
        assert pac.balance.list_webhook_deliveries({"status": "pending"})["deliveries"] == []

        # A manual retry resends the same event.
        event_id = receiver.of("delta.verified")[0]["id"]
        copies = receiver.copies[event_id]
        retried = pac.balance.retry_webhook(event_id)
        assert retried["eventId"] == event_id and retried["scheduled"] == 1
        receiver.wait("the retried event", lambda: receiver.copies[event_id] > copies)
        assert receiver.rejected == []
    finally:
        receiver.stop()
        server.stop()
