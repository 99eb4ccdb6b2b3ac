/**
 * Programs: a utility's program as data. This context holds what derivation needs (time zone,
 * territory, time-of-use plan, grid factors, comparator car); enrollment and rewards add the rest.
 * Changing a program changes how new data is derived; `smartcharge rebuild` applies it to the past.
 */
import { type z } from 'zod';
import { requireOperator, type Actor } from '../actor.js';
import type { Queryable } from '../db/database.js';
import { AppError, SQLSTATE, sqlStateOf } from '../errors.js';
import { parseInput } from '../validation.js';
import { PRESET_IDS, PRESETS, type PresetId } from './presets.js';
import type { ProgramSettings } from './program-rules.js';
import {
  findProgramById,
  findProgramBySlug,
  insertProgram,
  listPrograms,
  updateProgram,
  type ProgramRow,
  type ProgramValues,
} from './program.repository.js';
import { ZCreateProgramSchema, type TCreateProgram } from './program.schema.js';

export type Program = ProgramRow;

const ZUpdateProgramSchema = ZCreateProgramSchema.omit({ slug: true })
  .partial()
  .extend({
    // null clears an optional part
    territory: ZCreateProgramSchema.shape.territory.nullable(),
    tou: ZCreateProgramSchema.shape.tou.nullable(),
    gridHourlyGPerKwh: ZCreateProgramSchema.shape.gridHourlyGPerKwh.nullable(),
  })
  .partial();
export type TUpdateProgram = z.input<typeof ZUpdateProgramSchema>;

function valuesOf(input: z.output<typeof ZCreateProgramSchema>): ProgramValues {
  return {
    slug: input.slug,
    name: input.name,
    utility: input.utility,
    timeZone: input.timeZone,
    territory: input.territory ?? null,
    tou: input.tou ?? null,
    gridGPerKwh: input.gridGPerKwh,
    gridHourlyGPerKwh: input.gridHourlyGPerKwh ?? null,
    gridSource: input.gridSource ?? null,
    comparatorMpg: input.comparatorMpg,
  };
}

export function programSettings(program: ProgramRow): ProgramSettings {
  return {
    id: program.id,
    timeZone: program.timeZone,
    territory: program.territory,
    tou: program.tou,
    gridGPerKwh: program.gridGPerKwh,
    gridHourlyGPerKwh: program.gridHourlyGPerKwh,
    comparatorMpg: program.comparatorMpg,
  };
}

export class ProgramService {
  constructor(private readonly db: Queryable) {}

  async createProgram(actor: Actor, input: TCreateProgram): Promise<Program> {
    requireOperator(actor);
    const values = valuesOf(parseInput(ZCreateProgramSchema, input));
    try {
      return await insertProgram(this.db, values);
    } catch (error) {
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation) {
        throw new AppError('conflict', `A program with slug "${values.slug}" already exists.`);
      }
      throw error;
    }
  }

  /** Creates one of the ready-made programs, or returns it when it exists already. */
  async ensurePreset(actor: Actor, preset: string): Promise<Program> {
    requireOperator(actor);
    if (!(PRESET_IDS as readonly string[]).includes(preset)) {
      throw new AppError('invalid_input', `preset: "${preset}" is not one of ${PRESET_IDS.join(', ')}.`, {
        details: [{ field: 'preset', message: `expected one of ${PRESET_IDS.join(', ')}` }],
      });
    }
    const existing = await findProgramBySlug(this.db, preset);
    if (existing) return existing;
    try {
      return await insertProgram(this.db, valuesOf(parseInput(ZCreateProgramSchema, PRESETS[preset as PresetId])));
    } catch (error) {
      // Two callers at once: the other one created it.
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation) return (await findProgramBySlug(this.db, preset))!;
      throw error;
    }
  }

  async updateProgram(actor: Actor, idOrSlug: string | number, input: TUpdateProgram): Promise<Program> {
    const current = await this.getProgram(actor, idOrSlug);
    const changes = parseInput(ZUpdateProgramSchema, input);
    const values: ProgramValues = {
      slug: current.slug,
      name: changes.name ?? current.name,
      utility: changes.utility ?? current.utility,
      timeZone: changes.timeZone ?? current.timeZone,
      territory: changes.territory === undefined ? current.territory : changes.territory,
      tou: changes.tou === undefined ? current.tou : changes.tou,
      gridGPerKwh: changes.gridGPerKwh ?? current.gridGPerKwh,
      gridHourlyGPerKwh:
        changes.gridHourlyGPerKwh === undefined ? current.gridHourlyGPerKwh : changes.gridHourlyGPerKwh,
      gridSource: changes.gridSource ?? current.gridSource,
      comparatorMpg: changes.comparatorMpg ?? current.comparatorMpg,
    };
    return (await updateProgram(this.db, current.id, values))!;
  }

  async getProgram(actor: Actor, idOrSlug: string | number): Promise<Program> {
    requireOperator(actor);
    const byId = typeof idOrSlug === 'number' || /^\d+$/.test(idOrSlug);
    const program = byId
      ? await findProgramById(this.db, Number(idOrSlug))
      : await findProgramBySlug(this.db, idOrSlug);
    if (!program) throw new AppError('not_found', `No program has ${byId ? 'id' : 'slug'} ${idOrSlug}.`);
    return program;
  }

  async listPrograms(actor: Actor): Promise<Program[]> {
    requireOperator(actor);
    return listPrograms(this.db);
  }
}
