"""A peer, side by side (issue 19, item 4): the same sign-off in SpiffWorkflow, stored the way SpiffArena stores
its process instances, in the same PostgreSQL as ours, measured in one run.

Needs the ``bench`` extra (``pip install -e '.[bench]'``: SpiffWorkflow, pinned); PostgreSQL only.

The workflow (``bench/peer_signoff.bpmn``): record the meeting -> both sign (practitioner and clinical manager in
parallel, in a sub-process that carries the clock) -> second level -> governance -> agreed, with the 28-day sign-off
timer and a reminder 7 days before it as non-interrupting timer boundary events on the signing sub-process. Ours is
``svc.fire`` on the cpft-medical-2017 sign-off: record_meeting, sign (practitioner), sign (manager, which fires
complete_signatures itself), approve_second_level, accept_governance_check.

How SpiffArena stores an instance (spiffworkflow-backend models, read at spiff-arena d7678cf7): a
``process_instance`` row; a ``bpmn_process`` row per (sub)process with the serialized workflow's top-level
properties as JSON; one ``task`` row per task of the serialized workflow (its serialized properties as JSON, the
task data content-addressed in ``json_data`` by sha256 and shared between rows; predicted MAYBE/LIKELY tasks are
not stored); the definitions once in ``bpmn_process_definition`` / ``task_definition``; a ``future_task`` row per
waiting timer (guid, run_at_in_seconds, ...) that the background scheduler polls; ``human_task`` rows for the
user tasks; ``process_instance_event`` per completed task; ``process_instance_queue`` to lock an instance while it
runs. The tables here are written from those models (columns and the indexes they declare), in a schema ``spiff``
of the same database as ours. The save path below does what TaskService does: load the instance's rows, rebuild the
serialized dict, ``BpmnWorkflowSerializer.from_dict``, run the user task and the engine steps, ``to_dict``, then
write only what changed (new tasks inserted, changed ones updated, gone ones deleted, json_data insert-or-ignore,
future_task upsert, human_task, the event, the instance). It is a reproduction of that persistence, not SpiffArena
itself (its Flask app, Celery, users and permissions are not run), and it keeps the parsed spec in memory, which
favours the peer.

Measured: time and SQL statements per step (a SQLAlchemy ``before_cursor_execute`` + ``commit`` listener on each
engine); bytes stored per open case (rows of real instances after the meeting, and whole tables with indexes per
case at each bulk size); finding the due timers among N open instances (SpiffArena's ``imminent_future_tasks``
query vs our ``due_query``), and our whole ``svc.sweep`` of the due ones vs SpiffArena's timer path for the due ones
(load, ``refresh_waiting_tasks``, engine steps, save)."""
from __future__ import annotations

import hashlib
import json
import statistics
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, text

from workflow.service.sweep import due_query

from . import sweep_scaling
from .common import NOW, actor, fresh_engine, make_trust, service, summary

BPMN = Path(__file__).resolve().parent / "peer_signoff.bpmn"
SCHEMA = "spiff"
STEPS = ("start", "record_meeting", "practitioner_sign", "manager_sign", "second_level", "governance")
OURS = {"record_meeting": ("manager", "record_meeting", {"meeting_date": "2027-02-25"}),
        "practitioner_sign": ("doctor", "sign", None), "manager_sign": ("manager", "sign", None),
        "second_level": ("amd", "approve_second_level", None),
        "governance": ("directorate", "accept_governance_check", None)}
THEIRS = {"record_meeting": {"meeting_date": "2027-02-25"}, "practitioner_sign": {"signed": True},
          "manager_sign": {"signed": True}, "second_level": {"approved": True}, "governance": {"accepted": True}}

DDL = f"""
DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
CREATE SCHEMA {SCHEMA};
SET search_path TO {SCHEMA};
CREATE TABLE bpmn_process_definition (id serial PRIMARY KEY, single_process_hash varchar(255) NOT NULL,
  full_process_model_hash varchar(255) UNIQUE, bpmn_identifier varchar(255) NOT NULL, bpmn_name varchar(255),
  properties_json json NOT NULL, bpmn_version_control_type varchar(50), bpmn_version_control_identifier varchar(255),
  updated_at_in_seconds integer, created_at_in_seconds integer);
CREATE INDEX ix_bpd_single_process_hash ON bpmn_process_definition (single_process_hash);
CREATE INDEX ix_bpd_bpmn_identifier ON bpmn_process_definition (bpmn_identifier);
CREATE INDEX ix_bpd_bpmn_name ON bpmn_process_definition (bpmn_name);
CREATE TABLE task_definition (id serial PRIMARY KEY,
  bpmn_process_definition_id integer NOT NULL REFERENCES bpmn_process_definition(id),
  bpmn_identifier varchar(255) NOT NULL, bpmn_name varchar(255), typename varchar(255) NOT NULL,
  properties_json json NOT NULL, updated_at_in_seconds integer, created_at_in_seconds integer,
  UNIQUE (bpmn_process_definition_id, bpmn_identifier));
CREATE INDEX ix_td_bpd ON task_definition (bpmn_process_definition_id);
CREATE INDEX ix_td_bpmn_identifier ON task_definition (bpmn_identifier);
CREATE INDEX ix_td_bpmn_name ON task_definition (bpmn_name);
CREATE INDEX ix_td_typename ON task_definition (typename);
CREATE TABLE json_data (hash varchar(255) PRIMARY KEY, data json NOT NULL);
CREATE TABLE bpmn_process (id serial PRIMARY KEY, guid varchar(36) UNIQUE,
  bpmn_process_definition_id integer NOT NULL REFERENCES bpmn_process_definition(id),
  top_level_process_id integer REFERENCES bpmn_process(id), direct_parent_process_id integer REFERENCES bpmn_process(id),
  properties_json json NOT NULL, json_data_hash varchar(255) NOT NULL,
  start_in_seconds numeric(17,6), end_in_seconds numeric(17,6));
CREATE INDEX ix_bp_bpd ON bpmn_process (bpmn_process_definition_id);
CREATE INDEX ix_bp_top ON bpmn_process (top_level_process_id);
CREATE INDEX ix_bp_parent ON bpmn_process (direct_parent_process_id);
CREATE INDEX ix_bp_json_data_hash ON bpmn_process (json_data_hash);
CREATE TABLE process_instance (id serial PRIMARY KEY, process_model_identifier varchar(255) NOT NULL,
  process_model_display_name varchar(255) NOT NULL, summary varchar(255), process_initiator_id integer NOT NULL,
  bpmn_process_definition_id integer REFERENCES bpmn_process_definition(id),
  bpmn_process_id integer REFERENCES bpmn_process(id), spiff_serializer_version varchar(50),
  start_in_seconds integer, end_in_seconds integer, task_updated_at_in_seconds integer, status varchar(50),
  updated_at_in_seconds integer, created_at_in_seconds integer, bpmn_version_control_type varchar(50),
  bpmn_version_control_identifier varchar(255), last_milestone_bpmn_name varchar(255));
CREATE INDEX ix_pi_pmi ON process_instance (process_model_identifier);
CREATE INDEX ix_pi_pmdn ON process_instance (process_model_display_name);
CREATE INDEX ix_pi_summary ON process_instance (summary);
CREATE INDEX ix_pi_initiator ON process_instance (process_initiator_id);
CREATE INDEX ix_pi_bpd ON process_instance (bpmn_process_definition_id);
CREATE INDEX ix_pi_bp ON process_instance (bpmn_process_id);
CREATE INDEX ix_pi_start ON process_instance (start_in_seconds);
CREATE INDEX ix_pi_end ON process_instance (end_in_seconds);
CREATE INDEX ix_pi_status ON process_instance (status);
CREATE INDEX ix_pi_milestone ON process_instance (last_milestone_bpmn_name);
CREATE TABLE process_instance_queue (id serial PRIMARY KEY,
  process_instance_id integer NOT NULL UNIQUE REFERENCES process_instance(id), priority integer,
  locked_by varchar(80), locked_at_in_seconds integer, status varchar(50), run_at_in_seconds integer,
  updated_at_in_seconds integer, created_at_in_seconds integer);
CREATE INDEX ix_piq_locked_by ON process_instance_queue (locked_by);
CREATE INDEX ix_piq_locked_at ON process_instance_queue (locked_at_in_seconds);
CREATE INDEX ix_piq_status ON process_instance_queue (status);
CREATE TABLE task (guid varchar(36) PRIMARY KEY, bpmn_process_id integer NOT NULL REFERENCES bpmn_process(id),
  process_instance_id integer NOT NULL REFERENCES process_instance(id),
  task_definition_id integer NOT NULL REFERENCES task_definition(id), state varchar(10) NOT NULL,
  properties_json json NOT NULL, json_data_hash varchar(255) NOT NULL, python_env_data_hash varchar(255) NOT NULL,
  runtime_info json, start_in_seconds numeric(17,6), end_in_seconds numeric(17,6));
CREATE UNIQUE INDEX ix_task_guid ON task (guid);
CREATE INDEX ix_task_bp ON task (bpmn_process_id);
CREATE INDEX ix_task_pi ON task (process_instance_id);
CREATE INDEX ix_task_td ON task (task_definition_id);
CREATE INDEX ix_task_state ON task (state);
CREATE INDEX ix_task_json_data_hash ON task (json_data_hash);
CREATE INDEX ix_task_python_env_data_hash ON task (python_env_data_hash);
CREATE TABLE future_task (guid varchar(36) PRIMARY KEY REFERENCES task(guid) ON DELETE CASCADE,
  run_at_in_seconds integer NOT NULL, queued_to_run_at_in_seconds integer, completed boolean NOT NULL DEFAULT false,
  archived_for_process_instance_status boolean NOT NULL DEFAULT false, updated_at_in_seconds integer NOT NULL);
CREATE INDEX ix_ft_run_at ON future_task (run_at_in_seconds);
CREATE INDEX ix_ft_queued ON future_task (queued_to_run_at_in_seconds);
CREATE INDEX ix_ft_completed ON future_task (completed);
CREATE INDEX ix_ft_archived ON future_task (archived_for_process_instance_status);
CREATE TABLE human_task (id serial PRIMARY KEY, process_instance_id integer NOT NULL REFERENCES process_instance(id),
  lane_assignment_id integer, completed_by_user_id integer, actual_owner_id integer, form_file_name varchar(255),
  ui_form_file_name varchar(255), updated_at_in_seconds integer, created_at_in_seconds integer,
  task_guid varchar(36) REFERENCES task(guid), task_id varchar(50), task_name varchar(255), task_title varchar(255),
  task_type varchar(50), task_status varchar(50), process_model_display_name varchar(255),
  bpmn_process_identifier varchar(255), lane_name varchar(255), json_metadata json,
  completed boolean NOT NULL DEFAULT false);
CREATE INDEX ix_ht_pi ON human_task (process_instance_id);
CREATE INDEX ix_ht_lane ON human_task (lane_assignment_id);
CREATE INDEX ix_ht_completed_by ON human_task (completed_by_user_id);
CREATE INDEX ix_ht_owner ON human_task (actual_owner_id);
CREATE INDEX ix_ht_task_guid ON human_task (task_guid);
CREATE INDEX ix_ht_completed ON human_task (completed);
CREATE TABLE process_instance_event (id serial PRIMARY KEY, task_guid varchar(36),
  process_instance_id integer NOT NULL REFERENCES process_instance(id), event_type varchar(50) NOT NULL,
  timestamp numeric(17,6) NOT NULL, user_id integer);
CREATE INDEX ix_pie_task_guid ON process_instance_event (task_guid);
CREATE INDEX ix_pie_pi ON process_instance_event (process_instance_id);
CREATE INDEX ix_pie_type ON process_instance_event (event_type);
CREATE INDEX ix_pie_ts ON process_instance_event (timestamp);
CREATE INDEX ix_pie_user ON process_instance_event (user_id);
"""
SPIFF_TABLES = ("process_instance", "process_instance_queue", "bpmn_process", "task", "json_data", "future_task",
                "human_task", "process_instance_event")
OUR_TABLES = ("workflow_case", "event", "deadline", "outbox", "case_participant")


def _hash(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


_SENT: dict[int, list] = {}


def _counting(eng):
    """A list that grows by one for every statement sent on ``eng`` (BEGIN/COMMIT included, as in engine_overhead);
    one listener per engine."""
    if id(eng) not in _SENT:
        sent = _SENT[id(eng)] = []
        event.listen(eng, "before_cursor_execute", lambda *a: sent.append(1))
        event.listen(eng, "commit", lambda *a: sent.append(1))
    return _SENT[id(eng)]


class Spiff:
    """SpiffWorkflow with SpiffArena's persistence, on one SQLAlchemy engine (schema ``spiff``)."""

    def __init__(self, url: str):
        from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
        from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

        self.eng = create_engine(url, connect_args={"options": f"-c search_path={SCHEMA}"})
        with self.eng.begin() as conn:
            conn.exec_driver_sql(DDL)
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec, self.subspecs = parser.get_spec("sign_off"), parser.get_subprocess_specs("sign_off")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.version = self.serializer.VERSION if hasattr(self.serializer, "VERSION") else None
        self.sent = _counting(self.eng)
        self._definitions()

    def _definitions(self):
        from SpiffWorkflow.bpmn import BpmnWorkflow

        d = self.serializer.to_dict(BpmnWorkflow(self.spec, self.subspecs))
        self.spec_dict, self.subspec_dict = d["spec"], d["subprocess_specs"]
        self.task_def: dict[tuple[str, str], int] = {}
        self.bpd: dict[str, int] = {}
        with self.eng.begin() as conn:
            for name, spec in [(self.spec_dict["name"], self.spec_dict), *self.subspec_dict.items()]:
                props = {k: v for k, v in spec.items() if k != "task_specs"}
                pid = conn.execute(text(
                    "INSERT INTO bpmn_process_definition (single_process_hash, full_process_model_hash, bpmn_identifier, "
                    "bpmn_name, properties_json, updated_at_in_seconds, created_at_in_seconds) VALUES (:h, :fh, :id, "
                    ":name, :p, 0, 0) RETURNING id"),
                    {"h": _hash(spec), "fh": _hash([name, spec]), "id": name, "name": spec.get("description"),
                     "p": json.dumps(props)}).scalar_one()
                self.bpd[name] = pid
                for ts_name, ts in spec["task_specs"].items():
                    self.task_def[(name, ts_name)] = conn.execute(text(
                        "INSERT INTO task_definition (bpmn_process_definition_id, bpmn_identifier, bpmn_name, typename, "
                        "properties_json, updated_at_in_seconds, created_at_in_seconds) VALUES (:p, :i, :n, :t, :j, 0, 0) "
                        "RETURNING id"), {"p": pid, "i": ts_name, "n": ts.get("bpmn_name"), "t": ts["typename"],
                                          "j": json.dumps(ts)}).scalar_one()
        self.env_hash = _hash({})
        with self.eng.begin() as conn:
            conn.execute(text("INSERT INTO json_data (hash, data) VALUES (:h, '{}') ON CONFLICT DO NOTHING"),
                         {"h": self.env_hash})

    # ---- reading and writing one instance --------------------------------------------------------------------

    def _load(self, conn, pid: int):
        conn.execute(text("UPDATE process_instance_queue SET locked_by = 'bench', locked_at_in_seconds = :t "
                          "WHERE process_instance_id = :id AND locked_by IS NULL"), {"id": pid, "t": int(time.time())})
        pi = conn.execute(text("SELECT * FROM process_instance WHERE id = :id"), {"id": pid}).mappings().one()
        bps = conn.execute(text("SELECT id, guid, properties_json, json_data_hash, bpmn_process_definition_id "
                                "FROM bpmn_process WHERE id = :b OR top_level_process_id = :b"),
                           {"b": pi["bpmn_process_id"]}).mappings().all()
        tasks = conn.execute(text("SELECT guid, bpmn_process_id, properties_json, json_data_hash FROM task "
                                  "WHERE process_instance_id = :id"), {"id": pid}).mappings().all()
        hashes = {t["json_data_hash"] for t in tasks} | {b["json_data_hash"] for b in bps}
        data = dict(conn.execute(text("SELECT hash, data FROM json_data WHERE hash = ANY(:h)"),
                                 {"h": list(hashes)}).all())
        by_bp: dict[int, dict] = {b["id"]: {} for b in bps}
        stored = {}
        for t in tasks:
            by_bp[t["bpmn_process_id"]][t["guid"]] = {**t["properties_json"], "data": data[t["json_data_hash"]]}
            stored[t["guid"]] = (t["properties_json"], t["json_data_hash"], t["bpmn_process_id"])
        top = next(b for b in bps if b["id"] == pi["bpmn_process_id"])
        d = {**top["properties_json"], "data": data[top["json_data_hash"]], "tasks": by_bp[top["id"]],
             "spec": self.spec_dict, "subprocess_specs": self.subspec_dict, "subprocesses": {}}
        for b in bps:
            if b["id"] != top["id"]:
                d["subprocesses"][b["guid"]] = {**b["properties_json"], "data": data[b["json_data_hash"]],
                                                "tasks": by_bp[b["id"]]}
        wf = self.serializer.from_dict(d)
        # Predicted (MAYBE/LIKELY) tasks are not stored, as in SpiffArena, and a FUTURE task does not predict its
        # children again by itself: without this the boundary timers of a reloaded instance are never armed.
        wf._predict()
        for sub in wf.subprocesses.values():
            sub._predict()
        return pi, wf, stored, {b["guid"] or "": (b["id"], b["properties_json"], b["json_data_hash"]) for b in bps}

    def _save(self, conn, pid: int, wf, stored: dict, processes: dict, completed=None, status="user_input_required"):
        from SpiffWorkflow.util.task import TaskState

        now = time.time()
        d = self.serializer.to_dict(wf)
        json_rows: dict[str, dict] = {}
        inserts, updates, bp_updates = [], [], []
        seen = set()
        parts = [("", d, self.spec_dict["name"], None)]
        parts += [(guid, sub, sub["spec"], None) for guid, sub in d.get("subprocesses", {}).items()]
        top_id = processes.get("", (None,))[0]
        for guid, part, spec_name, _ in parts:
            tasks = part["tasks"]
            pdata = part["data"]
            props = {k: v for k, v in part.items() if k not in ("tasks", "data", "spec", "subprocess_specs",
                                                                  "subprocesses")}
            if guid != "":
                props["spec"] = part["spec"]
            h = _hash(pdata)
            json_rows[h] = pdata
            if guid in processes:
                bp_id, old_props, old_hash = processes[guid]
                if old_props != props or old_hash != h:
                    bp_updates.append({"id": bp_id, "p": json.dumps(props), "h": h})
            else:
                bp_id = conn.execute(text(
                    "INSERT INTO bpmn_process (guid, bpmn_process_definition_id, top_level_process_id, "
                    "direct_parent_process_id, properties_json, json_data_hash, start_in_seconds) VALUES (:g, :d, :t, :t, "
                    ":p, :h, :s) RETURNING id"),
                    {"g": guid or None, "d": self.bpd[spec_name], "t": top_id, "p": json.dumps(props), "h": h,
                     "s": now}).scalar_one()
                processes[guid] = (bp_id, props, h)
                if guid == "":
                    top_id = bp_id
            predicted = {tid for tid, t in tasks.items() if t["state"] & TaskState.PREDICTED_MASK}
            for tid, t in tasks.items():
                if tid in predicted:
                    continue
                t = dict(t)
                tdata = t.pop("data", {})
                t.pop("delta", None)
                t["children"] = [c for c in t["children"] if c not in predicted]
                th = _hash(tdata)
                json_rows[th] = tdata
                seen.add(tid)
                row = {"g": tid, "bp": bp_id, "pi": pid, "td": self.task_def[(spec_name, t["task_spec"])],
                       "st": TaskState.get_name(t["state"]), "p": json.dumps(t), "h": th, "e": self.env_hash}
                if tid not in stored:
                    inserts.append(row)
                elif stored[tid][0] != t or stored[tid][1] != th:
                    updates.append(row)
        gone = [g for g in stored if g not in seen]
        if json_rows:
            conn.execute(text("INSERT INTO json_data (hash, data) VALUES (:h, :d) ON CONFLICT DO NOTHING"),
                         [{"h": h, "d": json.dumps(v)} for h, v in json_rows.items()])
        for u in bp_updates:
            conn.execute(text("UPDATE bpmn_process SET properties_json = :p, json_data_hash = :h WHERE id = :id"), u)
        if gone:
            conn.execute(text("DELETE FROM human_task WHERE task_guid = ANY(:g)"), {"g": gone})
            conn.execute(text("DELETE FROM task WHERE guid = ANY(:g)"), {"g": gone})
        if inserts:
            conn.execute(text(
                "INSERT INTO task (guid, bpmn_process_id, process_instance_id, task_definition_id, state, properties_json, "
                "json_data_hash, python_env_data_hash) VALUES (:g, :bp, :pi, :td, :st, :p, :h, :e)"), inserts)
        if updates:
            conn.execute(text("UPDATE task SET state = :st, properties_json = :p, json_data_hash = :h, "
                              "python_env_data_hash = :e, bpmn_process_id = :bp, task_definition_id = :td, "
                              "process_instance_id = :pi WHERE guid = :g"), updates)
        # Waiting timers go to future_task (WorkflowExecutionService.schedule_waiting_timer_events).
        timers = []
        for t in wf.get_tasks(state=TaskState.WAITING):
            ev = getattr(t.task_spec, "event_definition", None)
            if ev is not None and "Time" in type(ev).__name__:
                value = ev.details(t).value
                if value:
                    from datetime import datetime

                    timers.append({"g": str(t.id), "r": round(datetime.fromisoformat(value).timestamp()),
                                   "u": round(now)})
        if timers:
            conn.execute(text("INSERT INTO future_task (guid, run_at_in_seconds, updated_at_in_seconds) "
                              "VALUES (:g, :r, :u) ON CONFLICT (guid) DO UPDATE SET run_at_in_seconds = "
                              "EXCLUDED.run_at_in_seconds, updated_at_in_seconds = EXCLUDED.updated_at_in_seconds"),
                         timers)
        # Human tasks: the one done is completed; ready user tasks without a row get one.
        if completed is not None:
            conn.execute(text("UPDATE human_task SET completed = true, completed_by_user_id = 1, task_status = 'COMPLETED', "
                              "updated_at_in_seconds = :t WHERE task_guid = :g"), {"g": str(completed.id), "t": round(now)})
            conn.execute(text("INSERT INTO process_instance_event (task_guid, process_instance_id, event_type, "
                              "timestamp, user_id) VALUES (:g, :pi, 'task_completed', :t, 1)"),
                         {"g": str(completed.id), "pi": pid, "t": now})
        ready = [t for t in wf.get_tasks(state=TaskState.READY, manual=True) if str(t.id) not in stored]
        if ready:
            conn.execute(text(
                "INSERT INTO human_task (process_instance_id, actual_owner_id, updated_at_in_seconds, created_at_in_seconds, "
                "task_guid, task_id, task_name, task_title, task_type, task_status, process_model_display_name, "
                "bpmn_process_identifier, completed) VALUES (:pi, 1, :t, :t, :g, :g, :n, :title, :type, 'READY', "
                "'Job plan sign-off', 'sign_off', false)"),
                [{"pi": pid, "t": round(now), "g": str(t.id), "n": t.task_spec.bpmn_id, "title": t.task_spec.bpmn_name,
                  "type": type(t.task_spec).__name__} for t in ready])
        done = wf.completed
        conn.execute(text("UPDATE process_instance SET bpmn_process_id = :bp, status = :s, updated_at_in_seconds = :t, "
                          "task_updated_at_in_seconds = :t, end_in_seconds = :e WHERE id = :id"),
                     {"bp": top_id, "s": "complete" if done else status, "t": round(now),
                      "e": round(now) if done else None, "id": pid})
        conn.execute(text("UPDATE process_instance_queue SET locked_by = NULL, locked_at_in_seconds = NULL, "
                          "updated_at_in_seconds = :t WHERE process_instance_id = :id"), {"id": pid, "t": round(now)})

    # ---- the operations timed -----------------------------------------------------------------------------

    def start(self) -> int:
        from SpiffWorkflow.bpmn import BpmnWorkflow

        wf = BpmnWorkflow(self.spec, self.subspecs)
        wf.do_engine_steps()
        now = round(time.time())
        with self.eng.begin() as conn:
            pid = conn.execute(text(
                "INSERT INTO process_instance (process_model_identifier, process_model_display_name, "
                "process_initiator_id, bpmn_process_definition_id, spiff_serializer_version, start_in_seconds, status, "
                "updated_at_in_seconds, created_at_in_seconds, bpmn_version_control_type) VALUES ('jobplan/sign-off', "
                "'Job plan sign-off', 1, :bpd, :v, :t, 'not_started', :t, :t, 'git') RETURNING id"),
                {"bpd": self.bpd["sign_off"], "v": "4", "t": now}).scalar_one()
            conn.execute(text("INSERT INTO process_instance_queue (process_instance_id, priority, status, run_at_in_seconds, "
                              "updated_at_in_seconds, created_at_in_seconds) VALUES (:id, 2, 'not_started', :t, :t, :t)"),
                         {"id": pid, "t": now})
            self._save(conn, pid, wf, {}, {})
        return pid

    def complete(self, pid: int, bpmn_id: str, data: dict) -> None:
        from SpiffWorkflow.util.task import TaskState

        with self.eng.begin() as conn:
            _pi, wf, stored, processes = self._load(conn, pid)
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == bpmn_id)
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            wf.refresh_waiting_tasks()
            wf.do_engine_steps()
            self._save(conn, pid, wf, stored, processes, completed=task)

    def due_timers(self, at: float) -> list:
        """SpiffArena's BackgroundProcessingService.imminent_future_tasks (look-ahead 0)."""
        with self.eng.connect() as conn:
            return conn.execute(text(
                "SELECT guid, run_at_in_seconds FROM future_task WHERE completed = false AND "
                "archived_for_process_instance_status = false AND run_at_in_seconds < :at AND "
                "(queued_to_run_at_in_seconds != run_at_in_seconds OR queued_to_run_at_in_seconds IS NULL)"),
                {"at": at}).all()

    def fire_timer(self, guid: str) -> None:
        """The timer path of one due instance: find its instance, load, refresh_waiting_tasks, run, save, mark done."""
        with self.eng.begin() as conn:
            pid = conn.execute(text("SELECT process_instance_id FROM task WHERE guid = :g"), {"g": guid}).scalar_one()
            _pi, wf, stored, processes = self._load(conn, pid)
            wf.refresh_waiting_tasks()
            wf.do_engine_steps()
            self._save(conn, pid, wf, stored, processes)
            conn.execute(text("UPDATE future_task SET completed = true, updated_at_in_seconds = :t WHERE guid = :g"),
                         {"g": guid, "t": round(time.time())})

    # ---- bulk: clones of one real instance ---------------------------------------------------------------

    def clone(self, template: int, n: int, due: int, due_at: float, later_at: float) -> None:
        """``n`` copies of instance ``template`` (every row it has, task JSON as it is), in plain SQL; the reminder
        timers of the first ``due`` copies are due at ``due_at``, all the others at ``later_at``. The copies' task
        rows keep the template's JSON, so the guids inside it are not renamed (sizes are the same)."""
        with self.eng.begin() as conn:
            conn.execute(text("CREATE TEMP TABLE m AS SELECT i, nextval('process_instance_id_seq') AS pi, "
                              "nextval('bpmn_process_id_seq') AS top, nextval('bpmn_process_id_seq') AS sub "
                              "FROM generate_series(1, :n) AS s(i)"), {"n": n})
            conn.execute(text("CREATE UNIQUE INDEX ON m (i)"))
            top = conn.execute(text("SELECT bpmn_process_id FROM process_instance WHERE id = :t"), {"t": template}).scalar_one()
            conn.execute(text(
                "INSERT INTO bpmn_process SELECT CASE WHEN b.id = :top THEN m.top ELSE m.sub END, "
                "CASE WHEN b.guid IS NULL THEN NULL ELSE md5(b.guid || m.i)::uuid::text END, b.bpmn_process_definition_id, "
                "CASE WHEN b.id = :top THEN NULL ELSE m.top END, CASE WHEN b.id = :top THEN NULL ELSE m.top END, "
                "b.properties_json, b.json_data_hash, b.start_in_seconds, b.end_in_seconds FROM m, bpmn_process b "
                "WHERE b.id = :top OR b.top_level_process_id = :top"), {"top": top})
            conn.execute(text(
                "INSERT INTO process_instance SELECT m.pi, p.process_model_identifier, p.process_model_display_name, "
                "p.summary, p.process_initiator_id, p.bpmn_process_definition_id, m.top, p.spiff_serializer_version, "
                "p.start_in_seconds, p.end_in_seconds, p.task_updated_at_in_seconds, p.status, p.updated_at_in_seconds, "
                "p.created_at_in_seconds, p.bpmn_version_control_type, p.bpmn_version_control_identifier, "
                "p.last_milestone_bpmn_name FROM m, process_instance p WHERE p.id = :t"), {"t": template})
            conn.execute(text(
                "INSERT INTO process_instance_queue (process_instance_id, priority, status, run_at_in_seconds, "
                "updated_at_in_seconds, created_at_in_seconds) SELECT m.pi, q.priority, q.status, q.run_at_in_seconds, "
                "q.updated_at_in_seconds, q.created_at_in_seconds FROM m, process_instance_queue q "
                "WHERE q.process_instance_id = :t"), {"t": template})
            conn.execute(text(
                "INSERT INTO task SELECT md5(t.guid || m.i)::uuid::text, CASE WHEN t.bpmn_process_id = :top THEN m.top "
                "ELSE m.sub END, m.pi, t.task_definition_id, t.state, t.properties_json, t.json_data_hash, "
                "t.python_env_data_hash, t.runtime_info, t.start_in_seconds, t.end_in_seconds FROM m, task t "
                "WHERE t.process_instance_id = :t"), {"t": template, "top": top})
            reminder = self.task_def[("sign_off", "reminder")]
            conn.execute(text(
                "INSERT INTO future_task (guid, run_at_in_seconds, completed, archived_for_process_instance_status, "
                "updated_at_in_seconds) SELECT md5(f.guid || m.i)::uuid::text, CASE WHEN m.i <= :due AND "
                "t.task_definition_id = :rem THEN :due_at ELSE :later END, false, false, f.updated_at_in_seconds "
                "FROM m, future_task f JOIN task t ON t.guid = f.guid WHERE t.process_instance_id = :t"),
                {"t": template, "due": due, "rem": reminder, "due_at": int(due_at), "later": int(later_at)})
            conn.execute(text(
                "INSERT INTO human_task (process_instance_id, lane_assignment_id, completed_by_user_id, actual_owner_id, "
                "form_file_name, ui_form_file_name, updated_at_in_seconds, created_at_in_seconds, task_guid, task_id, "
                "task_name, task_title, task_type, task_status, process_model_display_name, bpmn_process_identifier, "
                "lane_name, json_metadata, completed) SELECT m.pi, h.lane_assignment_id, h.completed_by_user_id, "
                "h.actual_owner_id, h.form_file_name, h.ui_form_file_name, h.updated_at_in_seconds, h.created_at_in_seconds, "
                "md5(h.task_guid || m.i)::uuid::text, md5(h.task_guid || m.i)::uuid::text, h.task_name, h.task_title, "
                "h.task_type, h.task_status, h.process_model_display_name, h.bpmn_process_identifier, h.lane_name, "
                "h.json_metadata, h.completed FROM m, human_task h WHERE h.process_instance_id = :t"), {"t": template})
            conn.execute(text(
                "INSERT INTO process_instance_event (task_guid, process_instance_id, event_type, timestamp, user_id) "
                "SELECT md5(e.task_guid || m.i)::uuid::text, m.pi, e.event_type, e.timestamp, e.user_id "
                "FROM m, process_instance_event e WHERE e.process_instance_id = :t"), {"t": template})
            conn.execute(text("DROP TABLE m"))

    def make_due(self, pids: list[int], at_iso: str) -> None:
        """Set the reminder timer of real instances to ``at_iso`` in their serialized task (and future_task)."""
        with self.eng.begin() as conn:
            rows = conn.execute(text(
                "SELECT t.guid, t.properties_json FROM task t JOIN task_definition d ON d.id = t.task_definition_id "
                "WHERE d.bpmn_identifier = 'reminder' AND t.process_instance_id = ANY(:p) AND t.state = 'WAITING'"),
                {"p": pids}).all()
            for guid, props in rows:
                props["internal_data"]["event_value"] = at_iso
                conn.execute(text("UPDATE task SET properties_json = :p WHERE guid = :g"),
                             {"p": json.dumps(props), "g": guid})
                conn.execute(text("UPDATE future_task SET run_at_in_seconds = :r WHERE guid = :g"),
                             {"g": guid, "r": 0})


# ---- measuring -------------------------------------------------------------------------------------------

def _our_steps(svc, trust, who: dict, cases: int) -> tuple[dict, dict, list[int]]:
    from tests.factories import practitioners
    from tests.integration.scenario import plan_content

    people = [actor(p) for p in practitioners(svc.session, trust, cases, prefix=f"Dr Peer {time.time_ns()}")]
    eng = svc.session.get_bind()
    sent = _counting(eng)
    times = {s: [] for s in STEPS}
    statements = {s: [] for s in STEPS}
    ids = []
    content = plan_content(spa=1.5)
    for doc in people:
        plan = svc.create_job_plan(who["manager"], doc.person_id, content)  # the plan: not timed (the peer has none)
        mark = len(sent)
        t0 = time.perf_counter()
        case = svc.start_case(who["manager"], "sign_off", doc.person_id, job_plan_id=plan.id)
        times["start"].append(time.perf_counter() - t0)
        statements["start"].append(len(sent) - mark)
        ids.append((case.id, doc))
    svc.session.close()
    for step in STEPS[1:]:
        role, trigger, payload = OURS[step]
        for cid, doc in ids:
            a = doc if role == "doctor" else who[role]
            mark = len(sent)
            t0 = time.perf_counter()
            svc.fire(a, cid, trigger, payload)
            times[step].append(time.perf_counter() - t0)
            statements[step].append(len(sent) - mark)
        svc.session.close()
    return times, statements, [cid for cid, _ in ids]


def _their_steps(sp: Spiff, cases: int) -> tuple[dict, dict, list[int]]:
    times = {s: [] for s in STEPS}
    statements = {s: [] for s in STEPS}
    pids = []
    for _ in range(cases):
        mark = len(sp.sent)
        t0 = time.perf_counter()
        pids.append(sp.start())
        times["start"].append(time.perf_counter() - t0)
        statements["start"].append(len(sp.sent) - mark)
    for step in STEPS[1:]:
        for pid in pids:
            mark = len(sp.sent)
            t0 = time.perf_counter()
            sp.complete(pid, step, THEIRS[step])
            times[step].append(time.perf_counter() - t0)
            statements[step].append(len(sp.sent) - mark)
    return times, statements, pids


def _row_bytes(conn, tables: dict[str, str], ids: list[int]) -> dict:
    """Bytes of the rows (pg_column_size of the whole row) that belong to ``ids``, per table, per case."""
    out = {}
    for table, where in tables.items():
        total = conn.execute(text(f"SELECT COALESCE(SUM(pg_column_size(x.*)), 0), COUNT(*) FROM {table} x WHERE {where}"),
                             {"ids": ids}).one()
        out[table] = {"bytes_per_case": total[0] / len(ids), "rows_per_case": total[1] / len(ids)}
    out["total_bytes_per_case"] = sum(v["bytes_per_case"] for v in out.values())
    return out


def _table_bytes(conn, tables, schema: str) -> int:
    return sum(conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": f"{schema}.{t}"}).scalar_one()
               for t in tables)


def _median(xs):
    return statistics.median(xs) if xs else None


def run(url: str, cases: int = 50, sizes=(10_000, 100_000), due: int = 1_000, rounds: int = 3) -> dict:
    import importlib.metadata

    out = {"spiffworkflow": importlib.metadata.version("SpiffWorkflow"), "spiff_arena_models_at": "d7678cf7",
           "cases_per_step": cases, "sizes": list(sizes), "due": due, "rounds": rounds}
    # 1. Steps, on real instances, both sides on the same PostgreSQL database.
    eng = fresh_engine(url)
    svc = service(eng)
    trust = make_trust(svc.session)
    who = {"manager": actor(trust.manager), "amd": actor(trust.amd), "directorate": actor(trust.directorate)}
    sp = Spiff(url)
    # warm both (imports, caches, plans), untimed
    _our_steps(svc, trust, who, 3)
    _their_steps(sp, 3)
    ot, os_, our_ids = _our_steps(svc, trust, who, cases)
    tt, ts_, their_ids = _their_steps(sp, cases)
    steps = {}
    for s in STEPS:
        a, b = _median(ot[s]), _median(tt[s])
        steps[s] = {"ours": {**summary(ot[s]), "statements": _median(os_[s])},
                    "spiff": {**summary(tt[s]), "statements": _median(ts_[s])}, "ratio_spiff_to_ours": b / a}
    out["steps"] = steps
    out["whole_workflow_ms"] = {"ours": sum(v["ours"]["median_ms"] for v in steps.values()),
                                "spiff": sum(v["spiff"]["median_ms"] for v in steps.values())}
    out["whole_workflow_statements"] = {"ours": sum(v["ours"]["statements"] for v in steps.values()),
                                        "spiff": sum(v["spiff"]["statements"] for v in steps.values())}
    # 2. Bytes per open case, real rows: new instances stopped after the meeting (awaiting both signatures).
    ours_open, theirs_open = [], []
    from tests.factories import practitioners
    from tests.integration.scenario import plan_content

    for doc in [actor(p) for p in practitioners(svc.session, trust, cases, prefix="Dr Open")]:
        plan = svc.create_job_plan(who["manager"], doc.person_id, plan_content(spa=1.5))
        c = svc.start_case(who["manager"], "sign_off", doc.person_id, job_plan_id=plan.id)
        svc.fire(who["manager"], c.id, *OURS["record_meeting"][1:])
        ours_open.append(c.id)
    svc.session.close()
    for _ in range(cases):
        pid = sp.start()
        sp.complete(pid, "record_meeting", THEIRS["record_meeting"])
        theirs_open.append(pid)
    with eng.connect() as conn:
        ours_rows = _row_bytes(conn, {"workflow_case": "id = ANY(:ids)", "event": "case_id = ANY(:ids)",
                                      "deadline": "case_id = ANY(:ids)", "outbox": "case_id = ANY(:ids)",
                                      "case_participant": "case_id = ANY(:ids)"}, ours_open)
    with sp.eng.connect() as conn:
        their_rows = _row_bytes(conn, {
            "process_instance": "id = ANY(:ids)", "process_instance_queue": "process_instance_id = ANY(:ids)",
            "bpmn_process": "id IN (SELECT id FROM bpmn_process WHERE id IN (SELECT bpmn_process_id FROM process_instance "
                            "WHERE id = ANY(:ids)) OR top_level_process_id IN (SELECT bpmn_process_id FROM process_instance "
                            "WHERE id = ANY(:ids)))",
            "task": "process_instance_id = ANY(:ids)",
            "future_task": "guid IN (SELECT guid FROM task WHERE process_instance_id = ANY(:ids))",
            "human_task": "process_instance_id = ANY(:ids)", "process_instance_event": "process_instance_id = ANY(:ids)",
            "json_data": "hash IN (SELECT json_data_hash FROM task WHERE process_instance_id = ANY(:ids))"}, theirs_open)
        serialized = len(json.dumps(sp.serializer.to_dict(sp._load(conn, theirs_open[0])[1])))
        conn.rollback()
    out["bytes_real_rows"] = {"ours": ours_rows, "spiff": their_rows, "spiff_serialized_json_bytes": serialized,
                              "note": "ours excludes job_plan/job_plan_version/signature (the plan content, which the "
                                      "peer does not hold); the peer's json_data rows are shared by hash"}
    # 3. Timers: the due ones among N open instances (ours bulk-loaded as sweep_scaling does; the peer's cloned
    # from one real instance after the meeting).
    out["timers"] = {}
    for n in sizes:
        out["timers"][n] = _timers(url, n, due, rounds)
    eng.dispose()
    sp.eng.dispose()
    return out


def _timers(url, n: int, due: int, rounds: int) -> dict:
    """Ours: sweep_scaling's set-up (n open cases, ``due`` of them with a due reminder), its due query and
    ``svc.sweep``. Theirs: ``n`` clones of a real open instance in the spiff schema (``due`` with a due reminder),
    SpiffArena's future_task query, and the timer path of each due instance. Timed in alternating rounds."""
    t0 = time.perf_counter()
    eng, svc, _ = sweep_scaling.setup(url, n, due)
    ours_load = time.perf_counter() - t0
    # the spiff schema lives beside ours in the same database: make it again, with a fresh template
    t0 = time.perf_counter()
    sp2 = Spiff(url)
    pid = sp2.start()
    sp2.complete(pid, "record_meeting", THEIRS["record_meeting"])
    now = time.time()
    sp2.clone(pid, n - 1, due, due_at=now - 3600, later_at=now + 27 * 86400)
    with sp2.eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {SCHEMA}.task, {SCHEMA}.future_task, {SCHEMA}.process_instance, "
                          f"{SCHEMA}.bpmn_process, {SCHEMA}.human_task"))
    their_load = time.perf_counter() - t0
    with eng.connect() as conn:
        ours_bytes = _table_bytes(conn, ("workflow_case", "event", "deadline"), "public")
        their_bytes = _table_bytes(conn, SPIFF_TABLES, SCHEMA)
        ours_plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN ANALYZE SELECT d.id FROM deadline d JOIN "
                              "workflow_case c ON c.id = d.case_id WHERE d.status IN ('open', 'breached') AND "
                              "d.next_check_at <= :now ORDER BY d.next_check_at, d.id LIMIT 1000"),
                              {"now": NOW.replace(tzinfo=None)}))
        their_plan = "\n".join(r[0] for r in conn.execute(text(
            f"EXPLAIN ANALYZE SELECT guid FROM {SCHEMA}.future_task WHERE completed = false AND "
            "archived_for_process_instance_status = false AND run_at_in_seconds < :at AND "
            "(queued_to_run_at_in_seconds != run_at_in_seconds OR queued_to_run_at_in_seconds IS NULL)"),
            {"at": time.time()}))
    q_ours, q_theirs, sweep_ours, fire_theirs = [], [], [], []
    for r in range(rounds):
        with eng.connect() as conn:
            t0 = time.perf_counter()
            rows = conn.execute(due_query(NOW, 10_000)).all()
            q_ours.append(time.perf_counter() - t0)
            conn.rollback()
        assert len(rows) == due, (len(rows), due)
        t0 = time.perf_counter()
        found = sp2.due_timers(time.time())
        q_theirs.append(time.perf_counter() - t0)
        assert len(found) == due, (len(found), due)
        if r == 0:  # the whole path once: ours sweeps the due ones; theirs fires each due timer
            sweep_ours.append(sweep_scaling.sweep_once(eng, svc, due))
            # the clones carry the template's JSON (its timer not due): fire real due instances instead
            real = [sp2.start() for _ in range(min(due, 200))]
            for p in real:
                sp2.complete(p, "record_meeting", THEIRS["record_meeting"])
            sp2.make_due(real, (NOW - timedelta(days=3650)).isoformat())
            guids = [g for g, _ in sp2.due_timers(1)]
            t0 = time.perf_counter()
            for g in guids:
                sp2.fire_timer(g)
            fire_theirs.append((time.perf_counter() - t0) / len(guids) * due)
            mark = len(sp2.sent)
            extra = sp2.start()
            sp2.complete(extra, "record_meeting", THEIRS["record_meeting"])
            sp2.make_due([extra], (NOW - timedelta(days=3650)).isoformat())
            mark = len(sp2.sent)
            sp2.fire_timer([g for g, _ in sp2.due_timers(1)][0])
            fire_statements = len(sp2.sent) - mark
    res = {"open_instances": n, "due": due, "load_s": {"ours": ours_load, "spiff": their_load},
           "table_bytes_per_open_case": {"ours": ours_bytes / n, "spiff": their_bytes / n},
           "find_due_ms": {"ours": _median(q_ours) * 1e3, "spiff": _median(q_theirs) * 1e3,
                           "ours_all": [x * 1e3 for x in q_ours], "spiff_all": [x * 1e3 for x in q_theirs]},
           "handle_due_s": {"ours_sweep": sweep_ours[0], "spiff_fire_all_due_extrapolated": fire_theirs[0],
                            "spiff_fired_real": min(due, 200), "spiff_statements_per_timer": fire_statements},
           "plans": {"ours": ours_plan, "spiff": their_plan}}
    print(f"peer timers N={n:,}: find {due} due: ours {res['find_due_ms']['ours']:.1f} ms, spiff "
          f"{res['find_due_ms']['spiff']:.1f} ms; handle: ours sweep {sweep_ours[0]:.2f} s, spiff "
          f"{fire_theirs[0]:.2f} s; bytes/case ours {ours_bytes / n:,.0f}, spiff {their_bytes / n:,.0f}; "
          f"load ours {ours_load:.0f} s, spiff {their_load:.0f} s")
    eng.dispose()
    sp2.eng.dispose()
    with create_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    return res


def report(out: dict) -> None:
    for s, v in out["steps"].items():
        print(f"peer step {s:18s}: ours {v['ours']['median_ms']:7.2f} ms {v['ours']['statements']:4.0f} stmts | "
              f"spiff {v['spiff']['median_ms']:7.2f} ms {v['spiff']['statements']:4.0f} stmts | "
              f"spiff/ours {v['ratio_spiff_to_ours']:.2f}x")
    b = out["bytes_real_rows"]
    print(f"peer bytes per open case (rows): ours {b['ours']['total_bytes_per_case']:,.0f}, spiff "
          f"{b['spiff']['total_bytes_per_case']:,.0f} (one serialized workflow {b['spiff_serialized_json_bytes']:,} B)")

