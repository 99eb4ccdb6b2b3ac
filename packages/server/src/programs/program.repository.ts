/** SQL for programs. */
import type { Queryable } from '../db/database.js';
import type { TRewardRules } from '../rewards/rules.js';
import type { TEligibility, TListedVehicle, TPayoutOptions, TTerritory, TTou } from './program.schema.js';
import type { TRatePlan } from './rate-plan.js';

export interface ProgramRow {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly utility: string;
  readonly timeZone: string;
  readonly territory: TTerritory | null;
  readonly tou: TTou | null;
  readonly gridGPerKwh: number;
  readonly gridHourlyGPerKwh: number[] | null;
  readonly gridSource: string | null;
  readonly comparatorMpg: number;
  readonly ratePlan: TRatePlan | null;
  readonly region: string | null;
  readonly description: string | null;
  readonly eligibility: TEligibility;
  readonly vehicleList: TListedVehicle[];
  readonly unlistedVehiclesMayApply: boolean;
  /** Local dates, 'YYYY-MM-DD'. */
  readonly applicationsOpenOn: string | null;
  readonly applicationsCloseOn: string | null;
  readonly collectionStartsOn: string | null;
  readonly collectionEndsOn: string | null;
  readonly participantTarget: number | null;
  readonly supportEmail: string | null;
  readonly supportPhone: string | null;
  readonly supportHours: string | null;
  /** Where and how a device that must come back is returned; null: the standard text. */
  readonly deviceReturnInstructions: string | null;
  readonly rewardRules: TRewardRules;
  readonly currency: string;
  readonly pointsPerUnit: number;
  readonly rewardDisplay: 'money' | 'points';
  readonly payoutOptions: TPayoutOptions;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type ProgramValues = Omit<ProgramRow, 'id' | 'createdAt' | 'updatedAt'>;

const COLUMNS = `id, slug, name, utility, time_zone AS "timeZone", territory, tou,
  grid_g_per_kwh AS "gridGPerKwh", grid_hourly_g_per_kwh AS "gridHourlyGPerKwh", grid_source AS "gridSource",
  comparator_mpg AS "comparatorMpg", rate_plan AS "ratePlan", region, description, eligibility, vehicle_list AS "vehicleList",
  unlisted_vehicles_may_apply AS "unlistedVehiclesMayApply", applications_open_on::text AS "applicationsOpenOn",
  applications_close_on::text AS "applicationsCloseOn", collection_starts_on::text AS "collectionStartsOn",
  collection_ends_on::text AS "collectionEndsOn", participant_target AS "participantTarget",
  support_email AS "supportEmail", support_phone AS "supportPhone", support_hours AS "supportHours",
  device_return_instructions AS "deviceReturnInstructions", reward_rules AS "rewardRules", currency, points_per_unit AS "pointsPerUnit", reward_display AS "rewardDisplay",
  payout_options AS "payoutOptions", created_at AS "createdAt", updated_at AS "updatedAt"`;

const VALUE_COLUMNS = [
  'slug',
  'name',
  'utility',
  'time_zone',
  'territory',
  'tou',
  'grid_g_per_kwh',
  'grid_hourly_g_per_kwh',
  'grid_source',
  'comparator_mpg',
  'rate_plan',
  'region',
  'description',
  'eligibility',
  'vehicle_list',
  'unlisted_vehicles_may_apply',
  'applications_open_on',
  'applications_close_on',
  'collection_starts_on',
  'collection_ends_on',
  'participant_target',
  'support_email',
  'support_phone',
  'support_hours',
  'device_return_instructions',
  'reward_rules',
  'currency',
  'points_per_unit',
  'reward_display',
  'payout_options',
] as const;
const JSON_COLUMNS = new Set([
  'territory',
  'tou',
  'rate_plan',
  'eligibility',
  'vehicle_list',
  'reward_rules',
  'payout_options',
]);
const DATE_COLUMNS = new Set([
  'applications_open_on',
  'applications_close_on',
  'collection_starts_on',
  'collection_ends_on',
]);
const placeholder = (column: string, i: number) =>
  `$${i}${JSON_COLUMNS.has(column) ? '::jsonb' : DATE_COLUMNS.has(column) ? '::date' : ''}`;

function valueParams(p: ProgramValues): unknown[] {
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  return [
    p.slug,
    p.name,
    p.utility,
    p.timeZone,
    json(p.territory),
    json(p.tou),
    p.gridGPerKwh,
    p.gridHourlyGPerKwh,
    p.gridSource,
    p.comparatorMpg,
    json(p.ratePlan),
    p.region,
    p.description,
    json(p.eligibility),
    json(p.vehicleList),
    p.unlistedVehiclesMayApply,
    p.applicationsOpenOn,
    p.applicationsCloseOn,
    p.collectionStartsOn,
    p.collectionEndsOn,
    p.participantTarget,
    p.supportEmail,
    p.supportPhone,
    p.supportHours,
    p.deviceReturnInstructions,
    json(p.rewardRules),
    p.currency,
    p.pointsPerUnit,
    p.rewardDisplay,
    json(p.payoutOptions),
  ];
}

export async function insertProgram(q: Queryable, p: ProgramValues): Promise<ProgramRow> {
  const { rows } = await q.query<ProgramRow & Record<string, unknown>>(
    `INSERT INTO program (${VALUE_COLUMNS.join(', ')})
     VALUES (${VALUE_COLUMNS.map((c, i) => placeholder(c, i + 1)).join(', ')}) RETURNING ${COLUMNS}`,
    valueParams(p),
  );
  return rows[0]!;
}

export async function updateProgram(q: Queryable, id: number, p: ProgramValues): Promise<ProgramRow | undefined> {
  // The slug ($1) never changes (it names the program in URLs and in the CLI): it only confirms the row.
  const sets = VALUE_COLUMNS.slice(1).map((c, i) => `${c} = ${placeholder(c, i + 2)}`);
  const { rows } = await q.query<ProgramRow & Record<string, unknown>>(
    `UPDATE program SET ${sets.join(', ')}, updated_at = now() WHERE id = $${VALUE_COLUMNS.length + 1} AND slug = $1 RETURNING ${COLUMNS}`,
    [...valueParams(p), id],
  );
  return rows[0];
}

/** Locks the program's row for the rest of the transaction (approvals against the participant target). */
export async function lockProgram(q: Queryable, id: number): Promise<void> {
  await q.query(`SELECT id FROM program WHERE id = $1 FOR UPDATE`, [id]);
}

export async function listProgramsOfUtility(q: Queryable, utility: string): Promise<ProgramRow[]> {
  const { rows } = await q.query<ProgramRow & Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM program WHERE utility = $1 ORDER BY slug`,
    [utility],
  );
  return rows;
}

export async function findProgramById(q: Queryable, id: number): Promise<ProgramRow | undefined> {
  const { rows } = await q.query<ProgramRow & Record<string, unknown>>(`SELECT ${COLUMNS} FROM program WHERE id = $1`, [
    id,
  ]);
  return rows[0];
}

export async function findProgramBySlug(q: Queryable, slug: string): Promise<ProgramRow | undefined> {
  const { rows } = await q.query<ProgramRow & Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM program WHERE slug = $1`,
    [slug],
  );
  return rows[0];
}

export async function listPrograms(q: Queryable): Promise<ProgramRow[]> {
  const { rows } = await q.query<ProgramRow & Record<string, unknown>>(`SELECT ${COLUMNS} FROM program ORDER BY slug`);
  return rows;
}
