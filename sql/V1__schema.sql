-- Workers HMD schema. Every tenant-owned table carries tenant_id, and every statement of the
-- service filters on it. Ids are opaque text with a type prefix (t_, k_, c_, r_).

create table tenants (
  id          text primary key,
  name        text not null,
  created_at  timestamptz not null default now()
);

create table api_keys (
  id            text primary key,
  tenant_id     text not null references tenants (id) on delete cascade,
  name          text not null,
  role          text not null check (role in ('viewer', 'operator', 'admin')),
  -- SHA-256 of the whole key: keys carry 256 random bits, so a slow hash buys nothing
  key_hash      bytea not null unique,
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
create index api_keys_tenant on api_keys (tenant_id, created_at);

-- A Cloudflare account + Worker + API token. The token is stored only encrypted (AES-256-GCM);
-- token_key_id names the master key that sealed it, so master keys can be rotated.
create table connections (
  id                text primary key,
  tenant_id         text not null references tenants (id) on delete cascade,
  name              text not null,
  account_id        text not null,
  worker_name       text not null,
  token_ciphertext  bytea not null,
  token_key_id      text not null,
  token_hint        text not null,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now()
);
create index connections_tenant on connections (tenant_id, created_at);
-- One connection per Worker within a tenant: two would mean two plans for one Worker.
create unique index connections_one_per_worker on connections (tenant_id, account_id, worker_name);

-- One plan per connection, revised in place; releases copy it when they start.
create table plans (
  connection_id  text primary key references connections (id) on delete cascade,
  tenant_id      text not null references tenants (id) on delete cascade,
  revision       integer not null,
  body           jsonb not null,
  updated_at     timestamptz not null default now()
);

create table releases (
  id                   text primary key,
  tenant_id            text not null references tenants (id) on delete cascade,
  -- no foreign key: a release outlives the connection it ran on, as history
  connection_id        text not null,
  account_id           text not null,
  worker_name          text not null,
  old_version_id       text not null,
  new_version_id       text not null,
  plan_revision        integer not null,
  plan                 jsonb not null,
  state                text not null check (state in
                         ('running', 'awaiting_approval', 'succeeded', 'rolled_back', 'cancelled', 'failed')),
  current_stage_index  integer not null default 0,
  -- per stage: state, startedAt, completedAt, soakEndsAt, checks counted
  stages               jsonb not null,
  outcome_code         text,
  outcome_message      text,
  created_at           timestamptz not null default now(),
  started_at           timestamptz,
  finished_at          timestamptz,
  -- engine bookkeeping: when the scheduler must look at it next, who holds it
  next_due_at          timestamptz,
  lease_owner          text,
  lease_expires_at     timestamptz,
  -- the split the release wants serving, and what the deployer last applied
  desired_split        jsonb,
  applied_split        jsonb,
  applied_deployment_id text,
  next_check_at        timestamptz,
  consecutive_errors   integer not null default 0,
  -- the old version's stats from the last window it had traffic, for relative SLOs at 100%
  baseline             jsonb,
  -- optimistic concurrency: the API (approve, cancel) and the scheduler both write a release
  row_version          bigint not null default 0
);
create index releases_tenant_created on releases (tenant_id, created_at desc, id desc);
create index releases_tenant_connection on releases (tenant_id, connection_id, created_at desc);
-- A release is due while it has work left, and that includes a finished one whose rollback
-- deployment has not been applied yet: every row with a due time, not only active ones.
create index releases_due on releases (next_due_at) where next_due_at is not null;
-- At most one active release per Cloudflare Worker, whichever tenant or connection started it.
create unique index releases_one_active_per_worker on releases (account_id, worker_name)
  where state in ('running', 'awaiting_approval');

create table checks (
  id            bigserial primary key,
  tenant_id     text not null references tenants (id) on delete cascade,
  release_id    text not null references releases (id) on delete cascade,
  stage_index   integer not null,
  at            timestamptz not null,
  window_start  timestamptz not null,
  window_end    timestamptz not null,
  verdict       text not null check (verdict in ('pass', 'fail', 'inconclusive', 'error')),
  new_stats     jsonb,
  old_stats     jsonb,
  slos          jsonb not null default '[]',
  detail        text
);
create index checks_release on checks (tenant_id, release_id, id);

-- The per-tenant event sequence. Taking the row lock to increment it serialises event writes of
-- one tenant, so events commit in id order and a reader that resumes "after id N" never misses
-- one that commits later with a smaller id.
create table event_counters (
  tenant_id  text primary key references tenants (id) on delete cascade,
  last_id    bigint not null default 0
);

create table events (
  tenant_id   text not null references tenants (id) on delete cascade,
  id          bigint not null,
  release_id  text,
  type        text not null check (type in ('release', 'check', 'deployment')),
  data        jsonb not null,
  created_at  timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index events_release on events (tenant_id, release_id, id);

-- Who did each state-changing action.
create table audit_log (
  id           bigserial primary key,
  tenant_id    text not null references tenants (id) on delete cascade,
  at           timestamptz not null default now(),
  actor_key_id text,
  actor_name   text not null,
  action       text not null,
  target_type  text not null,
  target_id    text,
  detail       jsonb
);
create index audit_log_tenant on audit_log (tenant_id, id desc);
