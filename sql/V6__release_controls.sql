-- Release controls (issue 14): a smoke test at 0%, gates, pause/resume/promote, revert, and the
-- decisions people took on a release.

-- kind: 'revert' for a release that puts the version a succeeded release replaced back at 100%,
-- without checks; revert_of names that release.
alter table releases add column kind text not null default 'rollout' check (kind in ('rollout', 'revert'));
alter table releases add column revert_of text;
-- What the controls add to the engine's state ({waiting, pausedAt, standby, standbyAppliedAt}) and
-- their record ({smokeTest: {...}, gates: [...]}), read and written with the row.
alter table releases add column controls jsonb not null default '{}';
-- People's decisions on the release, oldest first: [{action, stageIndex, at, by: {keyId, name}, note}],
-- written in the transaction of the decision (with its audit row).
alter table releases add column decisions jsonb not null default '[]';

-- 'paused': a person stopped the soak clock. A paused release is active: it holds its Worker.
alter table releases drop constraint releases_state_check;
alter table releases add constraint releases_state_check check (state in
  ('running', 'awaiting_approval', 'paused', 'succeeded', 'rolled_back', 'cancelled', 'failed'));
drop index releases_one_active_per_worker;
create unique index releases_one_active_per_worker on releases (account_id, worker_name)
  where state in ('running', 'awaiting_approval', 'paused');

-- Live events of the smoke test's attempts and of each gate's answers.
alter table events drop constraint events_type_check;
alter table events add constraint events_type_check check (type in ('release', 'check', 'deployment', 'smoke', 'gate'));

-- The secret gate requests are signed with, one per connection (id = the connection's id), sealed
-- like webhook secrets. Made when first needed; shown only when a person asks for a new one.
create table gate_secrets (
  id                 text primary key references connections (id) on delete cascade,
  tenant_id          text not null references tenants (id) on delete cascade,
  secret_ciphertext  bytea not null,
  secret_key_id      text not null,
  created_at         timestamptz not null default now()
);
