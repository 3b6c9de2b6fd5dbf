-- A release whose deployment Cloudflare keeps refusing with an error that asking again will not
-- change (a 4xx other than 408 and 429): {code, httpStatus, message, since}, null when it is not
-- blocked. The scheduler keeps trying, and clears it once the split is applied.
alter table releases add column blocked jsonb;

-- release.blocked is a webhook event: sent once when a release becomes blocked.
alter table webhook_deliveries drop constraint webhook_deliveries_event_check;
alter table webhook_deliveries add constraint webhook_deliveries_event_check check (event in ('release.started',
  'release.awaiting_approval', 'release.succeeded', 'release.rolled_back', 'release.cancelled', 'release.failed',
  'release.blocked', 'ping'));

-- A webhook that wanted every event (the default when it was created) wants the new one too.
update webhooks set events = events || array['release.blocked']
where events @> array['release.started', 'release.awaiting_approval', 'release.succeeded', 'release.rolled_back',
                      'release.cancelled', 'release.failed']
  and not events @> array['release.blocked'];
