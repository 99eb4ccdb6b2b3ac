-- 0005: the program's daily totals over its vehicles, what the utility's grid view reads.
-- Summing a year of 1,000 vehicles' daily rollups (and their 24-hour load arrays) on every view
-- took seconds; this keeps the sums. Derivation maintains it in the same transaction as the
-- vehicle's own days: it adds each changed day's new values less its old ones, so concurrent
-- vehicles' updates commute. A day whose last vehicle row went away keeps a row with vehicles = 0.

CREATE TABLE program_day (
  program_id             bigint NOT NULL REFERENCES program (id),
  day                    date NOT NULL,
  vehicles               integer NOT NULL,
  trips                  integer NOT NULL,
  distance_m             double precision NOT NULL,
  electric_distance_m    double precision NOT NULL,
  drive_wh               double precision NOT NULL,
  sessions               integer NOT NULL,
  charge_battery_wh      double precision NOT NULL,
  charge_wall_wh         double precision NOT NULL,
  charge_l1_wh           double precision NOT NULL,
  charge_l2_wh           double precision NOT NULL,
  charge_dcfc_wh         double precision NOT NULL,
  charge_in_territory_wh double precision NOT NULL,
  co2_g                  double precision NOT NULL,
  fuel_co2_g             double precision NOT NULL,
  co2_avoided_g          double precision NOT NULL,
  -- Wall energy by time-of-use period, and by local hour of day (24 values), summed.
  charge_tou_wh          jsonb NOT NULL,
  charge_hourly_wh       double precision[] NOT NULL,
  PRIMARY KEY (program_id, day)
);

-- The days derived before this migration.
INSERT INTO program_day
SELECT d.program_id, d.day, count(*)::int, sum(d.trips)::int, sum(d.distance_m), sum(d.electric_distance_m),
       sum(d.drive_wh), sum(d.sessions)::int, sum(d.charge_battery_wh), sum(d.charge_wall_wh), sum(d.charge_l1_wh),
       sum(d.charge_l2_wh), sum(d.charge_dcfc_wh), sum(d.charge_in_territory_wh), sum(d.co2_g), sum(d.fuel_co2_g),
       sum(d.co2_avoided_g),
       coalesce((SELECT jsonb_object_agg(t.key, t.total) FROM (
         SELECT e.key, sum(e.value::float8) AS total
           FROM vehicle_day x, jsonb_each_text(x.charge_tou_wh) AS e
          WHERE x.program_id = d.program_id AND x.day = d.day GROUP BY e.key) t), '{}'),
       (SELECT array_agg(h.total ORDER BY h.i) FROM (
         SELECT i, sum(x.charge_hourly_wh[i]) AS total
           FROM vehicle_day x, generate_series(1, 24) AS i
          WHERE x.program_id = d.program_id AND x.day = d.day GROUP BY i) h)
  FROM vehicle_day d
 WHERE d.program_id IS NOT NULL
 GROUP BY d.program_id, d.day;
