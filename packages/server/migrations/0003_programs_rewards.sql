-- 0003: accounts and sessions; programs as data (eligibility, vehicle list, dates, rewards,
-- payouts); enrollment (applications, vehicles, device shipments, notifications); the rewards
-- ledger and payouts; property-manager inquiries; the database-backed job schedule.
-- Personal data (names, email, home address) lives here, apart from telemetry.

-- Accounts: drivers, program administrators (scoped to one utility) and operators.
CREATE TABLE account (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email          text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  -- lower-cased, trimmed: what logins and uniqueness compare.
  email_key      text NOT NULL UNIQUE,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  role           text NOT NULL CHECK (role IN ('driver', 'program_admin', 'operator')),
  -- Program administrators manage the programs of this utility (program.utility), and no other.
  utility        text,
  -- scrypt, with its parameters and salt: "scrypt$N$r$p$salt$hash" (base64url).
  password_hash  text NOT NULL,
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'program_admin') = (utility IS NOT NULL))
);

-- A signed-in session: the token is shown to the client once; only its SHA-256 is kept.
CREATE TABLE auth_session (
  token_hash    bytea PRIMARY KEY,
  account_id    bigint NOT NULL REFERENCES account (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_session_account_idx ON auth_session (account_id);

-- Password reset by a one-time token (hash only), short-lived.
CREATE TABLE password_reset (
  token_hash  bytea PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES account (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

-- Sign-in attempts, for rate limiting across every server process (and an audit trail).
CREATE TABLE login_attempt (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email_key  text NOT NULL,
  ip         text NOT NULL,
  at         timestamptz NOT NULL,
  ok         boolean NOT NULL
);
CREATE INDEX login_attempt_email_idx ON login_attempt (email_key, at);
CREATE INDEX login_attempt_ip_idx ON login_attempt (ip, at);

-- Programs as data: who may join, with what, when, how many, and what they earn.
ALTER TABLE program ADD COLUMN region text;
ALTER TABLE program ADD COLUMN description text;
-- {"powertrains": ["BEV", "PHEV"], "utilityCustomersOnly": true, "utilityAccountPattern": "^[0-9]{10}$", "note": "..."}
ALTER TABLE program ADD COLUMN eligibility jsonb NOT NULL DEFAULT '{"powertrains": ["BEV", "PHEV"], "utilityCustomersOnly": true}';
-- [{"make": "Nissan", "model": "Leaf", "yearFrom": 2011, "yearTo": 2021}, ...]; empty: any plug-in vehicle.
ALTER TABLE program ADD COLUMN vehicle_list jsonb NOT NULL DEFAULT '[]';
ALTER TABLE program ADD COLUMN unlisted_vehicles_may_apply boolean NOT NULL DEFAULT false;
ALTER TABLE program ADD COLUMN applications_open_on date;
ALTER TABLE program ADD COLUMN applications_close_on date;
ALTER TABLE program ADD COLUMN collection_starts_on date;
ALTER TABLE program ADD COLUMN collection_ends_on date;
ALTER TABLE program ADD COLUMN participant_target integer CHECK (participant_target IS NULL OR participant_target > 0);
ALTER TABLE program ADD COLUMN support_email text;
ALTER TABLE program ADD COLUMN support_phone text;
ALTER TABLE program ADD COLUMN support_hours text;
-- Reward rules: [{"key": "start", "type": "start_bonus", "points": 25000, ...}] (rewards/rules.ts).
ALTER TABLE program ADD COLUMN reward_rules jsonb NOT NULL DEFAULT '[]';
ALTER TABLE program ADD COLUMN currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');
-- Points per one unit of currency (1,000 points = $1 in Mississippi; 100, i.e. cents, for dollar programs).
ALTER TABLE program ADD COLUMN points_per_unit integer NOT NULL DEFAULT 100 CHECK (points_per_unit > 0);
-- Whether drivers see rewards as points or as money.
ALTER TABLE program ADD COLUMN reward_display text NOT NULL DEFAULT 'money' CHECK (reward_display IN ('money', 'points'));
-- {"paypal": {"minimumPoints": 500}, "giftCard": {"brand": "Amazon", "when": "year_end" | "program_end"}}
ALTER TABLE program ADD COLUMN payout_options jsonb NOT NULL DEFAULT '{}';

-- The driver who owns (or leases) the vehicle.
ALTER TABLE vehicle ADD COLUMN owner_account_id bigint REFERENCES account (id);
CREATE INDEX vehicle_owner_idx ON vehicle (owner_account_id) WHERE owner_account_id IS NOT NULL;

-- A driver's participation in one program: the application, its decision, and leaving.
CREATE TABLE enrollment (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  program_id       bigint NOT NULL REFERENCES program (id),
  account_id       bigint NOT NULL REFERENCES account (id),
  status           text NOT NULL CHECK (status IN ('applied', 'approved', 'declined', 'withdrawn', 'left')),
  -- {"line1", "line2", "city", "region", "postalCode", "country"}
  home_address     jsonb NOT NULL,
  utility_account  text NOT NULL,
  paypal_email     text,
  applied_at       timestamptz NOT NULL DEFAULT now(),
  decided_at       timestamptz,
  decided_by       bigint REFERENCES account (id),
  decision_note    text,
  left_at          timestamptz,
  leave_reason     text CHECK (leave_reason IN ('moved', 'sold_vehicle', 'done', 'other')),
  leave_note       text
);
-- One open application or participation per driver and program.
CREATE UNIQUE INDEX enrollment_open_idx ON enrollment (program_id, account_id) WHERE status IN ('applied', 'approved');
CREATE INDEX enrollment_account_idx ON enrollment (account_id);

-- A vehicle in an enrollment. A changed vehicle closes its row ('replaced') and opens one for the
-- new vehicle in the same slot (slot_id: the first row's id), so rewards continue rather than restart.
CREATE TABLE enrollment_vehicle (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  enrollment_id  bigint NOT NULL REFERENCES enrollment (id),
  vehicle_id     bigint NOT NULL REFERENCES vehicle (id),
  slot_id        bigint NOT NULL,
  status         text NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'replaced', 'left')),
  -- The eligibility check as the driver was shown it: {"eligible": bool, "reasons": [...]}.
  eligibility    jsonb NOT NULL,
  joined_at      timestamptz,
  ended_at       timestamptz,
  UNIQUE (enrollment_id, vehicle_id)
);
CREATE INDEX enrollment_vehicle_vehicle_idx ON enrollment_vehicle (vehicle_id);

-- What is sent to or from a participant: a device (with tracking), a free Y-cable, a device returned.
CREATE TABLE shipment (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  enrollment_vehicle_id  bigint NOT NULL REFERENCES enrollment_vehicle (id),
  kind                   text NOT NULL CHECK (kind IN ('device', 'y_cable', 'return')),
  status                 text NOT NULL CHECK (status IN ('requested', 'shipped', 'delivered', 'received', 'cancelled')),
  device_id              bigint REFERENCES device (id),
  carrier                text,
  tracking_number        text,
  note                   text,
  requested_at           timestamptz NOT NULL DEFAULT now(),
  shipped_at             timestamptz,
  closed_at              timestamptz
);
CREATE INDEX shipment_vehicle_idx ON shipment (enrollment_vehicle_id);
CREATE INDEX shipment_open_idx ON shipment (kind, status) WHERE status IN ('requested', 'shipped');

-- Messages to an account (reminders, decisions, payouts): shown in the portal, mailed when a
-- mailer is set. dedupe_key makes a reminder job that runs twice send once.
CREATE TABLE notification (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES account (id),
  kind        text NOT NULL,
  dedupe_key  text UNIQUE,
  subject     text NOT NULL,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz,
  read_at     timestamptz
);
CREATE INDEX notification_account_idx ON notification (account_id, created_at);
CREATE INDEX notification_unsent_idx ON notification (id) WHERE sent_at IS NULL;

-- Payouts: a batch per program, provider and period; an item per participant.
CREATE TABLE payout_batch (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  program_id         bigint NOT NULL REFERENCES program (id),
  provider           text NOT NULL CHECK (provider IN ('paypal', 'gift_card')),
  -- '2025-03' for a monthly PayPal batch, '2025' or 'program-end' for gift cards.
  period             text NOT NULL,
  -- Our id for the batch, sent to the provider: the provider refuses a second batch with it.
  sender_batch_id    text NOT NULL UNIQUE,
  status             text NOT NULL CHECK (status IN ('created', 'submitted', 'processing', 'completed', 'failed', 'exported')),
  provider_batch_id  text,
  attempts           integer NOT NULL DEFAULT 0,
  last_error         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  submitted_at       timestamptz,
  completed_at       timestamptz,
  UNIQUE (program_id, provider, period)
);

CREATE TABLE payout_item (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id          bigint NOT NULL REFERENCES payout_batch (id),
  enrollment_id     bigint NOT NULL REFERENCES enrollment (id),
  points            bigint NOT NULL CHECK (points > 0),
  amount_cents      bigint NOT NULL CHECK (amount_cents > 0),
  currency          text NOT NULL,
  -- PayPal: the receiver's email; gift card: the email the card is sent to.
  receiver          text NOT NULL,
  sender_item_id    text NOT NULL UNIQUE,
  provider_item_id  text,
  -- pending until the provider settles it: success, or a failure (failed, returned, unclaimed,
  -- blocked, refunded, denied) whose points go back to the participant; exported/fulfilled for gift cards.
  status            text NOT NULL,
  status_detail     text,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (batch_id, enrollment_id)
);
CREATE INDEX payout_item_enrollment_idx ON payout_item (enrollment_id);

-- The rewards ledger: append-only; every entry explains itself.
CREATE TABLE ledger_entry (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  program_id      bigint NOT NULL REFERENCES program (id),
  enrollment_id   bigint NOT NULL REFERENCES enrollment (id),
  vehicle_id      bigint REFERENCES vehicle (id),
  slot_id         bigint,
  kind            text NOT NULL CHECK (kind IN ('reward', 'adjustment', 'payout', 'payout_reversal')),
  rule_key        text,
  -- The period a reward is for: 'start', '2025-03', 'year-1'.
  period          text,
  points          bigint NOT NULL CHECK (points <> 0),
  -- What earned it: the rule, the facts, the charging sessions.
  explanation     jsonb NOT NULL,
  reason          text,
  created_by      bigint REFERENCES account (id),
  payout_item_id  bigint REFERENCES payout_item (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'reward' OR (vehicle_id IS NOT NULL AND slot_id IS NOT NULL AND rule_key IS NOT NULL AND period IS NOT NULL AND points > 0)),
  CHECK (kind <> 'adjustment' OR (reason IS NOT NULL AND created_by IS NOT NULL)),
  CHECK ((kind IN ('payout', 'payout_reversal')) = (payout_item_id IS NOT NULL))
);
-- A job that runs twice, or two workers at once, pay once: per vehicle, and per slot (a changed
-- vehicle does not earn a period its predecessor already earned).
CREATE UNIQUE INDEX ledger_reward_vehicle_idx ON ledger_entry (enrollment_id, vehicle_id, rule_key, period) WHERE kind = 'reward';
CREATE UNIQUE INDEX ledger_reward_slot_idx ON ledger_entry (enrollment_id, slot_id, rule_key, period) WHERE kind = 'reward';
CREATE UNIQUE INDEX ledger_payout_idx ON ledger_entry (payout_item_id, kind) WHERE payout_item_id IS NOT NULL;
CREATE INDEX ledger_enrollment_idx ON ledger_entry (enrollment_id, created_at);
CREATE INDEX ledger_program_idx ON ledger_entry (program_id, created_at);

CREATE FUNCTION ledger_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entry is append-only: add a correcting entry instead of changing one' USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only();

-- Property managers asking about a subsidised smart-charging station for their building.
CREATE TABLE property_inquiry (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  program_id        bigint REFERENCES program (id),
  building_name     text NOT NULL,
  -- {"line1", "line2", "city", "region", "postalCode", "country"}
  address           jsonb NOT NULL,
  units             integer NOT NULL CHECK (units > 0),
  has_common_area   boolean NOT NULL,
  common_area_note  text,
  parking_spaces    integer CHECK (parking_spaces IS NULL OR parking_spaces >= 0),
  contact_name      text NOT NULL,
  contact_email     text NOT NULL,
  contact_phone     text,
  message           text,
  status            text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'contacted', 'qualified', 'not_qualified', 'closed')),
  admin_note        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX property_inquiry_queue_idx ON property_inquiry (status, created_at);

-- Scheduled work inside the server: one row per job. A process claims a due job by taking its
-- lease (locked_until) in one UPDATE, so several processes never run the same job at once.
CREATE TABLE job (
  name              text PRIMARY KEY,
  next_run_at       timestamptz NOT NULL,
  locked_by         text,
  locked_until      timestamptz,
  last_started_at   timestamptz,
  last_finished_at  timestamptz,
  last_status       text CHECK (last_status IN ('ok', 'failed')),
  last_error        text,
  runs              bigint NOT NULL DEFAULT 0
);

CREATE TABLE job_run (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job          text NOT NULL,
  instance     text NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  status       text CHECK (status IN ('ok', 'failed')),
  summary      jsonb,
  error        text
);
CREATE INDEX job_run_job_idx ON job_run (job, started_at);
