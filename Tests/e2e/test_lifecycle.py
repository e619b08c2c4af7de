"""Process-level behaviour: graceful shutdown does not wait out the sequencer interval."""
import signal, subprocess, time

from conftest import Server, call


def test_sigterm_stops_promptly_even_with_a_long_sequencer_interval():
    server = Server(env={"SEQUENCER_INTERVAL": "60000"}).start()
    account = server.account()
    status, _ = call(server.base, "POST", "/api/v1/balance/delta", {"customerId": "c", "delta": 1, "reason": "r"},
                     headers={"X-Api-Key": account["key"]})
    assert status == 201
    time.sleep(0.2)  # the sequencer has run its round and now waits out the 60 s interval
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        raise AssertionError("SIGTERM did not stop the server within 10 s")
    assert server.process.returncode == 0
