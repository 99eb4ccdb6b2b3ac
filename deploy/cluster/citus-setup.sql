-- Generated from packages/server/src/db/distribution.ts (citusSetupSql): edit that file, not this one.
-- Run once on the Citus coordinator, after `smartcharge migrate` and before the servers start.
-- Untested against a running cluster: Citus is not installable on the development machine.
--
-- Local tables that hold foreign keys to reference tables need the coordinator in the metadata:
--   SELECT citus_set_coordinator_host('<coordinator host>', 5432);
SELECT create_reference_table('program');
SELECT create_reference_table('account');
SELECT create_reference_table('vehicle');
SELECT create_reference_table('device');
SELECT create_reference_table('device_assignment');
SELECT create_reference_table('device_event');
SELECT create_distributed_table('telemetry_stream', 'device_id', colocate_with => 'none');
SELECT create_distributed_table('telemetry_chunk', 'device_id', colocate_with => 'telemetry_stream');
SELECT create_distributed_table('vehicle_day', 'vehicle_id', colocate_with => 'none');
SELECT create_distributed_table('trip', 'vehicle_id', colocate_with => 'vehicle_day');
SELECT create_distributed_table('charge_session', 'vehicle_id', colocate_with => 'vehicle_day');
SELECT create_distributed_table('charge_segment', 'vehicle_id', colocate_with => 'vehicle_day');
SELECT create_distributed_table('battery_health', 'vehicle_id', colocate_with => 'vehicle_day');
