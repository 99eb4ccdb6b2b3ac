/**
 * The distribution grid as a utility uploads it, read into one shape: feeders and transformers (each
 * with its rating in kVA, a transformer under at most one feeder, optionally an area) and the service
 * points on each. Two formats: a GeoJSON FeatureCollection (a Feature per group) and a CSV of service
 * points (service_point,transformer,transformer_kva,feeder,feeder_kva). Every error names where it is
 * (the CSV line and column, or the feature and its property) and what to write instead; nothing here
 * touches the database.
 */
import { z } from 'zod';
import { AppError, type ErrorDetail } from '../errors.js';
import { formatPath } from '../validation.js';

export const GROUP_KINDS = ['feeder', 'transformer'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];
/** An upload larger than this is refused before it is parsed (a utility's transformers with their areas). */
export const GRID_UPLOAD_MAX_BYTES = 16 * 1024 * 1024;
export const MAX_GROUPS = 20_000;
export const MAX_SERVICE_POINTS = 200_000;
export const CSV_COLUMNS = ['service_point', 'transformer', 'transformer_kva', 'feeder', 'feeder_kva'] as const;
/** Errors reported at once: enough to fix a file in one go, not a wall of text. */
const MAX_DETAILS = 20;

// [longitude, latitude], an altitude may follow.
const position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number());
const ring = z
  .array(position)
  .min(4, 'a polygon ring needs at least 4 positions (the first repeated at the end)')
  .refine(
    (r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1],
    'a polygon ring must end where it starts',
  );
const ZAreaSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring).min(1)).min(1) }),
  ],
  'expected a Polygon or MultiPolygon geometry (or null for a group without an area)',
);
export type TGridArea = z.infer<typeof ZAreaSchema>;

const code = z
  .string('expected the group’s code as text')
  .trim()
  .min(1, 'give the group a code')
  .max(80, 'codes are at most 80 characters');
const servicePoint = z
  .string('expected a service point (the customer’s utility account) as text')
  .trim()
  .min(1, 'a service point cannot be empty')
  .max(80, 'service points are at most 80 characters');
const rating = z
  .number('expected the rating in kVA as a number, e.g. 50')
  .positive('a rating is more than 0 kVA')
  .max(1_000_000, 'a rating is at most 1,000,000 kVA');

const ZFeatureSchema = z.object({
  type: z.literal('Feature', 'expected a GeoJSON Feature'),
  geometry: ZAreaSchema.nullable(),
  properties: z.object(
    {
      kind: z.enum(GROUP_KINDS, 'expected kind "feeder" or "transformer"'),
      code,
      name: z.string().trim().max(120, 'names are at most 120 characters').nullish(),
      ratingKva: rating.nullish(),
      parent: code.nullish(),
      servicePoints: z.array(servicePoint, 'expected servicePoints as a list of text').nullish(),
    },
    'expected the feature’s properties: { kind, code, ratingKva, parent?, servicePoints? }',
  ),
});
const ZCollectionSchema = z.object({
  type: z.literal('FeatureCollection', 'expected a GeoJSON FeatureCollection'),
  features: z
    .array(ZFeatureSchema, 'expected features as a list')
    .min(1, 'the collection has no features')
    .max(MAX_GROUPS, `at most ${MAX_GROUPS} groups in one upload`),
});

export interface UploadedGroup {
  readonly kind: GroupKind;
  readonly code: string;
  readonly name: string | null;
  readonly ratingKva: number | null;
  /** The feeder a transformer hangs from. */
  readonly parentCode: string | null;
  readonly geometry: TGridArea | null;
}

export interface GridUpload {
  readonly groups: readonly UploadedGroup[];
  /** Which group each service point is on. */
  readonly servicePoints: readonly { readonly servicePoint: string; readonly kind: GroupKind; readonly code: string }[];
}

function refuse(what: string, details: ErrorDetail[]): never {
  const shown = details.slice(0, MAX_DETAILS);
  const more = details.length > shown.length ? ` (and ${details.length - shown.length} more)` : '';
  throw new AppError(
    'invalid_input',
    `${what}: ${shown.map((d) => `${d.field}: ${d.message}`).join('; ')}${more}. Nothing was changed.`,
    { details: shown },
  );
}

/** Checks what spans groups: a parent that is a feeder of the upload, each service point once, limits. */
function checkWhole(
  what: string,
  groups: readonly (UploadedGroup & { where: string })[],
  points: readonly { servicePoint: string; kind: GroupKind; code: string; where: string }[],
): GridUpload {
  const details: ErrorDetail[] = [];
  const feeders = new Set(groups.filter((g) => g.kind === 'feeder').map((g) => g.code));
  for (const g of groups) {
    if (g.parentCode !== null && !feeders.has(g.parentCode)) {
      details.push({ field: `${g.where}.parent`, message: `"${g.parentCode}" is not a feeder of this upload` });
    }
  }
  const seen = new Map<string, string>();
  for (const p of points) {
    const first = seen.get(p.servicePoint);
    if (first !== undefined) {
      details.push({
        field: p.where,
        message: `service point "${p.servicePoint}" is already on a group (${first}); a service point is on one group`,
      });
    } else seen.set(p.servicePoint, p.where);
  }
  if (points.length > MAX_SERVICE_POINTS) {
    details.push({ field: '(input)', message: `at most ${MAX_SERVICE_POINTS} service points in one upload` });
  }
  if (details.length > 0) refuse(what, details);
  return {
    groups: groups.map(({ where: _where, ...g }) => g),
    servicePoints: points.map(({ where: _where, ...p }) => p),
  };
}

/** A GeoJSON FeatureCollection: a Feature per feeder or transformer. */
export function parseGeoJsonUpload(input: unknown): GridUpload {
  const parsed = ZCollectionSchema.safeParse(input);
  if (!parsed.success) {
    refuse(
      'The GeoJSON was not stored',
      parsed.error.issues.map((issue) => ({ field: formatPath(issue.path) || '(input)', message: issue.message })),
    );
  }
  const collection = parsed.data;
  const details: ErrorDetail[] = [];
  const groups: (UploadedGroup & { where: string })[] = [];
  const points: { servicePoint: string; kind: GroupKind; code: string; where: string }[] = [];
  const byKey = new Map<string, number>();
  collection.features.forEach((feature, i) => {
    const p = feature.properties;
    const where = `features[${i}] (${p.kind} ${p.code})`;
    const key = `${p.kind}|${p.code}`;
    const first = byKey.get(key);
    if (first !== undefined) {
      details.push({ field: `${where}.code`, message: `the ${p.kind} "${p.code}" is also features[${first}]` });
      return;
    }
    byKey.set(key, i);
    if (p.kind === 'feeder' && p.parent) {
      details.push({
        field: `${where}.parent`,
        message: 'a feeder has no parent (only a transformer names its feeder)',
      });
    }
    groups.push({
      kind: p.kind,
      code: p.code,
      name: p.name || null,
      ratingKva: p.ratingKva ?? null,
      parentCode: p.kind === 'transformer' ? (p.parent ?? null) : null,
      geometry: feature.geometry,
      where: `features[${i}].properties`,
    });
    (p.servicePoints ?? []).forEach((sp, j) =>
      points.push({
        servicePoint: sp,
        kind: p.kind,
        code: p.code,
        where: `features[${i}].properties.servicePoints[${j}]`,
      }),
    );
  });
  if (details.length > 0) refuse('The GeoJSON was not stored', details);
  return checkWhole('The GeoJSON was not stored', groups, points);
}

/**
 * RFC 4180 records: fields separated by commas, quoted with double quotes (a quote inside doubled),
 * records by CRLF or LF. Each record keeps the line it starts on, for error messages.
 */
export function parseCsvRecords(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    fields.push(field);
    // A blank line is no record.
    if (!(fields.length === 1 && fields[0]!.trim() === '')) records.push({ line: start, fields });
    fields = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (quoted) {
    throw new AppError('invalid_input', `The CSV was not stored: line ${start}: a quoted field is never closed.`, {
      details: [{ field: `line ${start}`, message: 'a quoted field is never closed' }],
    });
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

function kva(text: string): number | null | string {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+(\.\d+)?$/.test(t)) return `expected the rating in kVA as a plain number, e.g. 50 (found "${t}")`;
  const n = Number(t);
  if (!(n > 0)) return 'a rating is more than 0 kVA';
  if (n > 1_000_000) return 'a rating is at most 1,000,000 kVA';
  return n;
}

/** The CSV: a row per service point, naming its transformer (and that transformer's feeder) with their ratings. */
export function parseCsvUpload(text: string): GridUpload {
  const what = 'The CSV was not stored';
  const records = parseCsvRecords(text);
  const header = records.shift();
  if (!header) refuse(what, [{ field: 'line 1', message: `expected a header: ${CSV_COLUMNS.join(',')}` }]);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const missing = CSV_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    refuse(what, [
      {
        field: 'line 1',
        message: `the header lacks ${missing.join(', ')} (expected ${CSV_COLUMNS.join(',')}; found ${names.join(',')})`,
      },
    ]);
  }
  const col = Object.fromEntries(CSV_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<
    (typeof CSV_COLUMNS)[number],
    number
  >;
  const details: ErrorDetail[] = [];
  const groups = new Map<string, UploadedGroup & { where: string; ratingLine: number | null; parentLine: number }>();
  const points: { servicePoint: string; kind: GroupKind; code: string; where: string }[] = [];

  /** The group a row names, made on first sight; later rows may repeat its rating and parent, not change them. */
  const group = (
    line: number,
    kind: GroupKind,
    codeText: string,
    ratingText: string,
    parentCode: string | null,
  ): boolean => {
    const column = kind === 'transformer' ? 'transformer' : 'feeder';
    if (codeText.length > 80) {
      details.push({ field: `line ${line}: ${column}`, message: 'codes are at most 80 characters' });
      return false;
    }
    const rated = kva(ratingText);
    if (typeof rated === 'string') {
      details.push({ field: `line ${line}: ${column}_kva`, message: rated });
      return false;
    }
    const key = `${kind}|${codeText}`;
    const known = groups.get(key);
    if (!known) {
      groups.set(key, {
        kind,
        code: codeText,
        name: null,
        ratingKva: rated,
        parentCode,
        geometry: null,
        where: `line ${line}: ${column}`,
        ratingLine: rated === null ? null : line,
        parentLine: line,
      });
      return true;
    }
    if (rated !== null && known.ratingKva !== null && rated !== known.ratingKva) {
      details.push({
        field: `line ${line}: ${column}_kva`,
        message: `${kind} "${codeText}" is rated ${known.ratingKva} kVA on line ${known.ratingLine}, ${rated} here`,
      });
      return false;
    }
    if (kind === 'transformer' && parentCode !== known.parentCode) {
      details.push({
        field: `line ${line}: feeder`,
        message: `transformer "${codeText}" is on feeder "${known.parentCode ?? '(none)'}" on line ${known.parentLine}, "${parentCode ?? '(none)'}" here`,
      });
      return false;
    }
    if (rated !== null && known.ratingKva === null) {
      groups.set(key, { ...known, ratingKva: rated, ratingLine: line });
    }
    return true;
  };

  for (const { line, fields } of records) {
    const cell = (c: (typeof CSV_COLUMNS)[number]) => (fields[col[c]] ?? '').trim();
    const sp = cell('service_point');
    const transformer = cell('transformer');
    const feeder = cell('feeder');
    if (transformer === '' && feeder === '') {
      details.push({ field: `line ${line}: transformer`, message: 'name the transformer (or at least the feeder)' });
      continue;
    }
    if (transformer === '' && cell('transformer_kva') !== '') {
      details.push({ field: `line ${line}: transformer`, message: 'a rating without a transformer: name it' });
      continue;
    }
    if (feeder !== '' && !group(line, 'feeder', feeder, cell('feeder_kva'), null)) continue;
    if (transformer !== '' && !group(line, 'transformer', transformer, cell('transformer_kva'), feeder || null)) {
      continue;
    }
    if (sp.length > 80) {
      details.push({ field: `line ${line}: service_point`, message: 'service points are at most 80 characters' });
    } else if (sp !== '') {
      points.push(
        transformer !== ''
          ? { servicePoint: sp, kind: 'transformer', code: transformer, where: `line ${line}: service_point` }
          : { servicePoint: sp, kind: 'feeder', code: feeder, where: `line ${line}: service_point` },
      );
    }
    if (details.length >= MAX_DETAILS) break;
  }
  if (records.length === 0) details.push({ field: 'line 2', message: 'the CSV has a header but no rows' });
  if (groups.size > MAX_GROUPS)
    details.push({ field: '(input)', message: `at most ${MAX_GROUPS} groups in one upload` });
  if (details.length > 0) refuse(what, details);
  return checkWhole(
    what,
    [...groups.values()].map(({ ratingLine: _r, parentLine: _p, ...g }) => g),
    points,
  );
}
