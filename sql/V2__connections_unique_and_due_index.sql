-- One connection per Worker within a tenant: two would mean two plans for one Worker.
create unique index connections_one_per_worker on connections (tenant_id, account_id, worker_name);

-- A release is due while it has work left, and that includes a finished one whose rollback
-- deployment has not been applied yet: index every row with a due time, not only active ones.
drop index releases_due;
create index releases_due on releases (next_due_at) where next_due_at is not null;
