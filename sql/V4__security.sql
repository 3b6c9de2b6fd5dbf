-- Signing out ends a session on the server, not just in the browser: a session cookie names the
-- generation of its key's sessions, and signing out moves the key to the next one, which ends
-- every session made from that key (each process hears of it on hmd_keys, as of a revocation).
alter table api_keys add column session_generation integer not null default 0;
