-- Run history: one row per DAG run of the pipeline (ucj_ingest, ucj_transform), written by the
-- DAGs' own tasks (ucj.ops.history): what came in, what was loaded or rejected, how long it
-- took, what Great Expectations and dbt said. `ucj status` reads it.

create table audit.pipeline_runs (
    dag_id                  text not null,
    run_id                  text not null,
    run_type                text,
    logical_date            timestamptz,
    started_at              timestamptz not null default now(),
    finished_at             timestamptz,
    state                   text not null default 'running'
                            check (state in ('running', 'success', 'failed')),
    attempts                integer not null default 1,
    files_seen              integer,
    files_loaded            integer,
    files_quarantined       integer,
    files_duplicate         integer,
    rows_read               bigint,
    rows_loaded             bigint,
    rows_rejected           bigint,
    duration_seconds        numeric(12, 3)
                            generated always as (extract(epoch from finished_at - started_at)) stored,
    gx_failed_expectations  integer,
    dbt_models_ok           integer,
    dbt_models_failed       integer,
    dbt_tests_failed        integer,
    details                 jsonb not null default '{}'::jsonb,
    primary key (dag_id, run_id),
    constraint pipeline_runs_finished_after_start check (finished_at is null or finished_at >= started_at)
);
create index pipeline_runs_started on audit.pipeline_runs (started_at desc);

comment on table audit.pipeline_runs is 'One row per DAG run: files, rows, durations, GX and dbt results';
comment on column audit.pipeline_runs.attempts is 'how often the run was started (a cleared run starts again)';
comment on column audit.pipeline_runs.gx_failed_expectations is
    'failed expectations summed over the run''s audit.validation_runs';
comment on column audit.pipeline_runs.dbt_tests_failed is 'dbt test tasks of the run that failed';
