-- 0013: a program's electricity rates, and heating/cooling kept apart from the other low-voltage
-- loads while plugged in.
--
-- rate_plan: priced time-of-use periods by season, holidays priced like weekends, and what savings
-- are measured against (see src/programs/rate-plan.ts). NULL: the program has published no rates,
-- and no cost is shown. Costs are worked out when read, from each charge's energy by local hour,
-- so a change of rates reprices every charge without a rebuild.
ALTER TABLE program ADD COLUMN rate_plan jsonb;

-- While plugged in, heating or cooling (pre-conditioning the cabin or the battery) is kept apart
-- from the car's other low-voltage loads (lights, radio, USB): charge_session.aux_wh and
-- vehicle_day.charge_aux_wh now hold only the latter. Rows derived before this migration hold both
-- in aux_wh with hvac_wh 0 until `smartcharge rebuild` derives them again.
ALTER TABLE charge_session ADD COLUMN hvac_wh double precision NOT NULL DEFAULT 0;
ALTER TABLE vehicle_day ADD COLUMN charge_hvac_wh double precision NOT NULL DEFAULT 0;
