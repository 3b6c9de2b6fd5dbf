-- Webhook notifications: per connection, URLs called when a release starts, waits for approval
-- at a stage, or ends. Deliveries are enqueued in the transaction that changed the release, so a
-- crash can neither lose nor duplicate one; the notifier sends them with retries.

-- The signing secret is stored only encrypted (AES-256-GCM, like connection tokens); it is shown
-- once, when the webhook is created. events: which release.* events it wants.
create table webhooks (
  id                 text primary key,
  tenant_id          text not null references tenants (id) on delete cascade,
  connection_id      text not null references connections (id) on delete cascade,
  url                text not null,
  secret_ciphertext  bytea not null,
  secret_key_id      text not null,
  events             text[] not null,
  created_at         timestamptz not null default now()
);
create index webhooks_connection on webhooks (tenant_id, connection_id, created_at);

create table webhook_deliveries (
  id                text primary key,
  -- order of enqueueing: deliveries of one release to one webhook go out in this order; the page cursor
  seq               bigserial not null unique,
  tenant_id         text not null references tenants (id) on delete cascade,
  webhook_id        text not null references webhooks (id) on delete cascade,
  -- null for a test ping
  release_id        text,
  event             text not null check (event in ('release.started', 'release.awaiting_approval',
                      'release.succeeded', 'release.rolled_back', 'release.cancelled', 'release.failed', 'ping')),
  stage_index       integer,
  -- {text, event, release}; deliveryId and sentAt are added when sent
  payload           jsonb not null,
  status            text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts          integer not null default 0,
  last_status_code  integer,
  last_error        text,
  next_attempt_at   timestamptz default now(),
  lease_owner       text,
  lease_expires_at  timestamptz,
  created_at        timestamptz not null default now(),
  delivered_at      timestamptz,
  -- enqueueing is idempotent: one delivery per webhook, release, event and stage
  unique (webhook_id, release_id, event, stage_index)
);
create index webhook_deliveries_webhook on webhook_deliveries (tenant_id, webhook_id, seq desc);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_pending_release on webhook_deliveries (webhook_id, release_id, seq)
  where status = 'pending';
