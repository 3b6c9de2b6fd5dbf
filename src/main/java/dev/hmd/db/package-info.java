/**
 * The database: the pool, the embedded Postgres and its supervision, migrations from {@code sql/},
 * ids, and which failures mean "Postgres is away". Depends on nothing of ours.
 */
package dev.hmd.db;
