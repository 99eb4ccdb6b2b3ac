-- 0002: utility programs (what derivation needs of them) and derived data: trips, charging
-- sessions and their segments, battery health, daily rollups. Every derived table is keyed by
-- vehicle first, so it can be distributed by vehicle later. Derived rows are a pure function of
-- raw telemetry and the program's settings: `smartcharge rebuild` recreates them at any time.

CREATE TABLE program (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug                   text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  utility                text NOT NULL CHECK (length(utility) BETWEEN 1 AND 120),
  -- IANA zone: local days, hours and time-of-use periods are read in it.
  time_zone              text NOT NULL,
  -- GeoJSON geometry (Polygon or MultiPolygon): where charging counts as "in territory".
  territory              jsonb,
  -- Time-of-use periods by local hour and day type; null: one period for all hours.
  tou                    jsonb,
  -- Grid emission factor (g CO2e per kWh): annual, and optionally one per local hour of day.
  grid_g_per_kwh         double precision NOT NULL CHECK (grid_g_per_kwh >= 0),
  grid_hourly_g_per_kwh  double precision[] CHECK (grid_hourly_g_per_kwh IS NULL OR cardinality(grid_hourly_g_per_kwh) = 24),
  grid_source            text,
  -- The gasoline car that CO2 avoided is counted against (EPA fleet average: 22 mpg).
  comparator_mpg         double precision NOT NULL DEFAULT 22 CHECK (comparator_mpg > 0),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE vehicle ADD COLUMN program_id bigint REFERENCES program (id);
-- The catalog entry the vehicle matched (model id and variant name), for its new capacity and pack voltage.
ALTER TABLE vehicle ADD COLUMN catalog_model_id text;
ALTER TABLE vehicle ADD COLUMN catalog_variant text;
CREATE INDEX vehicle_program_idx ON vehicle (program_id) WHERE program_id IS NOT NULL;

-- A trip: from the first reading in drive to the first reading parked again.
CREATE TABLE trip (
  vehicle_id           bigint NOT NULL REFERENCES vehicle (id),
  started_at           timestamptz NOT NULL,
  ended_at             timestamptz NOT NULL,
  -- false while the trip is still going on (as far as the data received so far shows).
  complete             boolean NOT NULL,
  local_date           date NOT NULL,
  readings             integer NOT NULL,
  -- Seconds inside the trip without readings (coverage gaps); their energy is estimated.
  gap_s                double precision NOT NULL,
  distance_m           double precision NOT NULL,
  electric_distance_m  double precision NOT NULL,
  odometer_start_m     double precision,
  -- Net energy out of the battery (traction, HVAC and accessories, less regeneration).
  energy_wh            double precision NOT NULL,
  hvac_wh              double precision NOT NULL,
  aux_wh               double precision NOT NULL,
  soc_start_pct        double precision,
  soc_end_pct          double precision,
  ambient_mean_c       double precision,
  ambient_min_c        double precision,
  ambient_max_c        double precision,
  -- Pack resistance from current steps while driving, normalised to 25 °C (median, and how many steps).
  resistance_mohm_25c  double precision,
  resistance_samples   integer NOT NULL,
  -- The state of health the car's battery management reported last during the trip, where it does.
  bms_soh_pct          double precision,
  -- Electricity's CO2 (the energy at the wall, at the program's grid factor), the engine's (plug-in
  -- hybrids, from the catalog's fuel use) and the CO2 avoided against the program's comparator car.
  co2_g                double precision,
  fuel_co2_g           double precision,
  co2_avoided_g        double precision,
  PRIMARY KEY (vehicle_id, started_at)
);

-- A plug-in session: from plugging in to unplugging. Its charging segments are below.
CREATE TABLE charge_session (
  vehicle_id          bigint NOT NULL REFERENCES vehicle (id),
  plugged_at          timestamptz NOT NULL,
  unplugged_at        timestamptz NOT NULL,
  complete            boolean NOT NULL,
  local_date          date NOT NULL,
  readings            integer NOT NULL,
  gap_s               double precision NOT NULL,
  kind                text CHECK (kind IN ('ac', 'dc')),
  level               text CHECK (level IN ('L1', 'L2', 'DCFC')),
  -- How the level was decided: 'kind' (DC), 'voltage' (AC line voltage), 'power' (or null when it could not be).
  level_basis         text,
  ac_line_voltage_v   double precision,
  charging_s          double precision NOT NULL,
  segments            integer NOT NULL,
  -- Energy into the battery (pack side) and drawn at the wall (charge inlet); each either measured
  -- or estimated from the other (the *_measured flags say which).
  battery_wh          double precision NOT NULL,
  wall_wh             double precision NOT NULL,
  battery_measured    boolean NOT NULL,
  wall_measured       boolean NOT NULL,
  peak_w              double precision,
  avg_w               double precision,
  soc_start_pct       double precision,
  soc_end_pct         double precision,
  -- Where: the median of the positions sent while plugged in (never from driving).
  lat_deg             double precision,
  lon_deg             double precision,
  in_territory        boolean,
  -- Wall energy by local hour: [[hour start, epoch ms], wall Wh, battery Wh] …, and by the
  -- program's time-of-use periods: {"period": Wh}.
  hourly              jsonb NOT NULL,
  tou_wh              jsonb NOT NULL,
  -- Under the 1 kWh (wall) that makes a charge event: kept, and marked.
  below_minimum       boolean NOT NULL,
  ambient_mean_c      double precision,
  ambient_min_c       double precision,
  ambient_max_c       double precision,
  -- HVAC and accessory energy while plugged in (pre-conditioning, the car's own load).
  aux_wh              double precision NOT NULL,
  co2_g               double precision,
  PRIMARY KEY (vehicle_id, plugged_at)
);

-- A charging segment: one stretch of energy flowing inside a plug-in session (a session paused,
-- scheduled or topped up has several). Segments with a large enough, mild enough change of state
-- of charge carry an estimate of the battery's usable capacity.
CREATE TABLE charge_segment (
  vehicle_id          bigint NOT NULL REFERENCES vehicle (id),
  started_at          timestamptz NOT NULL,
  ended_at            timestamptz NOT NULL,
  session_plugged_at  timestamptz NOT NULL,
  kind                text CHECK (kind IN ('ac', 'dc')),
  battery_wh          double precision NOT NULL,
  wall_wh             double precision NOT NULL,
  peak_w              double precision,
  soc_start_pct       double precision,
  soc_end_pct         double precision,
  battery_temp_mean_c double precision,
  capacity_wh         double precision,
  capacity_soc_delta  double precision,
  PRIMARY KEY (vehicle_id, started_at)
);
CREATE INDEX charge_segment_session_idx ON charge_segment (vehicle_id, session_plugged_at);

-- Battery health, one row per vehicle and local week (Monday): estimates from a trailing window.
CREATE TABLE battery_health (
  vehicle_id               bigint NOT NULL REFERENCES vehicle (id),
  week_start               date NOT NULL,
  window_days              integer NOT NULL,
  capacity_ac_wh           double precision,
  capacity_ac_low_wh       double precision,
  capacity_ac_high_wh      double precision,
  capacity_ac_estimates    integer NOT NULL,
  capacity_dc_wh           double precision,
  capacity_dc_low_wh       double precision,
  capacity_dc_high_wh      double precision,
  capacity_dc_estimates    integer NOT NULL,
  -- The headline: AC estimates where there are enough, else DC; % of the catalog's new capacity.
  soh_pct                  double precision,
  soh_low_pct              double precision,
  soh_high_pct             double precision,
  soh_basis                text CHECK (soh_basis IN ('ac', 'dc')),
  power_capacity_pct       double precision,
  power_capacity_low_pct   double precision,
  power_capacity_high_pct  double precision,
  resistance_trips         integer NOT NULL,
  -- What the car's own battery management reported last in the window, where it does.
  bms_soh_pct              double precision,
  PRIMARY KEY (vehicle_id, week_start)
);

-- Daily rollup per vehicle (local day of the program): what the portal and the utility views read.
CREATE TABLE vehicle_day (
  vehicle_id           bigint NOT NULL REFERENCES vehicle (id),
  day                  date NOT NULL,
  program_id           bigint REFERENCES program (id),
  trips                integer NOT NULL DEFAULT 0,
  distance_m           double precision NOT NULL DEFAULT 0,
  electric_distance_m  double precision NOT NULL DEFAULT 0,
  drive_wh             double precision NOT NULL DEFAULT 0,
  drive_hvac_wh        double precision NOT NULL DEFAULT 0,
  drive_aux_wh         double precision NOT NULL DEFAULT 0,
  sessions             integer NOT NULL DEFAULT 0,
  charge_battery_wh    double precision NOT NULL DEFAULT 0,
  charge_wall_wh       double precision NOT NULL DEFAULT 0,
  charge_l1_wh         double precision NOT NULL DEFAULT 0,
  charge_l2_wh         double precision NOT NULL DEFAULT 0,
  charge_dcfc_wh       double precision NOT NULL DEFAULT 0,
  charge_in_territory_wh double precision NOT NULL DEFAULT 0,
  charge_aux_wh        double precision NOT NULL DEFAULT 0,
  -- Wall energy by time-of-use period, and by local hour of day (24 values; a fall-back day's
  -- repeated hour adds into one).
  charge_tou_wh        jsonb NOT NULL DEFAULT '{}',
  charge_hourly_wh     double precision[] NOT NULL DEFAULT array_fill(0::double precision, ARRAY[24]),
  co2_g                double precision NOT NULL DEFAULT 0,
  fuel_co2_g           double precision NOT NULL DEFAULT 0,
  co2_avoided_g        double precision NOT NULL DEFAULT 0,
  -- Every reading of the day (parked ones too).
  readings             integer NOT NULL DEFAULT 0,
  ambient_mean_c       double precision,
  ambient_min_c        double precision,
  ambient_max_c        double precision,
  PRIMARY KEY (vehicle_id, day)
);
CREATE INDEX vehicle_day_program_idx ON vehicle_day (program_id, day) WHERE program_id IS NOT NULL;
