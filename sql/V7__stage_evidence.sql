-- Stage evidence (docs/engine.md, "Checks"): where the next check reads from, and what each check
-- counted for.
-- checked_until: the end of the last window a check read; the next check reads from there (a
-- release that changed hands, or missed checks while Postgres or Cloudflare was down, catches up
-- on the windows nobody checked). Null until the first check.
alter table releases add column checked_until timestamptz;

-- counted: whether the window was one of its stage's own (served under that stage's split alone)
-- and went into the stage's evidence; counted_reason says why not. served_percent: the new
-- version's share throughout the window (null when the split changed within it). stage_evidence:
-- the stage's pooled evidence after this window, as judged ({verdict, reason, requests, ..., slos}).
-- All null for checks made before this migration.
alter table checks add column counted boolean, add column counted_reason text, add column served_percent integer,
  add column stage_evidence jsonb;
