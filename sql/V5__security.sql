-- Signing out ends a session on the server, not just in the browser: a session cookie names the
-- generation of its key's sessions, and signing out moves the key to the next one, which ends
-- every session made from that key (each process hears of it on hmd_keys, as of a revocation).
alter table api_keys add column session_generation integer not null default 0;

-- Audit entries are numbered per tenant (seq), and that number is the id the API shows: one
-- sequence across tenants let a tenant count the others' actions from the gaps in its own ids.
-- audit_counters holds each tenant's last number; taking the next locks that row until the
-- action's transaction ends, so a tenant's numbers have no gaps and no repeats.
create table audit_counters (
  tenant_id  text primary key references tenants (id) on delete cascade,
  last_seq   bigint not null
);
alter table audit_log add column seq bigint;
update audit_log a set seq = numbered.seq
from (select id, row_number() over (partition by tenant_id order by id) as seq from audit_log) numbered
where a.id = numbered.id;
insert into audit_counters (tenant_id, last_seq) select tenant_id, max(seq) from audit_log group by tenant_id;
alter table audit_log alter column seq set not null;
create unique index audit_log_tenant_seq on audit_log (tenant_id, seq desc);
drop index audit_log_tenant;
