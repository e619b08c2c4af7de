"""The keys phase of scripts/bench (issue 28): single emits with 10,000 distinct API keys in
rotation, next to the same emits with one key, on a server of its own. A tenant holds at most
100 keys (APIKeyStore.maxPerTenant), so the keys belong to 100 tenants' sandboxes; a third
run, one key per tenant over the same 100 environments, tells the cost of many keys from
the cost of many environments."""
import concurrent.futures, os, tempfile

from pacspace_harness import Server, call

TENANTS = 100
KEYS_PER_TENANT = 100


def run(binary, wrk, duration, say):
    env = {"PACSPACE_MAX_BACKLOG": "100000000", "PACSPACE_RATE_LIMIT_KEY": "1000000/s,1000000",
           # Creating 100 accounts and 10,000 keys is the setup, not what is measured.
           "PACSPACE_RATE_LIMIT_AUTH_ROUTES": "100000/s,100000", "PACSPACE_RATE_LIMIT_LOGIN": "100000/s,100000",
           "PACSPACE_RATE_LIMIT_MAIL": "100000/s,100000"}
    server = Server(binary, env=env).start()
    folder = tempfile.mkdtemp(prefix="pacspace-keys-")
    try:
        say(f"bench: {TENANTS} accounts with {KEYS_PER_TENANT} API keys each")
        accounts = [server.account() for _ in range(TENANTS)]

        def more_keys(account):
            keys = [account["key"]]
            for n in range(KEYS_PER_TENANT - 1):
                status, body = call(server.base, "POST", "/dashboard/api-keys", {"name": f"bench-{n}", "environment": "test"},
                                    account["jwt"])
                assert status == 201, body
                keys.append(body["data"]["fullKey"])
            return keys

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            per_tenant = list(pool.map(more_keys, accounts))
        files = {}
        for name, keys in (("one", [per_tenant[0][0]]), ("environments", [keys[0] for keys in per_tenant]),
                           ("keys", [key for round in zip(*per_tenant) for key in round])):
            files[name] = os.path.join(folder, name)
            with open(files[name], "w") as out:
                out.write("\n".join(keys) + "\n")
        rates = {}
        # Alternated, twice each: the machine drifts from one minute to the next.
        for name in ("one", "keys", "environments", "one", "keys", "environments"):
            rate, errors, p99 = wrk(server, "/api/v1/balance/delta", duration, 32, "emit.lua", {"PACSPACE_KEYS_FILE": files[name]})
            rates.setdefault(name, []).append((rate, errors, p99))
    finally:
        server.stop()
    mean = {name: sum(r for r, _, _ in runs) / len(runs) for name, runs in rates.items()}
    errors = {name: sum(e for _, e, _ in runs) for name, runs in rates.items()}
    p99 = {name: max(p for _, _, p in runs) for name, runs in rates.items()}
    return [
        ("single emits, one key (keys baseline)", f"{mean['one']:,.0f} deltas/s", "1.00×", f"p99 {p99['one']:.1f} ms",
         f"non-2xx {errors['one']}"),
        (f"single emits, {TENANTS} keys of {TENANTS} environments", f"{mean['environments']:,.0f} deltas/s",
         f"{mean['environments'] / mean['one']:.2f}×", f"p99 {p99['environments']:.1f} ms", f"non-2xx {errors['environments']}"),
        (f"single emits, {TENANTS * KEYS_PER_TENANT:,} keys in rotation", f"{mean['keys']:,.0f} deltas/s",
         f"{mean['keys'] / mean['one']:.2f}×", f"p99 {p99['keys']:.1f} ms",
         f"target ≥ 0.90× · non-2xx {errors['keys']} · {mean['keys'] / mean['environments']:.2f}× the {TENANTS} keys"),
    ]
