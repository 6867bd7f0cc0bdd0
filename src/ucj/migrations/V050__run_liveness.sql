-- A run killed before its last task (kill -9 of `ucj run`, a crashed machine) left its row in
-- audit.pipeline_runs `running` forever. The next run's start now closes such rows as failed,
-- with a reason in words (ucj.ops.history.close_stale_runs); each row says how to tell whether
-- its run is still alive.

alter table audit.pipeline_runs
    add column liveness text check (liveness in ('lease', 'airflow')),
    add column runner text,
    add column end_reason text;

comment on column audit.pipeline_runs.liveness is
    'how to tell the run is alive: lease = its process (dag.test(), `ucj run`) holds a session advisory '
    'lock keyed by the run; airflow = ask Airflow for the DagRun''s state (a scheduler''s run); '
    'null = recorded before V050';
comment on column audit.pipeline_runs.runner is 'the process that started the run (host and pid), for people';
comment on column audit.pipeline_runs.end_reason is
    'why the run ended as it did when not by its own last task (closed as failed by a later run)';
