"""`pacspace keys` on a real data directory, the way the README's "Rotating keys" tells an
operator to: rotate, restart, reseal, retire — the server signs and opens its secrets at
every step, and the commands refuse the steps that would lose something."""
import os, subprocess

from pacspace_sdk import PacSpace

from conftest import Server, call


def keys(server, *args, env=None):
    result = subprocess.run([server.binary, "keys", *args, "--data-dir", server.data_dir], capture_output=True, text=True,
                            timeout=120, env=env)
    return result.returncode, result.stdout + result.stderr


def ring(server, name):
    return open(os.path.join(server.data_dir, name)).read().split()


def verified(server, key, reference):
    pac = PacSpace(key, base_url=server.base, max_retries=0)
    return pac.balance.wait_for_verified(pac.balance.emit("c", 1, reference)["recordId"], {"timeout": 10_000, "pollInterval": 50})


def test_master_and_jwt_keys_rotate_without_losing_anything():
    server = Server(env={"SEQUENCER_INTERVAL": "20"}).start()
    test = server.account()
    verified(server, test["key"], "before")
    server.stop()

    code, out = keys(server, "status")
    assert code == 0 and "1 value(s)" in out, out
    (old,) = ring(server, "master.key")
    (old_jwt,) = ring(server, "jwt.key")

    code, out = keys(server, "rotate", "master")
    assert code == 0, out
    new, retired = ring(server, "master.key")
    assert retired == old and new != old
    code, out = keys(server, "retire", "master")
    assert code != 0 and "pacspace keys reseal" in out, "the environment's signing key is still sealed by the old key: " + out

    # Restarted with the ring: the retired key still opens the signing key.
    server.start()
    verified(server, test["key"], "rotated")
    server.stop()

    code, out = keys(server, "reseal")
    assert code == 0 and "done: 1 value(s) sealed again" in out, out
    code, out = keys(server, "retire", "master")
    assert code == 0, out
    assert ring(server, "master.key") == [new]

    code, out = keys(server, "rotate", "jwt")
    assert code == 0, out
    assert ring(server, "jwt.key")[1] == old_jwt
    code, out = keys(server, "retire", "jwt")
    assert code != 0 and "may still be valid" in out, "an access token lives 15 minutes: " + out

    server.start()
    assert call(server.base, "GET", "/dashboard/auth/me", token=test["jwt"])[0] == 200, "a token of the retired JWT key, unexpired"
    verified(server, test["key"], "retired")
    server.stop()

    code, out = keys(server, "rotate", "master", env=dict(os.environ, PACSPACE_MASTER_KEY="00" * 32))
    assert code != 0 and "comes from the environment" in out, out
    assert ring(server, "master.key") == [new]
