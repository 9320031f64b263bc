"""Fill a PostgreSQL database (already at ``mistral-clone-db-manage upgrade
head``) with many realistic workflow, task and action executions, for the
big-database benchmark (``bench/list_latency.py``).

    python bench/populate_big_db.py --url postgresql+psycopg://u:p@host/db \\
        --executions 1000000 --tasks-per-execution 10

The rows are made by PostgreSQL itself (``INSERT ... SELECT FROM
generate_series``, one statement per chunk of executions, ``--jobs``
connections at once), never row by row from Python. The executions
tables' indexes and constraints are dropped while loading and built again
afterwards from their own definitions (so the schema stays exactly the
migrated one), then the tables are analyzed. Give it an empty database:
one stopped half-way has lost those indexes, so drop it and start again.
About 11 minutes and 20 GB for 1,000,000 executions and 10,000,000 tasks
on the 2-core development machine.

What the rows look like (deterministic: the same arguments give the same
ids, so a bench run can name rows to fetch):

- execution ``i`` (0-based) has id ``md5('ex' || i)`` as a UUID, is created
  ``--days`` days ago spread evenly up to now, in one of ``--projects``
  projects (``<default-project>``, the one an API without auth sees,
  holds half; the others have Keystone-like ids), of one of
  ``--workflows`` workflows (``bench_big_wf_NN``);
  states: 85 % SUCCESS, 7 % ERROR, 3 % CANCELLED, 3 % RUNNING, 1 % PAUSED,
  1 % IDLE; 10 % tagged ``nightly``, 5 % ``team-a``+``prod``; every tenth
  is a sub-execution of the one before (``task_execution_id`` its first task);
- JSON columns of realistic sizes: input/params/output a few hundred bytes,
  context ~0.6 KB, the workflow text ~1 KB; tasks: spec ~0.3 KB, in_context
  ~0.5 KB, published/result ~0.2 KB;
- task ``k`` of each execution: ``task_k``, SUCCESS except the last one,
  which takes the execution's state; tasks ``k % 3 == 0`` have one action
  execution (``std.echo``), so ~40 % of the tasks.
"""

import argparse
import concurrent.futures
import hashlib
import re
import sys
import time

import sqlalchemy as sa

TABLES = ("workflow_executions", "task_executions", "action_executions")

# One statement per chunk of execution numbers [lo, hi): ``base`` numbers
# them and picks what the rows share (id, time, project, workflow, state;
# ``st`` 0..99 picks the state), then each table is filled from it. No
# row is read back, so the load needs no index.
BASE_SQL = """
WITH base AS (
  SELECT i, md5('ex' || i)::uuid::text AS ex_id,
    md5('ex' || (i - 1))::uuid::text AS prev_id, wf,
    'bench_big_wf_' || lpad(wf::text, 2, '0') AS wf_name,
    md5('wf' || wf)::uuid::text AS wf_id, ts, proj,
    CASE WHEN st < 85 THEN 'SUCCESS' WHEN st < 92 THEN 'ERROR'
      WHEN st < 95 THEN 'CANCELLED' WHEN st < 98 THEN 'RUNNING'
      WHEN st < 99 THEN 'PAUSED' ELSE 'IDLE' END AS st_name
  FROM (
    SELECT i, i % :workflows AS wf, (i::bigint * 7919) % 100 AS st,
      CAST(:start AS timestamp)
        + (i::bigint * :step) * interval '1 microsecond' AS ts,
      (CAST(:projects AS text[]))[1 + (i % cardinality(
        CAST(:projects AS text[])))] AS proj
    FROM generate_series(:lo, :hi - 1) i) numbered),
tasks AS (
  SELECT b.*, k, md5('tk' || b.i || '-' || k)::uuid::text AS task_id,
    b.ts + k * interval '3 seconds' AS t_ts,
    CASE WHEN k < :tasks - 1 THEN 'SUCCESS' ELSE b.st_name END AS t_state
  FROM base b CROSS JOIN generate_series(0, :tasks - 1) k),
executions AS (
INSERT INTO workflow_executions (
  id, created_at, updated_at, project_id, workflow_name, workflow_namespace,
  workflow_id, description, spec_checksum, spec_definition, state,
  state_info, tags, accepted, input, output, params, context,
  runtime_context, root_execution_id, task_execution_id, scope)
SELECT ex_id, ts, ts + interval '37 seconds', proj, wf_name, '', wf_id,
  CASE WHEN i % 4 = 0 THEN 'nightly run ' || i ELSE '' END, md5('wf' || wf),
  'version: ''2.0''' || chr(10) || wf_name || ':' || chr(10)
    || '  input: [name, count, flavor]' || chr(10) || '  tasks:' || chr(10)
    || repeat('    task_n:' || chr(10) || '      action: std.echo output='
    || '"<% $.name %>"' || chr(10) || '      publish: {out: <% task().result'
    || ' %>}' || chr(10) || '      on-success: [next]' || chr(10), 8),
  st_name,
  CASE WHEN st_name = 'ERROR' THEN 'Failure caused by error in tasks: '
    || 'task_9' || chr(10) || chr(10) || '  task_9 [task_ex_id=' || ex_id
    || '] -> Failed to run action [action_ex_id=None, action_cls='
    || '''<class ''''std.fail''''>''] ' END,
  CASE WHEN i % 20 = 1 THEN '["team-a","prod"]' WHEN i % 10 = 3
    THEN '["nightly"]' ELSE '[]' END,
  true,
  '{"name":"item-' || i || '","count":' || (i % 1000) || ',"flavor":'
    || '"m1.small","image":"cirros-0.6.2-x86_64-disk","network":{"id":"'
    || md5('net' || (i % 50)) || '","ports":[8080,8443]},"notes":"'
    || repeat('x', 60 + (i % 90)) || '"}',
  CASE WHEN st_name = 'SUCCESS' THEN '{"result":"done ' || i
    || '","report":{"created":' || (i % 97) || ',"skipped":0,"log":"'
    || repeat('ok ', 40 + (i % 30)) || '"}}' ELSE '{}' END,
  '{"namespace":"","env":{"region":"RegionOne","endpoint":'
    || '"https://api.example.test/v1","retries":3},"task_name":null'
    || CASE WHEN i % 10 = 9 THEN ',"root_execution_id":"' || prev_id
    || '"' ELSE '' END || '}',
  '{"__execution":{"id":"' || ex_id || '","spec":{},"params":{},'
    || '"input":{},"created_at":"' || ts || '"},"name":"item-' || i
    || '","count":' || (i % 1000) || ',"out":"'
    || repeat('y', 200 + (i % 100)) || '"}',
  '{"index":0}',
  CASE WHEN i % 10 = 9 THEN prev_id END,
  CASE WHEN i % 10 = 9 THEN md5('tk' || (i - 1) || '-0')::uuid::text END,
  'private'
FROM base),
task_rows AS (
INSERT INTO task_executions (
  id, created_at, updated_at, project_id, name, workflow_execution_id,
  workflow_name, workflow_namespace, workflow_id, type, state, state_info,
  tags, processed, unique_key, has_next_tasks, error_handled, started_at,
  finished_at, spec, in_context, published, runtime_context, next_tasks,
  progress, result)
SELECT task_id, t_ts, t_ts + interval '2 seconds', proj, 'task_' || k,
  ex_id, wf_name, '', wf_id,
  CASE WHEN k = 0 AND i % 10 = 8 THEN 'WORKFLOW' ELSE 'ACTION' END,
  t_state,
  CASE WHEN t_state = 'ERROR' THEN 'Failed to run action [action_ex_id='
    || md5('ac' || i || '-' || k)::uuid::text || ']' END,
  '[]', t_state NOT IN ('RUNNING', 'IDLE'), NULL, k < :tasks - 1, false,
  t_ts,
  CASE WHEN t_state IN ('SUCCESS', 'ERROR', 'CANCELLED') THEN
    t_ts + interval '2 seconds' END,
  '{"name":"task_' || k || '","version":"2.0","action":"std.echo",'
    || '"input":{"output":"<% $.name %>"},"publish":{"out_' || k
    || '":"<% task().result %>"},"on-success":[{"task_' || (k + 1)
    || '":"<% $.count > 0 %>"}],"type":"direct"}',
  '{"name":"item-' || i || '","count":' || (i % 1000)
    || ',"flavor":"m1.small","image":"cirros-0.6.2-x86_64-disk","prev":"'
    || repeat('z', 250 + (i % 100)) || '"}',
  '{"out_' || k || '":"item-' || i || ' ' || repeat('p', 80 + (k * 7))
    || '"}',
  '{"triggered_by":[{"task_id":"' || md5('tk' || i || '-' || (k - 1))
    || '","event":"on-success"}]}',
  CASE WHEN k < :tasks - 1 THEN '[["task_' || (k + 1) || '","on-success"]]'
    ELSE '[]' END,
  NULL,
  '"item-' || i || ' ' || repeat('r', 80 + (k * 7)) || '"'
FROM tasks)
INSERT INTO action_executions (
  id, created_at, updated_at, project_id, name, description, workflow_name,
  workflow_namespace, task_execution_id, state, state_info, tags, accepted,
  is_sync, index, last_heartbeat, member_id, input, output, runtime_context)
SELECT md5('ac' || i || '-' || k)::uuid::text, t_ts,
  t_ts + interval '2 seconds', proj, 'std.echo', '', wf_name, '', task_id,
  t_state, CASE WHEN t_state = 'ERROR' THEN 'Failed: boom' END, '[]', true,
  true, 0, NULL, NULL, '{"output":"item-' || i || '"}',
  CASE WHEN t_state = 'SUCCESS' THEN '{"result":"item-' || i || ' '
    || repeat('r', 80 + (k * 7)) || '"}' WHEN t_state = 'ERROR' THEN
    '{"result":"Failed: boom"}' END,
  '{}'
FROM tasks WHERE k % 3 = 0
"""
# A colon after a quote is JSON in a literal (``"count":``), no bind
# parameter.
_LOAD_STATEMENT = sa.text(re.sub(r'(?<=["]):', r"\\:", BASE_SQL))

WORKFLOWS_SQL = """
INSERT INTO workflow_definitions (
  id, created_at, updated_at, project_id, name, namespace, scope,
  definition, checksum, tags, input, interface, is_system, workbook_name)
SELECT md5('wf' || wf)::uuid::text, now() - interval '500 days', NULL,
  '<default-project>', 'bench_big_wf_' || lpad(wf::text, 2, '0'), '',
  'public', 'version: ''2.0''' || chr(10) || 'bench_big_wf_' || wf || ':'
  || chr(10) || '  tasks:' || chr(10) || '    task_0:' || chr(10)
  || '      action: std.noop' || chr(10), md5('wf' || wf), '[]',
  'name, count, flavor',
  '{"input":["name","count","flavor"],"output":[]}', false, NULL
FROM generate_series(0, :workflows - 1) wf
ON CONFLICT DO NOTHING
"""


def _schema_objects(conn):
    """The primary keys and plain indexes of the executions tables and the
    foreign keys from or to them, with what makes them again."""
    constraints = conn.execute(sa.text("""
        SELECT c.conrelid::regclass::text, c.conname,
               pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c
        WHERE (c.contype = 'p' AND c.conrelid::regclass::text = ANY(:tables))
           OR (c.contype = 'f' AND (c.conrelid::regclass::text = ANY(:tables)
               OR c.confrelid::regclass::text = ANY(:tables)))
        ORDER BY c.contype"""), {"tables": list(TABLES)}).all()
    indexes = conn.execute(sa.text("""
        SELECT i.tablename, i.indexname, i.indexdef
        FROM pg_indexes i
        WHERE i.tablename = ANY(:tables)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.conname = i.indexname)"""),
        {"tables": list(TABLES)}).all()
    return constraints, indexes


def _drop(conn, constraints, indexes):
    # Foreign keys first (contype 'f' sorts before 'p').
    for table, name, _, _ in constraints:
        conn.execute(sa.text('ALTER TABLE %s DROP CONSTRAINT "%s"'
                             % (table, name)))
    for _, name, _ in indexes:
        conn.execute(sa.text('DROP INDEX "%s"' % name))


def _rebuild(engine, constraints, indexes, jobs):
    """Primary keys first (the foreign keys need them), then the indexes
    and the foreign keys, ``jobs`` statements at once."""
    def run(statement):
        started = time.monotonic()
        with engine.begin() as conn:
            conn.execute(sa.text("SET maintenance_work_mem = '512MB'"))
            conn.execute(sa.text(statement))
        return statement, time.monotonic() - started

    primary = ['ALTER TABLE %s ADD CONSTRAINT "%s" %s' % (t, n, d)
               for t, n, d, kind in constraints if kind == "p"]
    rest = [d for _, _, d in indexes] + [
        'ALTER TABLE %s ADD CONSTRAINT "%s" %s' % (t, n, d)
        for t, n, d, kind in constraints if kind == "f"]
    for batch in (primary, rest):
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for statement, took in pool.map(run, batch):
                print("  %6.1fs  %s" % (took, statement[:100]), flush=True)


def _chunks(total, size):
    return [(lo, min(lo + size, total)) for lo in range(0, total, size)]


def populate(url, executions, tasks, workflows, projects, days, chunk,
             jobs, keep_indexes=False):
    engine = sa.create_engine(url, pool_size=jobs + 1)
    with engine.begin() as conn:
        version = conn.execute(sa.text(
            "SELECT version_num FROM alembic_version")).scalar()
        present = conn.execute(sa.text(
            "SELECT count(*) FROM workflow_executions")).scalar()
        if present:
            sys.exit("workflow_executions already holds %d rows: use an "
                     "empty database" % present)
        conn.execute(sa.text(WORKFLOWS_SQL), {"workflows": workflows})
        constraints, indexes = _schema_objects(conn)
        if not keep_indexes:
            _drop(conn, constraints, indexes)
        # Keystone's project ids are 32 hex digits (the API's project_id
        # filter takes nothing else).
        projects_list = ["<default-project>"] * 4 + [
            hashlib.md5(b"project-%d" % p).hexdigest()
            for p in range(1, projects)]
        started_at = conn.execute(sa.text(
            "SELECT now()::timestamp - make_interval(days => :days)"),
            {"days": days}).scalar()
    print("database at revision %s; %d constraints and %d indexes %s"
          % (version, len(constraints), len(indexes),
             "kept" if keep_indexes else "dropped for the load"), flush=True)
    step = days * 86400 * 1_000_000 // max(executions, 1)

    def load(bounds):
        lo, hi = bounds
        params = {"lo": lo, "hi": hi, "workflows": workflows,
                  "projects": projects_list, "start": started_at,
                  "step": step, "tasks": tasks}
        t0 = time.monotonic()
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
            conn.execute(_LOAD_STATEMENT, params)
        return hi - lo, time.monotonic() - t0

    began = time.monotonic()
    done = 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for count, took in pool.map(load, _chunks(executions, chunk)):
            done += count
            elapsed = time.monotonic() - began
            print("  %9d / %d executions  (chunk %.1fs, %.0f ex/s)"
                  % (done, executions, took, done / elapsed), flush=True)
    print("rows loaded in %.0fs" % (time.monotonic() - began), flush=True)
    if not keep_indexes:
        t0 = time.monotonic()
        _rebuild(engine, constraints, indexes, jobs)
        print("constraints and indexes built in %.0fs"
              % (time.monotonic() - t0), flush=True)
    with engine.connect().execution_options(
            isolation_level="AUTOCOMMIT") as conn:
        for table in TABLES + ("workflow_definitions",):
            conn.execute(sa.text("VACUUM ANALYZE %s" % table))
        sizes = conn.execute(sa.text("""
            SELECT relname, n_live_tup,
                   pg_size_pretty(pg_total_relation_size(relid))
            FROM pg_stat_user_tables WHERE relname = ANY(:tables)
            ORDER BY relname"""), {"tables": list(TABLES)}).all()
        total = conn.execute(sa.text(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        )).scalar()
    for name, rows, size in sizes:
        print("  %-20s %12d rows  %s" % (name, rows, size))
    print("database size: %s; total %.0fs" % (total, time.monotonic() - began))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True,
                        help="SQLAlchemy URL of a migrated, empty database")
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--tasks-per-execution", type=int, default=10)
    parser.add_argument("--workflows", type=int, default=20)
    parser.add_argument("--projects", type=int, default=5,
                        help="projects, <default-project> included")
    parser.add_argument("--days", type=int, default=365,
                        help="the executions' creation times span this")
    parser.add_argument("--chunk", type=int, default=20_000,
                        help="executions per INSERT statement")
    parser.add_argument("--jobs", type=int, default=2,
                        help="connections loading at once")
    parser.add_argument("--keep-indexes", action="store_true",
                        help="load with indexes in place (small databases)")
    args = parser.parse_args(argv)
    populate(args.url, args.executions, args.tasks_per_execution,
             args.workflows, args.projects, args.days, args.chunk, args.jobs,
             args.keep_indexes)


if __name__ == "__main__":
    main()
