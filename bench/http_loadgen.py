"""The load generator of the HTTP benchmark: its own process, standard library only (threads and
``http.client``), so it shares nothing with the server but the loopback interface.

``python -m bench.http_loadgen SPEC.json OUT.json`` (``bench/http_load.py`` writes the spec and starts it).
It runs phases of one request kind each, in rounds, then one mixed phase; every phase stops by itself
at its time limit or its request count, whichever comes first. Kinds:

- ``healthz``: ``GET /healthz``, the trivial endpoint (one ``SELECT 1``), the baseline;
- ``inbox``: ``GET /api/v1/cases?open=true&role=clinical_manager`` as one of the managers, in turn;
- ``fire``: the next step of a sign-off through ``POST /api/v1/cases/<id>/triggers/<trigger>`` with
  ``If-Match``: ``record_meeting`` by the manager, ``sign`` by the practitioner, ``sign`` by the manager
  (which also fires ``complete_signatures``). Each thread owns its own cases and sends the ETag of the
  previous answer, so no two requests ever race on a case: a 409 here would be a bug, not contention.

It writes every latency (seconds) with its status, per phase, and the CPU time the server's workers
and this process spent in each phase (from /proc); the caller summarises."""
from __future__ import annotations

import http.client
import json
import os
import sys
import threading
import time

KINDS = ("healthz", "inbox", "fire")
INBOX_PATH = "/api/v1/cases?open=true&role=clinical_manager"


class Client:
    """One keep-alive-if-offered connection per thread (gunicorn's sync workers close after each answer;
    ``http.client`` then reconnects by itself on the next request)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None):
        """(status, headers, body); a transport failure is ``("exc:<Name>", {}, b"")`` and a new connection."""
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
            if resp.will_close:
                self.conn.close()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            return f"exc:{type(exc).__name__}", {}, b""


class Worker:
    """A thread's state across phases: its connection, its cases and how far each has gone."""

    def __init__(self, spec: dict, index: int):
        self.spec = spec
        self.index = index
        self.client = Client(spec["host"], spec["port"])
        self.cases = spec["cases"][index::spec["concurrency"]]
        self.case_pos = 0  # the case this thread is on
        self.inbox_turn = index
        self.fired: dict[int, list] = {}  # case id -> [(trigger, as, status)]
        self.errors: list[dict] = []

    # each op returns (kind, status) after sending one request, or None when there is nothing left to do
    def healthz(self):
        status, _, body = self.client.request("GET", "/healthz", {})
        self._note_error("healthz", status, body)
        return status

    def inbox(self):
        managers = self.spec["managers"]
        token = managers[self.inbox_turn % len(managers)]
        self.inbox_turn += 1
        status, _, body = self.client.request("GET", INBOX_PATH, {"Authorization": f"Bearer {token}"})
        self._note_error("inbox", status, body)
        return status

    def fire(self):
        steps = self.spec["steps"]
        while self.case_pos < len(self.cases):
            case = self.cases[self.case_pos]
            done = self.fired.setdefault(case["id"], [])
            if len(done) >= len(steps) or (done and not _ok(done[-1][2])):
                self.case_pos += 1  # finished, or refused once: leave it (and count the refusal)
                continue
            trigger, who, payload = steps[len(done)]
            body = json.dumps({"payload": payload}).encode()
            status, headers, data = self.client.request(
                "POST", f"/api/v1/cases/{case['id']}/triggers/{trigger}",
                {"Authorization": f"Bearer {case[who]}", "If-Match": case["etag"], "Content-Type": "application/json"},
                body)
            done.append((trigger, who, status))
            if _ok(status):
                case["etag"] = headers.get("etag", case["etag"])
            self._note_error("fire", status, data)
            return status
        return None  # this thread's cases are all done

    def _note_error(self, kind, status, body):
        if not _ok(status) and len(self.errors) < 20:
            self.errors.append({"kind": kind, "status": status, "body": body[:500].decode("utf-8", "replace")})


def _ok(status) -> bool:
    return isinstance(status, int) and 200 <= status < 300


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (Linux /proc; 0 for one that cannot be read)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def run_phase(workers: list[Worker], kinds: tuple[str, ...], seconds: float, max_requests: int,
              server_pids: list[int] = ()) -> dict:
    """All threads start together; each sends requests one after another (cycling through ``kinds``)
    until the phase's time is up or ``max_requests`` have been sent in all."""
    lock = threading.Lock()
    sent = [0]
    start = threading.Barrier(len(workers) + 1)
    samples: dict[str, list] = {k: [] for k in kinds}  # kind -> [(seconds, status)]
    exhausted = []
    t0_box = [0.0]

    def loop(w: Worker):
        out = {k: [] for k in kinds}
        start.wait()
        t_end = t0_box[0] + seconds
        i = 0
        while time.perf_counter() < t_end:
            with lock:
                if sent[0] >= max_requests:
                    break
                sent[0] += 1
            kind = kinds[i % len(kinds)]
            i += 1
            t = time.perf_counter()
            status = getattr(w, kind)()
            if status is None:  # no cases left for this thread
                exhausted.append(w.index)
                with lock:
                    sent[0] -= 1
                break
            out[kind].append((time.perf_counter() - t, status))
        with lock:
            for k, v in out.items():
                samples[k].extend(v)

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    server0, own0 = cpu_seconds(server_pids), time.process_time()
    t0_box[0] = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0_box[0]
    return {"kinds": list(kinds), "elapsed_s": elapsed, "samples": samples, "threads_out_of_cases": sorted(exhausted),
            "server_cpu_s": cpu_seconds(server_pids) - server0, "loadgen_cpu_s": time.process_time() - own0}


def main(spec_path: str, out_path: str) -> int:
    with open(spec_path) as f:
        spec = json.load(f)
    workers = [Worker(spec, i) for i in range(spec["concurrency"])]
    # Warm-up, not recorded: every worker process imports, connects its pool and loads the policies.
    run_phase(workers, ("healthz", "inbox"), seconds=spec["warmup_seconds"], max_requests=spec["warmup_requests"])
    pids = spec.get("server_pids", [])
    phases = []
    for r in range(spec["rounds"]):
        order = KINDS[r % len(KINDS):] + KINDS[:r % len(KINDS)]  # rotate, so no kind always goes first
        for kind in order:
            res = run_phase(workers, (kind,), spec["phase_seconds"], spec["phase_requests"], pids)
            phases.append({"phase": kind, "round": r, **res})
            print(f"  round {r + 1} {kind}: {sum(len(v) for v in res['samples'].values())} requests in "
                  f"{res['elapsed_s']:.1f} s", flush=True)
    if spec["mixed_seconds"] > 0:
        res = run_phase(workers, KINDS[::-1], spec["mixed_seconds"], spec["mixed_requests"], pids)
        phases.append({"phase": "mixed", "round": 0, **res})
        print(f"  mixed: {sum(len(v) for v in res['samples'].values())} requests in {res['elapsed_s']:.1f} s",
              flush=True)
    fired = {cid: steps for w in workers for cid, steps in w.fired.items()}
    errors = [e for w in workers for e in w.errors]
    with open(out_path, "w") as f:
        json.dump({"phases": phases, "fired": fired, "errors": errors[:20]}, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
