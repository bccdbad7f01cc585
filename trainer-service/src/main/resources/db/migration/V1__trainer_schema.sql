-- Trainer schema: runs, policy versions, training steps (metrics), issued prompt groups, eval results.

create table run (
    id               varchar(64)  primary key,
    name             varchar(200) not null,
    status           varchar(16)  not null,
    config           text         not null,   -- the completed RunConfig as JSON
    completed_steps  integer      not null default 0,
    current_version  bigint       not null default -1,  -- latest published policy version, -1 before v0
    checkpoint_step  integer      not null default 0,   -- step of the latest checkpoint (resume point)
    next_prompt_index bigint      not null default 0,   -- next index into the training prompt stream
    error            text,
    created_at       timestamptz  not null,
    updated_at       timestamptz  not null
);

create table policy_version (
    id             bigserial    primary key,
    run_id         varchar(64)  not null references run(id),
    version        bigint       not null,
    step           bigint       not null,
    checkpoint_uri text         not null,
    sha256         char(64)     not null,
    created_at     timestamptz  not null,
    unique (run_id, version)
);

create table training_step (
    id              bigserial   primary key,
    run_id          varchar(64) not null references run(id),
    step            integer     not null,
    policy_version  bigint      not null,
    loss            double precision not null,
    reward_mean     double precision not null,
    reward_std      double precision not null,
    kl              double precision not null,
    clip_frac_low   double precision not null,
    clip_frac_high  double precision not null,
    entropy         double precision not null,
    grad_norm       double precision not null,
    learning_rate   double precision not null,
    tokens          bigint      not null,
    group_count     integer     not null,
    staleness_mean  double precision not null,
    wait_millis     bigint      not null,
    compute_millis  bigint      not null,
    checkpoint_millis bigint    not null,
    metrics         text        not null,     -- every metric of the step as a JSON object
    created_at      timestamptz not null,
    unique (run_id, step)
);

-- One row per issued group: the accounting behind "nothing issued twice, nothing trained twice,
-- nothing lost". state: ISSUED (in flight), TRAINED (in step trained_step), DROPPED (drop_reason).
create table prompt_group (
    group_id        varchar(64) primary key,
    run_id          varchar(64) not null references run(id),
    prompt_id       varchar(512) not null,
    prompt_index    bigint      not null,
    issued_for_step integer     not null,
    issued_version  bigint      not null,
    sent            boolean     not null default false,  -- the PromptTask was acknowledged by the broker
    state           varchar(16) not null,
    drop_reason     varchar(32),
    trained_step    integer,
    rollout_version bigint,                              -- the policy version that sampled it
    issued_at       timestamptz not null,
    decided_at      timestamptz,
    unique (run_id, prompt_index)
);
create index prompt_group_run_state on prompt_group (run_id, state);

create table eval_result (
    id         bigserial   primary key,
    run_id     varchar(64) not null references run(id),
    step       integer     not null,
    checker    varchar(128) not null,   -- a checker name, or 'reward' for the mean total reward
    accuracy   double precision not null,
    examples   integer     not null,
    created_at timestamptz not null,
    unique (run_id, step, checker)
);
