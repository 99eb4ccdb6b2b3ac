-- 0004: what the web app needs beyond the API so far: each person's display units, and read-only
-- share links a driver gives friends and family (a vehicle's stats, until an expiry, revocable).

ALTER TABLE account ADD COLUMN distance_unit text NOT NULL DEFAULT 'km' CHECK (distance_unit IN ('km', 'mi'));
ALTER TABLE account ADD COLUMN temperature_unit text NOT NULL DEFAULT 'C' CHECK (temperature_unit IN ('C', 'F'));

CREATE TABLE share_link (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The token is shown to the driver once (in the link); only its SHA-256 is kept.
  token_hash   bytea NOT NULL UNIQUE,
  account_id   bigint NOT NULL REFERENCES account (id),
  vehicle_id   bigint NOT NULL REFERENCES vehicle (id),
  label        text CHECK (label IS NULL OR length(label) BETWEEN 1 AND 80),
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  last_used_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX share_link_account_idx ON share_link (account_id, created_at DESC);
