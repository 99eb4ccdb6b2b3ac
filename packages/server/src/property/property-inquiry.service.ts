/**
 * Property managers' inquiries about a program's subsidised smart-charging station for a
 * multi-unit building: the public form (stored, with a first pre-qualification shown to the
 * submitter) and the administrators' queue (list, read, move along, note, count).
 */
import { requireStaff, type Actor } from '../actor.js';
import type { Queryable } from '../db/database.js';
import { AppError, isAppError } from '../errors.js';
import type { ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import {
  countPropertyInquiriesByStatus,
  findPropertyInquiry,
  insertPropertyInquiry,
  listPropertyInquiries,
  updatePropertyInquiry,
  type PropertyInquiryRow,
} from './property-inquiry.repository.js';
import {
  checkInquiryTransition,
  PROPERTY_INQUIRY_STATUSES,
  ZListPropertyInquiriesSchema,
  ZSubmitPropertyInquirySchema,
  ZUpdatePropertyInquirySchema,
  type TListPropertyInquiries,
  type TPropertyAddress,
  type TPropertyInquiryStatus,
  type TSubmitPropertyInquiry,
  type TUpdatePropertyInquiry,
} from './property-inquiry.schema.js';

/**
 * Fewest dwelling units for "multi-unit" in the offer. A duplex is owned, financed and parked like
 * a house (each household usually has its own driveway), and rarely has a common area anyone manages;
 * from three units up a building typically has shared parking run by an owner, a manager or a
 * condominium corporation, which is where a shared station goes. This is only a first check that
 * sets the submitter's expectations (administrators decide), so it errs inclusive: 3, not the 5 that
 * US lending uses for "multifamily".
 */
export const MIN_UNITS_FOR_OFFER = 3;

export interface Prequalification {
  readonly likelyToQualify: boolean;
  /** Plain sentences for the submitter (and the administrator reading the queue). */
  readonly reasons: readonly string[];
}

/** Pure: what the form's answers say about the offer's conditions. */
export function prequalify(building: {
  readonly units: number;
  readonly hasCommonArea: boolean;
  readonly parkingSpaces?: number | null | undefined;
}): Prequalification {
  const reasons: string[] = [];
  if (building.units === 1) {
    reasons.push(
      'A single-family home is not eligible: the offer is for multi-unit residential buildings with a common area.',
    );
  } else if (building.units < MIN_UNITS_FOR_OFFER) {
    reasons.push(
      `A ${building.units}-unit building is not likely to qualify: the offer is for residential buildings of ${MIN_UNITS_FOR_OFFER} or more units with a common area.`,
    );
  }
  if (!building.hasCommonArea && building.units > 1) {
    reasons.push(
      'The building needs a common area (such as a shared parking lot or garage) where the shared station can be installed.',
    );
  }
  if (building.parkingSpaces === 0) {
    reasons.push('The building has no parking spaces: a charging station needs parking that it can serve.');
  }
  const likelyToQualify = reasons.length === 0;
  if (likelyToQualify) {
    reasons.push(
      `A residential building of ${building.units} units with a common area fits the offer.`,
      'This is a first check, not a decision: space is limited, and the program team will email you to confirm.',
    );
  } else {
    reasons.push('The program team will still read your inquiry and reply by email.');
  }
  return { likelyToQualify, reasons };
}

export interface PropertyInquiry {
  readonly id: number;
  readonly program: {
    readonly id: number;
    readonly slug: string;
    readonly name: string;
    readonly utility: string;
  } | null;
  readonly buildingName: string;
  readonly address: TPropertyAddress;
  readonly units: number;
  readonly hasCommonArea: boolean;
  readonly commonAreaNote: string | null;
  readonly parkingSpaces: number | null;
  readonly contactName: string;
  readonly contactEmail: string;
  readonly contactPhone: string | null;
  readonly message: string | null;
  readonly status: TPropertyInquiryStatus;
  readonly adminNote: string | null;
  /** Recomputed on every read, so the queue shows it under today's rules. */
  readonly prequalification: Prequalification;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What the submitter is told: no more than their own inquiry's id and the first check. */
export interface PropertyInquirySubmitted extends Prequalification {
  readonly id: number;
  readonly status: 'new';
}

export type PropertyInquiryCounts = Readonly<Record<TPropertyInquiryStatus, number>>;

const DEFAULT_PAGE = 50;

function toInquiry(row: PropertyInquiryRow): PropertyInquiry {
  return {
    id: row.id,
    program:
      row.programId === null
        ? null
        : { id: row.programId, slug: row.programSlug!, name: row.programName!, utility: row.programUtility! },
    buildingName: row.buildingName,
    address: row.address,
    units: row.units,
    hasCommonArea: row.hasCommonArea,
    commonAreaNote: row.commonAreaNote,
    parkingSpaces: row.parkingSpaces,
    contactName: row.contactName,
    contactEmail: row.contactEmail,
    contactPhone: row.contactPhone,
    message: row.message,
    status: row.status,
    adminNote: row.adminNote,
    prequalification: prequalify(row),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The utility a staff member's queries are limited to; null for operators, who see every utility. */
function utilityScope(actor: Extract<Actor, { kind: 'operator' | 'program_admin' }>): string | null {
  return actor.kind === 'program_admin' ? actor.utility : null;
}

function checkId(id: number): void {
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new AppError('invalid_input', `id: an inquiry id is a positive whole number, not ${id}.`, {
      details: [{ field: 'id', message: 'expected a positive whole number' }],
    });
  }
}

export class PropertyInquiryService {
  constructor(
    private readonly db: Queryable,
    private readonly programs: ProgramService,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Anyone may ask (the form is public); signing in changes nothing about the inquiry. */
  async submitInquiry(_actor: Actor, input: TSubmitPropertyInquiry): Promise<PropertyInquirySubmitted> {
    const details = parseInput(ZSubmitPropertyInquirySchema, input);
    const program = await this.findOfferingProgram(details.program);
    const stored = await insertPropertyInquiry(
      this.db,
      {
        programId: program.id,
        buildingName: details.buildingName,
        address: details.address,
        units: details.units,
        hasCommonArea: details.hasCommonArea,
        commonAreaNote: details.commonAreaNote ?? null,
        parkingSpaces: details.parkingSpaces ?? null,
        contactName: details.contactName,
        contactEmail: details.contactEmail,
        contactPhone: details.contactPhone ?? null,
        message: details.message ?? null,
      },
      this.clock(),
    );
    return { id: stored.id, status: 'new', ...prequalify(details) };
  }

  async listInquiries(actor: Actor, input: TListPropertyInquiries = {}): Promise<PropertyInquiry[]> {
    requireStaff(actor);
    const filter = parseInput(ZListPropertyInquiriesSchema, input);
    const rows = await listPropertyInquiries(this.db, {
      utility: utilityScope(actor),
      status: filter.status ?? null,
      programSlug: filter.program ?? null,
      afterId: filter.afterId ?? 0,
      limit: filter.limit ?? DEFAULT_PAGE,
    });
    return rows.map(toInquiry);
  }

  async getInquiry(actor: Actor, id: number): Promise<PropertyInquiry> {
    requireStaff(actor);
    checkId(id);
    return toInquiry(await this.getRow(actor, id));
  }

  async updateInquiry(actor: Actor, id: number, input: TUpdatePropertyInquiry): Promise<PropertyInquiry> {
    requireStaff(actor);
    checkId(id);
    const changes = parseInput(ZUpdatePropertyInquirySchema, input);
    const current = await this.getRow(actor, id);
    const status = changes.status ?? current.status;
    checkInquiryTransition(id, current.status, status);
    const updated = await updatePropertyInquiry(
      this.db,
      id,
      current.status,
      { status, adminNote: changes.adminNote },
      this.clock(),
    );
    if (!updated) {
      const now = await findPropertyInquiry(this.db, id, utilityScope(actor));
      throw new AppError(
        'conflict',
        `Inquiry ${id} changed while you were editing it${now ? ` (it is now ${now.status})` : ''}; reload it and try again.`,
      );
    }
    return toInquiry(updated);
  }

  /** Every status with its count (zeros included), for the queue's badge and tabs. */
  async countByStatus(actor: Actor, program?: string): Promise<PropertyInquiryCounts> {
    requireStaff(actor);
    const filter = parseInput(ZListPropertyInquiriesSchema.pick({ program: true }), { program });
    const counts = await countPropertyInquiriesByStatus(this.db, {
      utility: utilityScope(actor),
      programSlug: filter.program ?? null,
    });
    return Object.fromEntries(PROPERTY_INQUIRY_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<
      TPropertyInquiryStatus,
      number
    >;
  }

  private async getRow(
    actor: Extract<Actor, { kind: 'operator' | 'program_admin' }>,
    id: number,
  ): Promise<PropertyInquiryRow> {
    // Another utility's inquiry reads as missing: an administrator learns nothing about it.
    const row = await findPropertyInquiry(this.db, id, utilityScope(actor));
    if (!row) throw new AppError('not_found', `No property inquiry has id ${id}.`);
    return row;
  }

  /** An unknown program is a mistake in the form (a stale link), so it is reported on its field. */
  private async findOfferingProgram(slug: string): Promise<{ id: number }> {
    try {
      return await this.programs.getPublicProgram(slug);
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') {
        throw new AppError(
          'invalid_input',
          `program: no program "${slug}" takes inquiries; check the link you followed.`,
          {
            details: [{ field: 'program', message: `no program "${slug}"` }],
          },
        );
      }
      throw error;
    }
  }
}
