"""SIGINT and SIGTERM always stop `fairaudit serve`.  A signal used to reach
a libmicrohttpd thread now and then, leaving the main thread in pause()
and the service running.  Each signal is sent to many fresh servers, some
in the middle of requests; every one must exit cleanly within 5 s."""
import os
import signal
import threading
import time

from harness import Server, eq, expect, new_database

SERVERS_PER_SIGNAL = 8


def setup():
    return {"db": new_database()}


def busy(srv, stop):
    while not stop.is_set():
        try:
            srv.request("GET", "/healthz", timeout=5)
        except OSError:
            return


def stop_with(db, sig, load):
    srv = Server(database=db)
    stop = threading.Event()
    threads = [threading.Thread(target=busy, args=(srv, stop)) for _ in range(load)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    t0 = time.time()
    os.kill(srv.proc.pid, sig)
    try:
        rc = srv.proc.wait(5)
    except Exception:
        srv.proc.kill()
        srv.proc.wait()
        rc = None
    waited = time.time() - t0
    stop.set()
    for t in threads:
        t.join()
    srv.log.close()
    eq(rc, 0, f"exit status after {signal.Signals(sig).name} with {load} busy clients")
    expect(waited < 5, f"stopped in {waited:.2f} s")
    return waited


def test_sigint_stops_every_server(ctx):
    worst = max(stop_with(ctx["db"], signal.SIGINT, k % 4) for k in range(SERVERS_PER_SIGNAL))
    print(f"# SIGINT: {SERVERS_PER_SIGNAL} servers stopped, the slowest in {worst:.2f} s", flush=True)


def test_sigterm_stops_every_server(ctx):
    worst = max(stop_with(ctx["db"], signal.SIGTERM, k % 4) for k in range(SERVERS_PER_SIGNAL))
    print(f"# SIGTERM: {SERVERS_PER_SIGNAL} servers stopped, the slowest in {worst:.2f} s", flush=True)
