"""A real PacSpace server for the end-to-end tests (scripts/pacspace_harness.py): the
built binary on a free loopback port with a fresh data directory, and a verified
account with an active testnet environment and a test API key."""
import os, sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "scripts"))
from pacspace_harness import ROOT, Server, call, free_port  # noqa: E402,F401


@pytest.fixture(scope="session")
def server():
    running = Server(env={"SEQUENCER_INTERVAL": "50"}).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def account(server):
    return server.account()
