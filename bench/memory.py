"""Memory and start-up.

1. Many open cases (100,000 by default, bulk-inserted): fire a transition on many *different* cases
   under ``tracemalloc`` and read the traced memory at checkpoints. With one shared machine per policy
   version and nothing kept per case, memory does not grow with the number of cases touched.
2. Time to load the policy file and to build each workflow's shared machine.
3. What a ``transitions.Machine`` per case would cost (time and memory each), against firing through
   the shared machine: the reason the engine shares one."""
from __future__ import annotations

import gc
import statistics
import time
import tracemalloc

from transitions import Machine

from workflow.engine import Engine, build_machine
from workflow.policy.loader import load_policy_file

from . import bulk
from .common import NOW, POLICY_DIR, actor, fresh_engine, make_trust, service


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def touched_cases(url: str, cases: int, touch: int) -> dict:
    eng = fresh_engine(url)
    svc = service(eng)
    trust = make_trust(svc.session)
    plan = svc.create_job_plan(actor(trust.manager), trust.doctor.id, {"schedule": []})
    first, last = bulk.insert_cases(eng, cases, state="draft", subject_id=trust.doctor.id,
                                    manager_id=trust.manager.id, job_plan_id=plan.id, at=NOW)
    manager = actor(trust.manager)
    warm = 300
    step = max(1, cases // (touch + warm))  # spread the touched cases over the whole table
    ids = iter(range(first, last + 1, step))
    for _ in range(warm):  # warm caches (compiled SQL, payload schemas, time zones) before measuring
        svc.fire(manager, next(ids), "record_meeting", {"meeting_date": "2027-02-25"})
    checkpoints = sorted({max(1, touch // 6), touch // 2, touch})
    tracemalloc.start()
    base = _traced()
    points = []
    done = 0
    t0 = time.perf_counter()
    for cp in checkpoints:
        while done < cp:
            svc.fire(manager, next(ids), "record_meeting", {"meeting_date": "2027-02-25"})
            done += 1
        points.append({"cases_touched": done, "traced_bytes_over_base": _traced() - base})
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    machines = svc.engine.machine_count
    svc.session.close()
    eng.dispose()
    (c1, m1), (c2, m2), (c3, m3) = [(p["cases_touched"], p["traced_bytes_over_base"]) for p in points]
    return {"database": eng.dialect.name, "open_cases": cases, "checkpoints": points,
            "growth_bytes_per_case_touched": (m3 - m1) / (c3 - c1),
            "growth_bytes_per_case_touched_second_half": (m3 - m2) / (c3 - c2), "peak_bytes_over_base": peak,
            "machines_built": machines, "seconds_firing_under_tracemalloc": elapsed}


def startup(repeat: int = 30) -> dict:
    path = next(iter(sorted(POLICY_DIR.glob("*.yaml"))))
    loads = []
    for _ in range(max(3, repeat // 5)):
        t0 = time.perf_counter()
        policy = load_policy_file(path)
        loads.append(time.perf_counter() - t0)
    builds = {}
    for name, wf in policy.workflows.items():
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            build_machine(wf)
            samples.append(time.perf_counter() - t0)
        builds[name] = statistics.median(samples) * 1e3
    return {"policy": policy.id, "load_policy_file_ms": statistics.median(loads) * 1e3,
            "build_machine_ms": builds, "build_all_machines_ms": sum(builds.values())}


class _Model:
    pass


def machine_per_case(n: int = 1000) -> dict:
    """N cases each with their own Machine, against N fires through one shared machine."""
    policy = load_policy_file(next(iter(sorted(POLICY_DIR.glob("*.yaml")))))
    wf = policy.workflow("sign_off")
    kw = dict(states=[s.name for s in wf.states],
              transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in wf.transitions],
              initial=wf.initial, auto_transitions=False, model_attribute="state")
    def build(n):
        kept = []
        for _ in range(n):
            m = _Model()
            Machine(model=m, **kw)
            kept.append(m)
        return kept

    gc.collect()
    t0 = time.perf_counter()
    kept = build(n)
    per_case_s = (time.perf_counter() - t0) / n
    del kept
    gc.collect()
    tracemalloc.start()  # memory apart from time: tracing slows the code it traces
    base = _traced()
    kept = build(n)
    per_case_bytes = (_traced() - base) / n
    del kept
    tracemalloc.stop()

    engine = Engine()
    engine.fire(policy, "sign_off", "draft", "record_meeting")  # build it once
    t0 = time.perf_counter()
    for _ in range(n):
        engine.fire(policy, "sign_off", "draft", "record_meeting")
    shared_s = (time.perf_counter() - t0) / n
    return {"cases": n, "machine_per_case_ms": per_case_s * 1e3, "machine_per_case_bytes": per_case_bytes,
            "shared_machine_fire_ms": shared_s * 1e3,
            "memory_for_100k_cases_with_own_machine_mb": per_case_bytes * 100_000 / 2**20}


def run(urls: dict[str, str], cases: int, touch: int) -> dict:
    out = {"startup": startup(), "machine_per_case": machine_per_case(), "touched": {}}
    s = out["startup"]
    print(f"start-up: load {s['policy']} {s['load_policy_file_ms']:.1f} ms; build machines "
          + ", ".join(f"{k} {v:.2f} ms" for k, v in s["build_machine_ms"].items()))
    m = out["machine_per_case"]
    print(f"a Machine per case: {m['machine_per_case_ms']:.3f} ms and {m['machine_per_case_bytes'] / 1024:.1f} KiB "
          f"each ({m['memory_for_100k_cases_with_own_machine_mb']:.0f} MiB for 100,000 cases); firing through the "
          f"shared machine {m['shared_machine_fire_ms']:.3f} ms and nothing kept per case")
    for name, url in urls.items():
        r = touched_cases(url, cases, touch)
        out["touched"][name] = r
        pts = ", ".join(f"{p['cases_touched']}: {p['traced_bytes_over_base'] / 1024:.0f} KiB" for p in r["checkpoints"])
        print(f"memory [{name}] {cases:,} open cases, traced memory after touching N cases ({pts}); growth "
              f"{r['growth_bytes_per_case_touched']:.1f} bytes per case touched overall, "
              f"{r['growth_bytes_per_case_touched_second_half']:.1f} in the second half; machines built: "
              f"{r['machines_built']}")
    return out
