/**
 * The distribution grid behind a program: the feeders and transformers a utility uploads (GeoJSON or
 * CSV, replacing the program's groups in one transaction), which participants sit on each, and what
 * they draw there — each group's coincident peak (its participants' home charging summed by clock
 * hour), when it happened, and the hours it ran above the group's rating.
 *
 * A participant (an approved enrollment) is on the group its utility account names as a service
 * point; without one, on the transformer whose area holds where they charge at home. A feeder's
 * participants include those of its transformers.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { createLocalClock } from '@smartcharge/protocol';
import type { Actor } from '../actor.js';
import type { Database, Queryable } from '../db/database.js';
import { AppError } from '../errors.js';
import type { ProgramService } from '../programs/index.js';
import {
  deleteGroupsExcept,
  deleteServicePoints,
  groupLoads,
  homePlaces,
  insertServicePoints,
  listGroups,
  listParticipants,
  listServicePoints,
  setParents,
  unmatchedServicePoints,
  upsertGroups,
  type GridGroupRow,
  type ParticipantRow,
} from './distribution.repository.js';
import { parseCsvUpload, parseGeoJsonUpload, type GroupKind, type TGridArea } from './distribution.schema.js';
import { GRID_MAX_DAYS } from './grid.service.js';

/** A session this close to a participant's home position is charging at home (on their transformer). */
export const HOME_RADIUS_M = 250;

export interface GridGroupJson {
  readonly id: number;
  readonly kind: GroupKind;
  readonly code: string;
  readonly name: string | null;
  readonly ratingKva: number | null;
  readonly parentCode: string | null;
  /** Whether the group has an area (GeoJSON) that places participants without a service point. */
  readonly hasArea: boolean;
  readonly servicePoints: number;
  readonly participants: number;
  readonly uploadedAt: string;
}

export interface GridUploadResult {
  readonly groups: readonly GridGroupJson[];
  /** Service points stored. */
  readonly servicePoints: number;
  /** Service points no enrollment of the program has as its utility account (yet). */
  readonly unmatchedServicePoints: readonly string[];
}

export interface GroupLoadJson {
  readonly id: number;
  readonly kind: GroupKind;
  readonly code: string;
  readonly name: string | null;
  readonly ratingKva: number | null;
  readonly parentCode: string | null;
  readonly participants: number;
  /** The highest hourly mean of the participants' summed home charging (kW), 0 without any. */
  readonly coincidentPeakKw: number;
  /** The start of that hour (ISO), null without charging. */
  readonly peakAt: string | null;
  /** Hours whose mean load exceeded the rating (kW above kVA, power factor 1); null without a rating. */
  readonly hoursAboveRating: number | null;
}

export interface DistributionView {
  readonly program: { readonly slug: string; readonly timeZone: string };
  readonly from: string;
  readonly to: string;
  readonly homeRadiusM: number;
  readonly groups: readonly GroupLoadJson[];
  /** Participants on no group (no service point row, no home inside a transformer's area). */
  readonly unassignedParticipants: {
    readonly count: number;
    readonly enrollmentIds: readonly number[];
    readonly coincidentPeakKw: number;
    readonly peakAt: string | null;
  };
}

interface GroupShape {
  readonly id: number;
  readonly kind: GroupKind;
  readonly parentId: number | null;
  readonly geometry: TGridArea | null;
}

/**
 * Which group each participant sits on directly: by service point first, else by the transformer
 * area (first by code) that holds their home position. Participants on none are left out.
 */
export function placeParticipants(
  groups: readonly (GroupShape & { code: string })[],
  servicePoints: ReadonlyMap<string, number>,
  participants: readonly Pick<ParticipantRow, 'enrollmentId' | 'utilityAccount'>[],
  homes: ReadonlyMap<number, { latDeg: number; lonDeg: number }>,
): Map<number, number> {
  const areas = groups
    .filter((g) => g.kind === 'transformer' && g.geometry !== null)
    .sort((a, b) => a.code.localeCompare(b.code));
  const placed = new Map<number, number>();
  for (const p of participants) {
    const byPoint = servicePoints.get(p.utilityAccount.trim());
    if (byPoint !== undefined) {
      placed.set(p.enrollmentId, byPoint);
      continue;
    }
    const home = homes.get(p.enrollmentId);
    if (!home) continue;
    const area = areas.find((g) => booleanPointInPolygon([home.lonDeg, home.latDeg], g.geometry!));
    if (area) placed.set(p.enrollmentId, area.id);
  }
  return placed;
}

/** Each group's participants: its own, and a feeder's transformers' as well. */
export function membersByGroup(
  groups: readonly GroupShape[],
  placed: ReadonlyMap<number, number>,
): Map<number, number[]> {
  const parentOf = new Map(groups.map((g) => [g.id, g.parentId]));
  const members = new Map<number, number[]>(groups.map((g) => [g.id, []]));
  for (const [enrollmentId, groupId] of placed) {
    members.get(groupId)?.push(enrollmentId);
    const parent = parentOf.get(groupId);
    if (parent !== null && parent !== undefined) members.get(parent)?.push(enrollmentId);
  }
  return members;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export class DistributionService {
  constructor(
    private readonly db: Database,
    private readonly programs: ProgramService,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Replaces the program's groups and service points with the upload's, in one transaction: a
   * refused upload changes nothing. A group that stays (same kind and code) keeps its id.
   */
  async replaceGroups(actor: Actor, slug: string, body: unknown, format: 'geojson' | 'csv'): Promise<GridUploadResult> {
    const program = await this.programs.getProgram(actor, slug);
    const upload =
      format === 'csv'
        ? parseCsvUpload(typeof body === 'string' ? body : '')
        : parseGeoJsonUpload(typeof body === 'string' ? parseJson(body) : body);
    return this.db.transaction(async (tx) => {
      // Two uploads at once: one after the other, the last one wins whole.
      await this.programs.lockProgram(tx, program.id);
      await deleteServicePoints(tx, program.id);
      const stored = await upsertGroups(tx, program.id, upload.groups, this.clock());
      await deleteGroupsExcept(
        tx,
        program.id,
        stored.map((g) => g.id),
      );
      await setParents(
        tx,
        program.id,
        upload.groups.flatMap((g) => (g.parentCode === null ? [] : [{ code: g.code, parentCode: g.parentCode }])),
      );
      const idOf = new Map(stored.map((g) => [`${g.kind}|${g.code}`, g.id]));
      await insertServicePoints(
        tx,
        program.id,
        upload.servicePoints.map((p) => ({ servicePoint: p.servicePoint, groupId: idOf.get(`${p.kind}|${p.code}`)! })),
      );
      return {
        groups: await this.groupsOf(tx, program.id),
        servicePoints: upload.servicePoints.length,
        unmatchedServicePoints: await unmatchedServicePoints(
          tx,
          program.id,
          upload.servicePoints.map((p) => p.servicePoint),
        ),
      };
    });
  }

  async listGroups(actor: Actor, slug: string): Promise<{ groups: GridGroupJson[] }> {
    const program = await this.programs.getProgram(actor, slug);
    return { groups: await this.groupsOf(this.db, program.id) };
  }

  /**
   * Per group over the local days [from, to): participants, the coincident peak of their home
   * charging (hourly mean kW), when it was, and the hours above the group's rating.
   */
  async distribution(actor: Actor, slug: string, from: string, to: string): Promise<DistributionView> {
    const program = await this.programs.getProgram(actor, slug);
    const days = daysBetween(from, to);
    if (!(days > 0)) {
      throw new AppError('invalid_input', `The range ${from} – ${to} is empty: "to" must come after "from".`);
    }
    if (days > GRID_MAX_DAYS) {
      throw new AppError('invalid_input', `The range covers ${days} days; ask for at most ${GRID_MAX_DAYS} at a time.`);
    }
    const local = createLocalClock(program.timeZone);
    const fromMs = local.utcMsAt(from, 0, 0);
    const toMs = local.utcMsAt(to, 0, 0);
    const { groups, members, participants, homes } = await this.placement(this.db, program.id);
    const vehiclesOf = new Map(participants.map((p) => [p.enrollmentId, p.vehicleIds]));
    const ratingOf = new Map(groups.map((g) => [g.id, g.ratingKva]));
    const placedIds = new Set([...members.values()].flat());
    const unassigned = participants.filter((p) => !placedIds.has(p.enrollmentId)).map((p) => p.enrollmentId);
    // Unassigned participants are summed as one more group (id 0) with no rating.
    const UNASSIGNED = 0;
    const rows = [...members.entries(), [UNASSIGNED, unassigned] as [number, number[]]].flatMap(
      ([groupId, enrollmentIds]) =>
        enrollmentIds.flatMap((enrollmentId) =>
          (vehiclesOf.get(enrollmentId) ?? []).map((vehicleId) => {
            const rating = ratingOf.get(groupId) ?? null;
            const home = homes.get(enrollmentId);
            return {
              vehicleId,
              groupId,
              homeLatDeg: home?.latDeg ?? null,
              homeLonDeg: home?.lonDeg ?? null,
              limitWh: rating === null ? null : rating * 1000,
            };
          }),
        ),
    );
    const loads = new Map((await groupLoads(this.db, rows, fromMs, toMs, HOME_RADIUS_M)).map((l) => [l.groupId, l]));
    const peakOf = (groupId: number) => {
      const load = loads.get(groupId);
      return {
        coincidentPeakKw: load ? load.peakWh / 1000 : 0,
        peakAt: load ? new Date(load.peakHourMs).toISOString() : null,
      };
    };
    return {
      program: { slug: program.slug, timeZone: program.timeZone },
      from,
      to,
      homeRadiusM: HOME_RADIUS_M,
      groups: groups.map((g) => ({
        id: g.id,
        kind: g.kind,
        code: g.code,
        name: g.name,
        ratingKva: g.ratingKva,
        parentCode: g.parentCode,
        participants: members.get(g.id)?.length ?? 0,
        ...peakOf(g.id),
        hoursAboveRating: g.ratingKva === null ? null : (loads.get(g.id)?.hoursAbove ?? 0),
      })),
      unassignedParticipants: { count: unassigned.length, enrollmentIds: unassigned, ...peakOf(UNASSIGNED) },
    };
  }

  /**
   * The enrollments on any of these groups of the program (a feeder's include its transformers'),
   * for an event scoped to groups. Unknown group ids are reported, not ignored.
   */
  async participantsOfGroups(programId: number, groupIds: readonly number[]): Promise<number[]> {
    const { groups, members } = await this.placement(this.db, programId);
    const known = new Set(groups.map((g) => g.id));
    const unknown = groupIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new AppError('invalid_input', `No grid group ${unknown.join(', ')} in this program.`, {
        details: [{ field: 'scope.ids', message: `unknown group ids: ${unknown.join(', ')}` }],
      });
    }
    return [...new Set(groupIds.flatMap((id) => members.get(id) ?? []))].sort((a, b) => a - b);
  }

  private async groupsOf(q: Queryable, programId: number): Promise<GridGroupJson[]> {
    const { groups, members } = await this.placement(q, programId);
    return groups.map((g) => ({
      id: g.id,
      kind: g.kind,
      code: g.code,
      name: g.name,
      ratingKva: g.ratingKva,
      parentCode: g.parentCode,
      hasArea: g.geometry !== null,
      servicePoints: g.servicePoints,
      participants: members.get(g.id)?.length ?? 0,
      uploadedAt: g.uploadedAt.toISOString(),
    }));
  }

  /** The groups, the participants, where each charges at home, and who sits where. */
  private async placement(q: Queryable, programId: number) {
    const groups: GridGroupRow[] = await listGroups(q, programId);
    const participants = await listParticipants(q, programId);
    const points = new Map((await listServicePoints(q, programId)).map((p) => [p.servicePoint, p.groupId]));
    const homes = new Map(
      (await homePlaces(q, programId)).map((h) => [h.enrollmentId, { latDeg: h.latDeg, lonDeg: h.lonDeg }]),
    );
    const placed = placeParticipants(groups, points, participants, homes);
    return { groups, participants, homes, members: membersByGroup(groups, placed) };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError(
      'invalid_input',
      `The GeoJSON could not be read: ${(error as Error).message}. Nothing was changed.`,
    );
  }
}
