-- 0001: vehicles, devices (credentials, lifecycle, assignment) and raw telemetry.
-- Runs unchanged on PostgreSQL 15+ and PGlite. Base units; column names carry their unit.

CREATE TABLE vehicle (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  vin         text UNIQUE CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
  make        text NOT NULL CHECK (length(make) BETWEEN 1 AND 60),
  model       text NOT NULL CHECK (length(model) BETWEEN 1 AND 80),
  model_year  smallint NOT NULL CHECK (model_year BETWEEN 1990 AND 2100),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE device (
  id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  serial                      text NOT NULL UNIQUE,
  -- SHA-256 of the device secret; the secret itself is shown once and never stored.
  secret_hash                 bytea NOT NULL,
  -- After a rotation with a grace period, the previous secret keeps working until it expires.
  previous_secret_hash        bytea,
  previous_secret_expires_at  timestamptz,
  credential_issued_at        timestamptz NOT NULL DEFAULT now(),
  revoked_at                  timestamptz,
  status                      text NOT NULL DEFAULT 'provisioned'
                              CHECK (status IN ('provisioned', 'shipped', 'installed', 'active', 'removed', 'returned')),
  status_changed_at           timestamptz NOT NULL DEFAULT now(),
  vehicle_id                  bigint REFERENCES vehicle (id),
  first_seen_at               timestamptz,
  last_seen_at                timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_vehicle_idx ON device (vehicle_id) WHERE vehicle_id IS NOT NULL;

-- Everything that happened to a device, in order: the lifecycle's timestamps and the audit trail.
CREATE TABLE device_event (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id   bigint NOT NULL REFERENCES device (id),
  at          timestamptz NOT NULL DEFAULT now(),
  kind        text NOT NULL CHECK (kind IN ('provisioned', 'status', 'credential_rotated', 'credential_revoked', 'assigned', 'unassigned')),
  status      text,
  vehicle_id  bigint,
  note        text
);
CREATE INDEX device_event_device_idx ON device_event (device_id, at);

-- Which vehicle a device was in, when: derivation attributes telemetry to vehicles through this.
-- An id of its own: PGlite's clock has millisecond resolution, so two moves within one
-- millisecond would collide on (device_id, assigned_at).
CREATE TABLE device_assignment (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id      bigint NOT NULL REFERENCES device (id),
  assigned_at    timestamptz NOT NULL,
  vehicle_id     bigint NOT NULL REFERENCES vehicle (id),
  unassigned_at  timestamptz,
  CHECK (unassigned_at IS NULL OR unassigned_at >= assigned_at)
);
CREATE INDEX device_assignment_device_idx ON device_assignment (device_id, assigned_at);
CREATE INDEX device_assignment_vehicle_idx ON device_assignment (vehicle_id, assigned_at);

-- Raw telemetry, compact: one row holds the records of one uplink batch from one device within
-- one UTC day, as a compressed columnar payload (see telemetry/record-codec.ts). Partitioned by
-- month; keys lead with the device so the table can be distributed by device later.
CREATE TABLE telemetry_chunk (
  device_id     bigint NOT NULL,
  started_at    timestamptz NOT NULL,
  boot_id       bigint NOT NULL,
  seq_first     bigint NOT NULL,
  seq_last      bigint NOT NULL,
  ended_at      timestamptz NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  record_count  integer NOT NULL CHECK (record_count > 0),
  payload       bytea NOT NULL,
  PRIMARY KEY (device_id, started_at, boot_id, seq_first)
) PARTITION BY RANGE (started_at);
-- The payload is already compressed: do not let TOAST try again.
ALTER TABLE telemetry_chunk ALTER COLUMN payload SET STORAGE EXTERNAL;

-- One row per (device, boot): the set of sequence numbers stored, as a multirange. In-order
-- data collapses to a single range, so deduplication costs one indexed row per batch.
CREATE TABLE telemetry_stream (
  device_id     bigint NOT NULL REFERENCES device (id),
  boot_id       bigint NOT NULL,
  seqs          int8multirange NOT NULL,
  record_count  bigint NOT NULL,
  first_at      timestamptz NOT NULL,
  last_at       timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, boot_id)
);
