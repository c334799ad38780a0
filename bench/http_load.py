"""HTTP under load — STUB: NEEDS THE API (/api/v1, flask-smorest), which another issue is building.

What it is to measure once the API exists (issue 9, item 4): gunicorn with 2 workers on PostgreSQL;
a bounded load from a second process on loopback that fires transitions and reads inboxes; throughput
and p50/p99 latency, against a trivial endpoint (``/healthz``) on the same server, reported as ratios
measured in one run. Until then it records that it was not run, so no number is ever made up."""
from __future__ import annotations

NEEDS = "the HTTP API under /api/v1 (flask-smorest), built in another issue"


def run(**_) -> dict:
    print(f"http under load: NOT RUN, stub — needs {NEEDS}")
    return {"status": "not_run", "needs": NEEDS,
            "plan": ["start gunicorn -w 2 on a PostgreSQL database with bulk-loaded cases",
                     "a second process on 127.0.0.1 sends a bounded number of requests with a fixed concurrency: "
                     "POST .../cases/{id}/fire and GET .../inbox, and GET /healthz as the trivial baseline",
                     "report requests/s and p50/p99 latency for each, and the ratios against /healthz"]}
