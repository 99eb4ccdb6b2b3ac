/** SQL for programs. */
import type { Queryable } from '../db/database.js';
import type { TTerritory, TTou } from './program.schema.js';

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
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type ProgramValues = Omit<ProgramRow, 'id' | 'createdAt' | 'updatedAt'>;

const COLUMNS = `id, slug, name, utility, time_zone AS "timeZone", territory, tou,
  grid_g_per_kwh AS "gridGPerKwh", grid_hourly_g_per_kwh AS "gridHourlyGPerKwh", grid_source AS "gridSource",
  comparator_mpg AS "comparatorMpg", created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function insertProgram(q: Queryable, p: ProgramValues): Promise<ProgramRow> {
  const { rows } = await q.query<ProgramRow & Record<string, unknown>>(
    `INSERT INTO program (slug, name, utility, time_zone, territory, tou, grid_g_per_kwh, grid_hourly_g_per_kwh,
                          grid_source, comparator_mpg)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    [
      p.slug,
      p.name,
      p.utility,
      p.timeZone,
      p.territory === null ? null : JSON.stringify(p.territory),
      p.tou === null ? null : JSON.stringify(p.tou),
      p.gridGPerKwh,
      p.gridHourlyGPerKwh,
      p.gridSource,
      p.comparatorMpg,
    ],
  );
  return rows[0]!;
}

export async function updateProgram(q: Queryable, id: number, p: ProgramValues): Promise<ProgramRow | undefined> {
  const { rows } = await q.query<ProgramRow & Record<string, unknown>>(
    `UPDATE program SET name = $2, utility = $3, time_zone = $4, territory = $5::jsonb, tou = $6::jsonb,
            grid_g_per_kwh = $7, grid_hourly_g_per_kwh = $8, grid_source = $9, comparator_mpg = $10, updated_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      p.name,
      p.utility,
      p.timeZone,
      p.territory === null ? null : JSON.stringify(p.territory),
      p.tou === null ? null : JSON.stringify(p.tou),
      p.gridGPerKwh,
      p.gridHourlyGPerKwh,
      p.gridSource,
      p.comparatorMpg,
    ],
  );
  return rows[0];
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
