/**
 * Programs: a utility's program as data. This context holds what derivation needs (time zone,
 * territory, time-of-use plan, grid factors, comparator car); enrollment and rewards add the rest.
 * Changing a program changes how new data is derived; `smartcharge rebuild` applies it to the past.
 */
import { type z } from 'zod';
import { requireStaff, requireUtility, type Actor } from '../actor.js';
import { describeRule, ZRewardRulesSchema } from '../rewards/rules.js';
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
  listProgramsOfUtility,
  lockProgram,
  updateProgram,
  type ProgramRow,
  type ProgramValues,
} from './program.repository.js';
import { ZCreateProgramSchema as ZProgramBaseSchema, ZProgramTermsSchema } from './program.schema.js';

export type Program = ProgramRow;

/** A reward rule in plain words, as drivers read it ("$5.00 for every month after your start …"). */
export interface RewardRuleSentence {
  readonly key: string;
  readonly label: string;
  readonly sentence: string;
}

/** A program as its staff read it over the API: the program, and each reward rule in plain words. */
export interface StaffProgram extends Program {
  readonly rewardRuleSentences: readonly RewardRuleSentence[];
}

/** Each reward rule as one sentence, in money or points as the program shows rewards. */
export function rewardRuleSentencesOf(
  p: Pick<Program, 'rewardRules' | 'pointsPerUnit' | 'currency' | 'rewardDisplay'>,
): RewardRuleSentence[] {
  return p.rewardRules.map((rule) => ({
    key: rule.key,
    label: rule.label,
    sentence: describeRule(rule, p.pointsPerUnit, p.currency, p.rewardDisplay),
  }));
}

export function toStaffProgram(p: Program): StaffProgram {
  return { ...p, rewardRuleSentences: rewardRuleSentencesOf(p) };
}

/** A whole program: what derivation needs, the terms of joining and paying, and the reward rules. */
export const ZCreateProgramSchema = ZProgramBaseSchema.extend(ZProgramTermsSchema.shape).extend({
  rewardRules: ZRewardRulesSchema.default([]),
});
export type TCreateProgram = z.input<typeof ZCreateProgramSchema>;

/** What anyone may read of a program: enough to decide to apply, and to get help. */
export type PublicProgram = Pick<
  Program,
  | 'id'
  | 'slug'
  | 'name'
  | 'utility'
  | 'region'
  | 'description'
  | 'timeZone'
  | 'eligibility'
  | 'vehicleList'
  | 'unlistedVehiclesMayApply'
  | 'applicationsOpenOn'
  | 'applicationsCloseOn'
  | 'collectionStartsOn'
  | 'collectionEndsOn'
  | 'participantTarget'
  | 'supportEmail'
  | 'supportPhone'
  | 'supportHours'
  | 'deviceReturnInstructions'
  | 'rewardRules'
  | 'currency'
  | 'pointsPerUnit'
  | 'rewardDisplay'
  | 'payoutOptions'
  | 'territory'
> & { readonly rewardRuleSentences: readonly RewardRuleSentence[] };

export function toPublicProgram(p: Program): PublicProgram {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    utility: p.utility,
    region: p.region,
    description: p.description,
    timeZone: p.timeZone,
    eligibility: p.eligibility,
    vehicleList: p.vehicleList,
    unlistedVehiclesMayApply: p.unlistedVehiclesMayApply,
    applicationsOpenOn: p.applicationsOpenOn,
    applicationsCloseOn: p.applicationsCloseOn,
    collectionStartsOn: p.collectionStartsOn,
    collectionEndsOn: p.collectionEndsOn,
    participantTarget: p.participantTarget,
    supportEmail: p.supportEmail,
    supportPhone: p.supportPhone,
    supportHours: p.supportHours,
    deviceReturnInstructions: p.deviceReturnInstructions,
    rewardRules: p.rewardRules,
    currency: p.currency,
    pointsPerUnit: p.pointsPerUnit,
    rewardDisplay: p.rewardDisplay,
    payoutOptions: p.payoutOptions,
    // The service area (public: the program's page describes it); the charging map draws it.
    territory: p.territory,
    rewardRuleSentences: rewardRuleSentencesOf(p),
  };
}

const NULLABLE = [
  'territory',
  'tou',
  'ratePlan',
  'gridHourlyGPerKwh',
  'region',
  'description',
  'applicationsOpenOn',
  'applicationsCloseOn',
  'collectionStartsOn',
  'collectionEndsOn',
  'participantTarget',
  'supportEmail',
  'supportPhone',
  'supportHours',
  'deviceReturnInstructions',
] as const;

const ZUpdateProgramSchema = ZCreateProgramSchema.omit({ slug: true })
  .partial()
  .extend({
    // null clears an optional part
    ...Object.fromEntries(NULLABLE.map((key) => [key, ZCreateProgramSchema.shape[key].unwrap().nullable().optional()])),
  })
  .partial();
export type TUpdateProgram = z.input<typeof ZUpdateProgramSchema>;

function notFound(idOrSlug: string | number): AppError {
  const byId = typeof idOrSlug === 'number' || /^\d+$/.test(idOrSlug);
  return new AppError('not_found', `No program has ${byId ? 'id' : 'slug'} ${idOrSlug}.`);
}

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
    ratePlan: input.ratePlan ?? null,
    region: input.region ?? null,
    description: input.description ?? null,
    eligibility: input.eligibility,
    vehicleList: input.vehicleList,
    unlistedVehiclesMayApply: input.unlistedVehiclesMayApply,
    applicationsOpenOn: input.applicationsOpenOn ?? null,
    applicationsCloseOn: input.applicationsCloseOn ?? null,
    collectionStartsOn: input.collectionStartsOn ?? null,
    collectionEndsOn: input.collectionEndsOn ?? null,
    participantTarget: input.participantTarget ?? null,
    supportEmail: input.supportEmail ?? null,
    supportPhone: input.supportPhone ?? null,
    supportHours: input.supportHours ?? null,
    deviceReturnInstructions: input.deviceReturnInstructions ?? null,
    rewardRules: input.rewardRules,
    currency: input.currency,
    pointsPerUnit: input.pointsPerUnit,
    rewardDisplay: input.rewardDisplay,
    payoutOptions: input.payoutOptions,
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

  async createProgram(actor: Actor, input: TCreateProgram): Promise<StaffProgram> {
    requireStaff(actor);
    const values = valuesOf(parseInput(ZCreateProgramSchema, input));
    requireUtility(actor, values.utility);
    try {
      return toStaffProgram(await insertProgram(this.db, values));
    } catch (error) {
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation) {
        throw new AppError('conflict', `A program with slug "${values.slug}" already exists.`);
      }
      throw error;
    }
  }

  /** Creates one of the ready-made programs, or returns it when it exists already. */
  async ensurePreset(actor: Actor, preset: string): Promise<StaffProgram> {
    requireStaff(actor);
    if (!(PRESET_IDS as readonly string[]).includes(preset)) {
      throw new AppError('invalid_input', `preset: "${preset}" is not one of ${PRESET_IDS.join(', ')}.`, {
        details: [{ field: 'preset', message: `expected one of ${PRESET_IDS.join(', ')}` }],
      });
    }
    requireUtility(actor, PRESETS[preset as PresetId].utility);
    const existing = await findProgramBySlug(this.db, preset);
    if (existing) return toStaffProgram(existing);
    try {
      return toStaffProgram(
        await insertProgram(this.db, valuesOf(parseInput(ZCreateProgramSchema, PRESETS[preset as PresetId]))),
      );
    } catch (error) {
      // Two callers at once: the other one created it.
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation)
        return toStaffProgram((await findProgramBySlug(this.db, preset))!);
      throw error;
    }
  }

  async updateProgram(actor: Actor, idOrSlug: string | number, input: TUpdateProgram): Promise<StaffProgram> {
    const current = await this.getProgram(actor, idOrSlug);
    const changes = parseInput(ZUpdateProgramSchema, input) as Partial<ProgramValues>;
    // A program administrator cannot hand a program to another utility.
    if (changes.utility !== undefined) requireUtility(actor, changes.utility);
    const values = { ...current } as Record<string, unknown>;
    // Only what the caller sent: the schema's defaults must not reset what they left out.
    const sent = new Set(Object.keys(input ?? {}));
    for (const [key, value] of Object.entries(changes)) if (sent.has(key) && value !== undefined) values[key] = value;
    const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = values as unknown as Program;
    return toStaffProgram((await updateProgram(this.db, current.id, rest))!);
  }

  /** A program as its staff see it: operators any, program administrators their utility's. */
  async getProgram(actor: Actor, idOrSlug: string | number): Promise<Program> {
    requireStaff(actor);
    const program = await this.findAny(idOrSlug);
    // Another utility's program is "not found" to an administrator: existence is not theirs to learn.
    if (!program || (actor.kind === 'program_admin' && program.utility !== actor.utility)) {
      throw notFound(idOrSlug);
    }
    return program;
  }

  /** The same, for the staff's own eyes (the API): with each reward rule in plain words. */
  async getStaffProgram(actor: Actor, idOrSlug: string | number): Promise<StaffProgram> {
    return toStaffProgram(await this.getProgram(actor, idOrSlug));
  }

  /** For other contexts acting on a checked caller's behalf (derivation, enrollment, rewards). */
  async getProgramInternal(idOrSlug: string | number): Promise<Program> {
    const program = await this.findAny(idOrSlug);
    if (!program) throw notFound(idOrSlug);
    return program;
  }

  /** Every program, whole: for scheduled work acting for the platform itself. */
  async listProgramsInternal(): Promise<Program[]> {
    return listPrograms(this.db);
  }

  /** What anyone may know of a program: its terms, to decide to apply, or to ask about it. */
  async getPublicProgram(idOrSlug: string | number): Promise<PublicProgram> {
    return toPublicProgram(await this.getProgramInternal(idOrSlug));
  }

  async listPublicPrograms(): Promise<PublicProgram[]> {
    return (await listPrograms(this.db)).map(toPublicProgram);
  }

  async listPrograms(actor: Actor): Promise<StaffProgram[]> {
    requireStaff(actor);
    const rows =
      actor.kind === 'program_admin'
        ? await listProgramsOfUtility(this.db, actor.utility)
        : await listPrograms(this.db);
    return rows.map(toStaffProgram);
  }

  /** Locks the program's row until the transaction ends (approvals against the target). */
  async lockProgram(tx: Queryable, id: number): Promise<void> {
    await lockProgram(tx, id);
  }

  private async findAny(idOrSlug: string | number): Promise<Program | undefined> {
    const byId = typeof idOrSlug === 'number' || /^\d+$/.test(idOrSlug);
    return byId ? findProgramById(this.db, Number(idOrSlug)) : findProgramBySlug(this.db, idOrSlug);
  }
}
