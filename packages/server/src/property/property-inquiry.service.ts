/**
 * Property managers' inquiries about a program's subsidised smart-charging station for a
 * multi-unit building: the public form (stored, with a first pre-qualification shown to the
 * submitter) and the administrators' queue (list, read, move along, note, count). Each status
 * change is mailed to the inquirer, who has no account: the mail goes to the form's address.
 */
import { accountIdOf, requireStaff, type Actor } from '../actor.js';
import type { Queryable } from '../db/database.js';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import type { ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import {
  countPropertyInquiriesByStatus,
  findPropertyInquiry,
  insertPropertyInquiry,
  listPropertyInquiries,
  listPropertyInquiryChanges,
  markPropertyInquiryChangeMailed,
  updatePropertyInquiry,
  type PropertyInquiryChangeRow,
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

/** One inquiry with its status changes, oldest first (each with the note mailed and when). */
export interface PropertyInquiryDetail extends PropertyInquiry {
  readonly changes: readonly PropertyInquiryChangeRow[];
}

/**
 * What an update answers: the inquiry, and whether the inquirer was mailed about a status change
 * ('none' when the status stayed; 'failed' when the mailer refused, so staff can write themselves).
 */
export interface PropertyInquiryUpdated extends PropertyInquiry {
  readonly mail: 'sent' | 'failed' | 'none';
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
    private readonly mail: { readonly mailer: Mailer; readonly log: Logger },
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

  async getInquiry(actor: Actor, id: number): Promise<PropertyInquiryDetail> {
    requireStaff(actor);
    checkId(id);
    const row = await this.getRow(actor, id);
    return { ...toInquiry(row), changes: await listPropertyInquiryChanges(this.db, id) };
  }

  /**
   * Moves an inquiry on (with an optional note for the inquirer) and/or edits the team's note.
   * Operators and the administrators of the program's utility may; another utility's inquiry reads
   * as missing. The inquirer is mailed after the change is stored: mail trouble never undoes it.
   */
  async updateInquiry(actor: Actor, id: number, input: TUpdatePropertyInquiry): Promise<PropertyInquiryUpdated> {
    requireStaff(actor);
    checkId(id);
    const changes = parseInput(ZUpdatePropertyInquirySchema, input);
    const current = await this.getRow(actor, id);
    const status = changes.status ?? current.status;
    checkInquiryTransition(id, current.status, status);
    if (changes.note !== undefined && status === current.status) {
      throw new AppError(
        'invalid_input',
        `note: a note to the property manager is mailed with a status change, and inquiry ${id} stays ${status}; choose the new status, or write a team note (adminNote) instead.`,
        { details: [{ field: 'note', message: 'a note to the property manager goes with a status change' }] },
      );
    }
    const at = this.clock();
    const updated = await updatePropertyInquiry(
      this.db,
      id,
      current.status,
      { status, adminNote: changes.adminNote, note: changes.note ?? null, changedBy: accountIdOf(actor) ?? null },
      at,
    );
    if (!updated) {
      const now = await findPropertyInquiry(this.db, id, utilityScope(actor));
      throw new AppError(
        'conflict',
        `Inquiry ${id} changed while you were editing it${now ? ` (it is now ${now.status})` : ''}; reload it and try again.`,
      );
    }
    const mail = updated.changeId === null ? 'none' : await this.mailChange(updated, updated.changeId, changes.note);
    return { ...toInquiry(updated), mail };
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

  private async mailChange(
    row: PropertyInquiryRow,
    changeId: number,
    note: string | undefined,
  ): Promise<'sent' | 'failed'> {
    const program = row.programSlug ? await this.programs.getPublicProgram(row.programSlug).catch(() => null) : null;
    const message = inquiryStatusMail(row, note, program?.supportEmail ?? null);
    try {
      await this.mail.mailer.send({ to: row.contactEmail, ...message });
      await markPropertyInquiryChangeMailed(this.db, changeId, this.clock());
      return 'sent';
    } catch (error) {
      this.mail.log.error(
        { err: error, inquiry: row.id, change: changeId },
        'could not mail the inquirer a status change',
      );
      return 'failed';
    }
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

/**
 * Pure: the mail telling an inquirer where their inquiry stands, in the offer's own words (a
 * subsidised Smart Charging Station, up to 50 % off installation costs).
 */
export function inquiryStatusMail(
  inquiry: Pick<PropertyInquiryRow, 'id' | 'status' | 'buildingName' | 'address' | 'contactName' | 'programName'>,
  note: string | undefined,
  supportEmail: string | null,
): { subject: string; text: string } {
  const team = inquiry.programName ? `the ${inquiry.programName} team` : 'the program team';
  const where = `${inquiry.buildingName} (${inquiry.address.line1}, ${inquiry.address.city})`;
  const says: Record<TPropertyInquiryStatus, { subject: string; lines: string[] }> = {
    new: { subject: 'received', lines: [`We have your inquiry about ${where}.`] },
    contacted: {
      subject: 'we are in touch',
      lines: [
        `Your inquiry about a Smart Charging Station for ${where} is being looked at: ${team} is in touch with you to learn more about the building.`,
      ],
    },
    qualified: {
      subject: 'your building qualifies',
      lines: [
        `Good news: ${where} qualifies for a subsidised Smart Charging Station, plus up to 50 % off installation costs.`,
        `${capitalise(team)} will arrange the installation with you.`,
      ],
    },
    declined: {
      subject: 'we cannot offer a station',
      lines: [`We are sorry: ${team} cannot offer a subsidised Smart Charging Station for ${where} at this time.`],
    },
    installed: {
      subject: 'your station is installed',
      lines: [
        `The Smart Charging Station at ${where} is installed. Thank you for helping prepare the grid for more EVs.`,
      ],
    },
  };
  const { subject, lines } = says[inquiry.status];
  const text = [
    `Hello ${inquiry.contactName},`,
    '',
    ...lines,
    ...(note ? ['', `A note from ${team}:`, note] : []),
    '',
    supportEmail
      ? `Questions? Reply to ${supportEmail}, quoting inquiry ${inquiry.id}.`
      : `Questions? Reply to this message, quoting inquiry ${inquiry.id}.`,
    '',
    '— SmartCharge',
  ].join('\n');
  return { subject: `Inquiry ${inquiry.id} (${inquiry.buildingName}): ${subject}`, text: `${text}\n` };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
