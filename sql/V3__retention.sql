-- Retention (HMD_RETENTION_DAYS): events, checks and finished webhook deliveries older than the
-- retention period are deleted in batches, oldest first; these indexes find them without a scan.
-- Releases and the audit log are kept: they are small, and they are the history.
create index events_created on events (created_at);
create index checks_at on checks (at);
create index webhook_deliveries_finished on webhook_deliveries (created_at) where status <> 'pending';
