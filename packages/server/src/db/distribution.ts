/**
 * Where every table would live on a Citus cluster: the one place the classification is kept.
 * docs/scaling.md explains it, deploy/cluster/citus-setup.sql is generated from it
 * (citusSetupSql), and test/citus-readiness.test.ts checks the migrated schema against it: a
 * distributed table's keys include its distribution column, foreign keys go only where Citus
 * allows them, and a table missing from this list fails the test.
 *
 * Four kinds (Citus's own): distributed by a column (sharded by hash; tables of one group are
 * co-located, shard for shard), reference (one copy on every node: small, read everywhere,
 * written rarely), local (on the coordinator only: the people and program side, joined with
 * nothing distributed in a hot path). Citus is not installable on the development machine: the
 * rules are checked against its documentation, not against a running cluster.
 */

/** The distribution groups: raw telemetry by device, everything derived from it by vehicle. */
export const DISTRIBUTION_GROUPS = {
  device: { column: 'device_id' },
  vehicle: { column: 'vehicle_id' },
} as const;

export type DistributionGroup = keyof typeof DISTRIBUTION_GROUPS;

export type TablePlacement =
  | { readonly kind: 'distributed'; readonly group: DistributionGroup; readonly why: string }
  | { readonly kind: 'reference'; readonly why: string }
  | { readonly kind: 'local'; readonly why: string };

const byDevice = (why: string): TablePlacement => ({ kind: 'distributed', group: 'device', why });
const byVehicle = (why: string): TablePlacement => ({ kind: 'distributed', group: 'vehicle', why });
const reference = (why: string): TablePlacement => ({ kind: 'reference', why });
const local = (why: string): TablePlacement => ({ kind: 'local', why });

/**
 * Every table of the schema (partitions follow their parent). A new migration's table goes here,
 * with the reason; within a distributed group, the first table listed anchors the co-location.
 */
export const TABLE_PLACEMENT: Readonly<Record<string, TablePlacement>> = {
  // Raw telemetry: the bulk of the data and of the writes. Every key leads with the device.
  telemetry_stream: byDevice(
    'Per-(device, boot) sequence coverage, upserted by every batch with ON CONFLICT (device_id, boot_id): one shard per statement.',
  ),
  telemetry_chunk: byDevice(
    'The records, month-partitioned by started_at (one level, as Citus requires); the primary key leads with device_id and every read names one device.',
  ),

  // Derived data: rewritten per vehicle by derivation, read per vehicle by the portal.
  vehicle_day: byVehicle(
    'Daily rollup per vehicle; the grid view sums it across a program (a multi-shard aggregate, no cross-shard join).',
  ),
  trip: byVehicle('Keyed (vehicle_id, started_at); replaced per vehicle by derivation.'),
  charge_session: byVehicle('Keyed (vehicle_id, plugged_at); replaced per vehicle by derivation.'),
  charge_segment: byVehicle('Keyed (vehicle_id, started_at); read with its sessions by vehicle_id.'),
  battery_health: byVehicle('Keyed (vehicle_id, week_start); replaced per vehicle by derivation.'),

  // The registry every node reads: one row per program, person, car and device. Listed so that a
  // table follows every reference table it refers to: create_reference_table runs in this order.
  program: reference(
    'A handful of rows, read by every derivation and view; derived tables and devices hold foreign keys to it.',
  ),
  account: reference(
    'vehicle.owner_account_id and device_event.by_account_id refer to it, and a reference table may refer only to reference tables. Written on sign-up and profile changes, not per reading.',
  ),
  vehicle: reference(
    'Every derived table refers to it, and it carries a cross-vehicle unique key (vin) that a distributed table could not enforce. One row per car: a million rows is tens of megabytes on each node.',
  ),
  device: reference(
    'Looked up by serial (unique across devices) to authenticate every uplink, and referred to by telemetry_stream. Ingest updates last_seen_at once per group commit: correct on Citus, a replicated write (see docs/scaling.md).',
  ),
  device_assignment: reference(
    'Which device was in which vehicle when: read by device (ingest) and by vehicle (derivation), and one query correlates the two. Written only when a device moves.',
  ),
  device_event: reference(
    'A device lifecycle trail, a few rows per device; ingest reads it in a correlated subquery joined to device, which Citus runs only on reference (or single-shard) tables.',
  ),

  // Coordination between nodes: claimed with row locks across vehicles.
  derive_queue: local(
    'Keyed by vehicle, but a worker claims the oldest rows of any vehicles with FOR UPDATE SKIP LOCKED and sets leases with clock_timestamp(): Citus runs FOR UPDATE in single-shard queries only and refuses VOLATILE functions in UPDATEs of distributed tables. At most one row per vehicle with work waiting.',
  ),

  // The people and program side: small, transactional, never joined with telemetry in a hot path.
  program_day: local(
    "A program's daily totals: every vehicle's derivation adds its difference in the same transaction. Keyed by program, not vehicle; as a reference table each derivation would be a write to every node.",
  ),
  enrollment: local('Applications and participation: rows per participant, changed by people, not by devices.'),
  enrollment_vehicle: local('A vehicle in an enrollment; refers to vehicle (reference), which Citus allows.'),
  shipment: local('Devices and cables sent to participants; refers to device (reference).'),
  ledger_entry: local(
    'The rewards ledger, append-only by a trigger; joined with enrollments and payouts, never with telemetry.',
  ),
  payout_batch: local('One batch per program, provider and period; locked FOR UPDATE while it is sent.'),
  payout_item: local('One item per participant in a batch.'),
  notification: local('Messages to an account; dedupe_key is unique across accounts.'),
  share_link: local('Read-only links a driver gives; token_hash is unique across accounts.'),
  auth_session: local('Signed-in sessions, touched on every request: kept off the replicated tables.'),
  password_reset: local('One-time reset tokens.'),
  login_attempt: local('Sign-in rate limiting; serialised by advisory locks, which hold on the coordinator.'),
  property_inquiry: local("Property managers' inquiries."),
  property_inquiry_change: local('Status changes of an inquiry.'),
  job: local('The job schedule: claimed by a lease in one UPDATE, across every server process.'),
  job_run: local('The history of job runs.'),
  dr_schedule: local("A program's standing demand-response schedules: a few rows per program."),
  dr_event: local(
    'Demand-response events: a few hundred a year per program, written by people, jobs and the OpenADR poller.',
  ),
  dr_participant: local(
    "An event's participants (group, window, opt-out, measurement): joined with enrollments and the ledger; refers to vehicle (reference), which Citus allows.",
  ),
  dr_preference: local("A driver's demand-response preferences, one row per enrollment."),
  grid_group: local("The utility's feeders and transformers as uploaded, per program."),
  grid_service_point: local('Which service point (utility account) sits on which transformer, per program.'),
  schema_migration: local('Which migrations ran; written by migrate() under an advisory lock on the coordinator.'),
};

export function distributionColumn(group: DistributionGroup): string {
  return DISTRIBUTION_GROUPS[group].column;
}

/** Tables of one kind, in the order listed above. */
export function tablesOfKind(kind: TablePlacement['kind']): string[] {
  return Object.entries(TABLE_PLACEMENT)
    .filter(([, placement]) => placement.kind === kind)
    .map(([table]) => table);
}

/**
 * The statements that turn a migrated database on a Citus coordinator into the cluster layout:
 * reference tables first (the distributed tables' foreign keys point at them), then each
 * distribution group, its first table in a co-location group of its own (device ids and vehicle
 * ids are unrelated numbers: co-locating the two groups would only tie their rebalancing).
 */
export function citusSetupSql(): string {
  const lines = [
    '-- Generated from packages/server/src/db/distribution.ts (citusSetupSql): edit that file, not this one.',
    '-- Run once on the Citus coordinator, after `smartcharge migrate` and before the servers start.',
    '-- Untested against a running cluster: Citus is not installable on the development machine.',
    '--',
    '-- Local tables that hold foreign keys to reference tables need the coordinator in the metadata:',
    "--   SELECT citus_set_coordinator_host('<coordinator host>', 5432);",
  ];
  for (const table of tablesOfKind('reference')) lines.push(`SELECT create_reference_table('${table}');`);
  for (const group of Object.keys(DISTRIBUTION_GROUPS) as DistributionGroup[]) {
    const tables = Object.entries(TABLE_PLACEMENT)
      .filter(([, p]) => p.kind === 'distributed' && p.group === group)
      .map(([table]) => table);
    const anchor = tables[0];
    for (const table of tables) {
      const colocate = table === anchor ? "'none'" : `'${anchor}'`;
      lines.push(
        `SELECT create_distributed_table('${table}', '${distributionColumn(group)}', colocate_with => ${colocate});`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}
