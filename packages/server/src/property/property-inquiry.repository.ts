/**
 * SQL for property managers' inquiries. One function, one query. `utility` scopes a query to one
 * utility's programs (a program administrator); null means every inquiry (an operator).
 */
import type { Queryable } from '../db/database.js';
import type { TPropertyAddress, TPropertyInquiryStatus } from './property-inquiry.schema.js';

export interface PropertyInquiryRow {
  readonly id: number;
  readonly programId: number | null;
  readonly programSlug: string | null;
  readonly programName: string | null;
  readonly programUtility: string | null;
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
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface PropertyInquiryValues {
  readonly programId: number;
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
}

// `i` is the inquiry (or the updated row), `p` its program.
const COLUMNS = `i.id, i.program_id AS "programId", p.slug AS "programSlug", p.name AS "programName",
  p.utility AS "programUtility", i.building_name AS "buildingName", i.address, i.units,
  i.has_common_area AS "hasCommonArea", i.common_area_note AS "commonAreaNote", i.parking_spaces AS "parkingSpaces",
  i.contact_name AS "contactName", i.contact_email AS "contactEmail", i.contact_phone AS "contactPhone", i.message,
  i.status, i.admin_note AS "adminNote", i.created_at AS "createdAt", i.updated_at AS "updatedAt"`;

type RowOf<T> = T & Record<string, unknown>;

export async function insertPropertyInquiry(
  q: Queryable,
  values: PropertyInquiryValues,
  at: Date,
): Promise<{ id: number; status: TPropertyInquiryStatus }> {
  const { rows } = await q.query<RowOf<{ id: number; status: TPropertyInquiryStatus }>>(
    `INSERT INTO property_inquiry (program_id, building_name, address, units, has_common_area, common_area_note,
                                   parking_spaces, contact_name, contact_email, contact_phone, message,
                                   created_at, updated_at)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
     RETURNING id, status`,
    [
      values.programId,
      values.buildingName,
      JSON.stringify(values.address),
      values.units,
      values.hasCommonArea,
      values.commonAreaNote,
      values.parkingSpaces,
      values.contactName,
      values.contactEmail,
      values.contactPhone,
      values.message,
      at,
    ],
  );
  return rows[0]!;
}

/** The inquiry, if it exists and (with a utility) belongs to one of that utility's programs. */
export async function findPropertyInquiry(
  q: Queryable,
  id: number,
  utility: string | null,
): Promise<PropertyInquiryRow | undefined> {
  const { rows } = await q.query<RowOf<PropertyInquiryRow>>(
    `SELECT ${COLUMNS} FROM property_inquiry i LEFT JOIN program p ON p.id = i.program_id
      WHERE i.id = $1 AND ($2::text IS NULL OR p.utility = $2)`,
    [id, utility],
  );
  return rows[0];
}

/** The queue, oldest first (first come, first served), a page at a time by id. */
export async function listPropertyInquiries(
  q: Queryable,
  filter: {
    utility: string | null;
    status: TPropertyInquiryStatus | null;
    programSlug: string | null;
    afterId: number;
    limit: number;
  },
): Promise<PropertyInquiryRow[]> {
  const { rows } = await q.query<RowOf<PropertyInquiryRow>>(
    `SELECT ${COLUMNS} FROM property_inquiry i LEFT JOIN program p ON p.id = i.program_id
      WHERE ($1::text IS NULL OR p.utility = $1)
        AND ($2::text IS NULL OR i.status = $2)
        AND ($3::text IS NULL OR p.slug = $3)
        AND i.id > $4
      ORDER BY i.id LIMIT $5`,
    [filter.utility, filter.status, filter.programSlug, filter.afterId, filter.limit],
  );
  return rows;
}

export async function countPropertyInquiriesByStatus(
  q: Queryable,
  filter: { utility: string | null; programSlug: string | null },
): Promise<Partial<Record<TPropertyInquiryStatus, number>>> {
  const { rows } = await q.query<{ status: TPropertyInquiryStatus; n: number }>(
    `SELECT i.status, count(*)::int AS n FROM property_inquiry i LEFT JOIN program p ON p.id = i.program_id
      WHERE ($1::text IS NULL OR p.utility = $1) AND ($2::text IS NULL OR p.slug = $2)
      GROUP BY i.status`,
    [filter.utility, filter.programSlug],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

export interface PropertyInquiryChangeRow {
  readonly id: number;
  readonly fromStatus: TPropertyInquiryStatus;
  readonly toStatus: TPropertyInquiryStatus;
  readonly note: string | null;
  readonly changedBy: number | null;
  readonly changedAt: Date;
  readonly mailedAt: Date | null;
}

/**
 * Changes status and/or team note, only if the inquiry is still in `expectedStatus` (two
 * administrators working the queue at once must not both move it on), and records a status change
 * with its note for the inquirer in the same statement. Undefined when the inquiry had moved on.
 */
export async function updatePropertyInquiry(
  q: Queryable,
  id: number,
  expectedStatus: TPropertyInquiryStatus,
  changes: {
    status: TPropertyInquiryStatus;
    adminNote: string | null | undefined;
    note: string | null;
    changedBy: number | null;
  },
  at: Date,
): Promise<(PropertyInquiryRow & { changeId: number | null }) | undefined> {
  const { rows } = await q.query<RowOf<PropertyInquiryRow & { changeId: number | null }>>(
    `WITH i AS (
       UPDATE property_inquiry
          SET status = $3,
              admin_note = CASE WHEN $4::boolean THEN $5::text ELSE admin_note END,
              updated_at = $6
        WHERE id = $1 AND status = $2
        RETURNING *),
     c AS (
       INSERT INTO property_inquiry_change (inquiry_id, from_status, to_status, note, changed_by, changed_at)
       SELECT i.id, $2, i.status, $7, $8, $6 FROM i WHERE i.status <> $2
       RETURNING id, inquiry_id)
     SELECT ${COLUMNS}, c.id AS "changeId"
       FROM i LEFT JOIN program p ON p.id = i.program_id LEFT JOIN c ON c.inquiry_id = i.id`,
    [
      id,
      expectedStatus,
      changes.status,
      changes.adminNote !== undefined,
      changes.adminNote ?? null,
      at,
      changes.note,
      changes.changedBy,
    ],
  );
  return rows[0];
}

export async function markPropertyInquiryChangeMailed(q: Queryable, changeId: number, at: Date): Promise<void> {
  await q.query(`UPDATE property_inquiry_change SET mailed_at = $2 WHERE id = $1`, [changeId, at]);
}

/** An inquiry's status changes, oldest first. */
export async function listPropertyInquiryChanges(q: Queryable, inquiryId: number): Promise<PropertyInquiryChangeRow[]> {
  const { rows } = await q.query<RowOf<PropertyInquiryChangeRow>>(
    `SELECT id, from_status AS "fromStatus", to_status AS "toStatus", note, changed_by AS "changedBy",
            changed_at AS "changedAt", mailed_at AS "mailedAt"
       FROM property_inquiry_change WHERE inquiry_id = $1 ORDER BY id`,
    [inquiryId],
  );
  return rows;
}
