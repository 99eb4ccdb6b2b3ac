-- 0014: a durable derivation queue, one row per vehicle with work waiting.
--
-- The telemetry writer fills it in the same transaction as the chunks it stores (so a crash
-- between commit and derivation loses nothing), and any node with the worker role claims rows
-- with FOR UPDATE SKIP LOCKED, re-derives those vehicles, and deletes each row only if no new
-- work arrived meanwhile (see src/derive/derive-queue.ts and docs/derived-data.md).
--
-- from_ms:          earliest reading time (ms since 1970) not yet taken by a worker; replay from
--                   there. NULL while a worker holds everything asked (the row is claimed).
-- version:          bumped by every request: a worker deletes the row only at the version it took.
-- queued_at:        when the oldest request not yet taken arrived (the database's clock).
-- claimed_by:       the worker deriving the vehicle now (host:pid:random), NULL when unclaimed.
-- claimed_from_ms:  what that worker replays from; given back to from_ms if it dies.
-- claimed_version:  the version it took.
-- claim_until:      the claim's lease (the database's clock): past it, another worker may take
--                   the row over. Also set without claimed_by: "retry after" for a failed replay.
--
-- Keyed by vehicle alone, no foreign keys: the table distributes by vehicle like the derived
-- tables, and a vehicle that no longer exists is dropped from the queue by the worker.
CREATE TABLE derive_queue (
  vehicle_id       bigint PRIMARY KEY,
  from_ms          bigint,
  version          bigint NOT NULL DEFAULT 1,
  queued_at        timestamptz NOT NULL DEFAULT now(),
  claimed_by       text,
  claimed_from_ms  bigint,
  claimed_version  bigint,
  claim_until      timestamptz,
  CHECK (from_ms IS NOT NULL OR claimed_by IS NOT NULL)
);
