/**
 * Every program's daily sums computed afresh from its vehicles' daily rows, in program_day's
 * column order: what derivation keeps incrementally in program_day (and migration 0005 filled it
 * with). Tests compare against it; the web benchmark refills program_day with it after copying
 * vehicle days in SQL.
 */
export const PROGRAM_DAYS_FROM_VEHICLE_DAYS = `
  SELECT d.program_id, d.day, count(*)::int AS vehicles, sum(d.trips)::int AS trips, sum(d.distance_m) AS distance_m,
         sum(d.electric_distance_m) AS electric_distance_m, sum(d.drive_wh) AS drive_wh,
         sum(d.sessions)::int AS sessions, sum(d.charge_battery_wh) AS charge_battery_wh,
         sum(d.charge_wall_wh) AS charge_wall_wh, sum(d.charge_l1_wh) AS charge_l1_wh,
         sum(d.charge_l2_wh) AS charge_l2_wh, sum(d.charge_dcfc_wh) AS charge_dcfc_wh,
         sum(d.charge_in_territory_wh) AS charge_in_territory_wh, sum(d.co2_g) AS co2_g,
         sum(d.fuel_co2_g) AS fuel_co2_g, sum(d.co2_avoided_g) AS co2_avoided_g,
         coalesce((SELECT jsonb_object_agg(t.key, t.total) FROM (
           SELECT e.key, sum(e.value::float8) AS total FROM vehicle_day x, jsonb_each_text(x.charge_tou_wh) AS e
            WHERE x.program_id = d.program_id AND x.day = d.day GROUP BY e.key) t), '{}') AS charge_tou_wh,
         (SELECT array_agg(h.total ORDER BY h.i) FROM (
           SELECT i, sum(x.charge_hourly_wh[i]) AS total FROM vehicle_day x, generate_series(1, 24) AS i
            WHERE x.program_id = d.program_id AND x.day = d.day GROUP BY i) h) AS charge_hourly_wh
    FROM vehicle_day d WHERE d.program_id IS NOT NULL GROUP BY d.program_id, d.day`;
