-- 0015: demand response. A program calls events (a window in which participants are asked to
-- curtail, shift or cap their charging), by hand, from a standing schedule, or from the utility's
-- demand-response system over OpenADR 3. Each event's participants are assigned at random to a
-- treatment group (told, asked to respond) or a control group (not told), so the event's effect is
-- measured as treatment minus control; each is also measured against their own baseline.
-- Drivers set preferences every event respects (ready-by time, minimum charge).

-- A standing schedule: events the program calls by itself on matching days (e.g. weekdays 16–20 in summer).
CREATE TABLE dr_schedule (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  program_id     bigint NOT NULL REFERENCES program (id),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  target         text NOT NULL CHECK (target IN ('curtail', 'shift', 'cap')),
  cap_kw         double precision CHECK (cap_kw IS NULL OR cap_kw >= 0),
  days           text NOT NULL CHECK (days IN ('all', 'weekdays', 'weekends')),
  -- Local minutes of the day: the window is [from_minute, to_minute); to > from (no wrap past midnight).
  from_minute    integer NOT NULL CHECK (from_minute BETWEEN 0 AND 1439),
  to_minute      integer NOT NULL CHECK (to_minute BETWEEN 1 AND 1440 AND to_minute > from_minute),
  -- Local dates the schedule runs (inclusive); months 1–12 it applies in (null: all).
  active_from    date NOT NULL,
  active_to      date,
  months         integer[],
  notice_s       integer NOT NULL CHECK (notice_s >= 0),
  randomize_s    integer NOT NULL DEFAULT 0 CHECK (randomize_s BETWEEN 0 AND 3600),
  control_share  double precision NOT NULL CHECK (control_share >= 0 AND control_share <= 0.5),
  -- At most this many events a year (Rhode Island: 60).
  max_per_year   integer CHECK (max_per_year IS NULL OR max_per_year > 0),
  created_by     bigint REFERENCES account (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  disabled_at    timestamptz,
  CHECK ((target = 'cap') = (cap_kw IS NOT NULL))
);
CREATE INDEX dr_schedule_program_idx ON dr_schedule (program_id);

CREATE TABLE dr_event (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  program_id     bigint NOT NULL REFERENCES program (id),
  -- Who called it: an administrator, a standing schedule, or the utility's VTN over OpenADR 3.
  source         text NOT NULL CHECK (source IN ('admin', 'schedule', 'openadr')),
  schedule_id    bigint REFERENCES dr_schedule (id),
  -- The VTN's event id (source 'openadr'), and the object's modification time as last read.
  external_id    text,
  external_modified_at timestamptz,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  status         text NOT NULL CHECK (status IN ('scheduled', 'active', 'completed', 'cancelled')),
  target         text NOT NULL CHECK (target IN ('curtail', 'shift', 'cap')),
  cap_kw         double precision CHECK (cap_kw IS NULL OR cap_kw >= 0),
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz NOT NULL,
  -- When participants are told (starts_at less the notice period).
  notice_at      timestamptz NOT NULL,
  -- Each treated participant's start and end are moved later by a random 0..randomize_s seconds,
  -- so the fleet does not stop and restart at one instant (no rebound peak at the end).
  randomize_s    integer NOT NULL DEFAULT 0 CHECK (randomize_s BETWEEN 0 AND 3600),
  -- Who is asked: {"kind":"all"} | {"kind":"enrollments","ids":[…]} | {"kind":"area","geometry":{GeoJSON Polygon/MultiPolygon}}
  --            | {"kind":"groups","ids":[grid_group ids]} (a feeder or transformer's participants).
  scope          jsonb NOT NULL,
  -- The share of the eligible participants held back as the control group (not told).
  control_share  double precision NOT NULL CHECK (control_share >= 0 AND control_share <= 0.5),
  -- The assignment's random seed, kept so an evaluator can reproduce the draw.
  assignment_seed text NOT NULL,
  created_by     bigint REFERENCES account (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  -- Participants assigned (at notice time at the latest) and told.
  assigned_at    timestamptz,
  notified_at    timestamptz,
  cancelled_at   timestamptz,
  -- The measured result (see src/demand/measure.ts): set once the window and its rebound hours are derived.
  measured_at    timestamptz,
  result         jsonb,
  CHECK (ends_at > starts_at),
  CHECK (notice_at <= starts_at),
  CHECK ((target = 'cap') = (cap_kw IS NOT NULL)),
  CHECK ((source = 'openadr') = (external_id IS NOT NULL)),
  CHECK ((source = 'schedule') = (schedule_id IS NOT NULL))
);
CREATE INDEX dr_event_program_idx ON dr_event (program_id, starts_at);
CREATE INDEX dr_event_open_idx ON dr_event (status, notice_at) WHERE status IN ('scheduled', 'active');
CREATE UNIQUE INDEX dr_event_external_idx ON dr_event (program_id, external_id) WHERE external_id IS NOT NULL;
-- A schedule calls one event per local day.
CREATE UNIQUE INDEX dr_event_schedule_day_idx ON dr_event (schedule_id, starts_at) WHERE schedule_id IS NOT NULL;

-- One row per event and participating vehicle: its group, its randomised window, what it was told,
-- whether it opted out, and (after the event) what it measured.
CREATE TABLE dr_participant (
  event_id        bigint NOT NULL REFERENCES dr_event (id),
  vehicle_id      bigint NOT NULL REFERENCES vehicle (id),
  enrollment_id   bigint NOT NULL REFERENCES enrollment (id),
  slot_id         bigint NOT NULL,
  account_id      bigint NOT NULL REFERENCES account (id),
  grp             text NOT NULL CHECK (grp IN ('treatment', 'control')),
  -- The participant's own window: the event's, each end moved later by these seconds.
  start_offset_s  integer NOT NULL DEFAULT 0,
  end_offset_s    integer NOT NULL DEFAULT 0,
  notified_at     timestamptz,
  -- sha256 of the one-tap opt-out token mailed with the notice.
  opt_out_token_hash text UNIQUE,
  -- 'explicit': the driver opted out; 'charging': measured charging in the window beyond the tolerance.
  opt_out         text CHECK (opt_out IN ('explicit', 'charging')),
  opted_out_at    timestamptz,
  -- Measurement (Wh over the participant's window; baseline from comparable non-event days).
  baseline_wh     double precision,
  baseline_days   integer,
  actual_wh       double precision,
  shifted_wh      double precision,
  rebound_wh      double precision,
  measured_at     timestamptz,
  PRIMARY KEY (event_id, vehicle_id)
);
CREATE INDEX dr_participant_account_idx ON dr_participant (account_id, event_id);
CREATE INDEX dr_participant_enrollment_idx ON dr_participant (enrollment_id);

-- What a driver asks every event to respect: charged by this local time, never below this charge.
CREATE TABLE dr_preference (
  enrollment_id   bigint PRIMARY KEY REFERENCES enrollment (id),
  ready_by_minute integer CHECK (ready_by_minute IS NULL OR ready_by_minute BETWEEN 0 AND 1439),
  min_soc_pct     double precision CHECK (min_soc_pct IS NULL OR (min_soc_pct >= 0 AND min_soc_pct <= 100)),
  -- Whether to be told by mail as well as in the portal.
  notify_mail     boolean NOT NULL DEFAULT true,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The distribution grid as the utility uploads it: feeders and transformers (with their rating),
-- and which participants sit on which (by service point = the enrollment's utility account, or by
-- where the car charges at home falling in a transformer's GeoJSON area).
CREATE TABLE grid_group (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  program_id   bigint NOT NULL REFERENCES program (id),
  kind         text NOT NULL CHECK (kind IN ('feeder', 'transformer')),
  code         text NOT NULL CHECK (length(code) BETWEEN 1 AND 80),
  name         text,
  parent_id    bigint REFERENCES grid_group (id),
  rating_kva   double precision CHECK (rating_kva IS NULL OR rating_kva > 0),
  geometry     jsonb,
  uploaded_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (program_id, kind, code)
);

CREATE TABLE grid_service_point (
  program_id     bigint NOT NULL REFERENCES program (id),
  service_point  text NOT NULL,
  group_id       bigint NOT NULL REFERENCES grid_group (id),
  PRIMARY KEY (program_id, service_point)
);
