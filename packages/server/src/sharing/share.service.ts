/**
 * Share links: a driver lets friends and family read one vehicle's stats, read-only, until an
 * expiry the driver chose, and may revoke the link at any time. The token is in the link only;
 * the database keeps its SHA-256. A link that expired or was revoked answers like one that never
 * existed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../actor.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { parseInput } from '../validation.js';
import type { VehicleService } from '../vehicles/index.js';
import { originOf, type ReachedAt } from './share-origin.js';
import { insertShare, listSharesOfAccount, revokeShare, useShare, type ShareRow } from './share.repository.js';

export const SHARE_MAX_DAYS = 365;

export const ZCreateShareSchema = z.strictObject({
  vehicleId: z.number().int().positive(),
  /** How long the link works, in days. */
  days: z.number().int().min(1).max(SHARE_MAX_DAYS).default(30),
  label: z.string().trim().min(1).max(80).optional(),
});

export interface Share {
  readonly id: number;
  readonly vehicleId: number;
  readonly label: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly active: boolean;
}

export interface CreatedShare extends Share {
  /** Shown once: `${origin}/shared/${token}`, the origin PUBLIC_URL or the address the driver reached us at. */
  readonly token: string;
  readonly url: string;
}

export interface OpenedShare {
  readonly actor: Actor & { kind: 'viewer' };
  readonly share: Share;
  readonly vehicle: { readonly id: number; readonly make: string; readonly model: string; readonly modelYear: number };
}

const hashOf = (token: string) => createHash('sha256').update(token).digest();

export class ShareService {
  constructor(
    private readonly db: Database,
    private readonly vehicles: VehicleService,
    private readonly settings: {
      /** PUBLIC_URL, or (unset) the address mail uses: where a link goes without a request to follow. */
      readonly publicUrl: string;
      /** PUBLIC_URL was set: every link starts with it, wherever the driver reached us. */
      readonly publicUrlGiven: boolean;
    },
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Only the vehicle's driver shares it. `reachedAt`: where the driver's request came in, which the
   * link uses unless PUBLIC_URL is set (so it works at the address the driver is using).
   */
  async createShare(
    actor: Actor,
    input: z.input<typeof ZCreateShareSchema>,
    reachedAt?: ReachedAt,
  ): Promise<CreatedShare> {
    const value = parseInput(ZCreateShareSchema, input);
    if (actor.kind !== 'driver') throw new AppError('forbidden', 'Only the driver of a vehicle may share its stats.');
    await this.vehicles.requireVehicleAccess(actor, value.vehicleId);
    const token = randomBytes(24).toString('base64url');
    const now = this.clock();
    const row = await insertShare(this.db, {
      tokenHash: hashOf(token),
      accountId: actor.accountId,
      vehicleId: value.vehicleId,
      label: value.label ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + value.days * 86_400_000),
    });
    const origin = (this.settings.publicUrlGiven ? undefined : originOf(reachedAt)) ?? this.settings.publicUrl;
    return { ...this.toShare(row), token, url: `${origin.replace(/\/+$/, '')}/shared/${token}` };
  }

  async listShares(actor: Actor): Promise<Share[]> {
    if (actor.kind !== 'driver') throw new AppError('forbidden', 'Only drivers have share links.');
    return (await listSharesOfAccount(this.db, actor.accountId, 200)).map((row) => this.toShare(row));
  }

  async revokeShare(actor: Actor, id: number): Promise<Share> {
    if (actor.kind !== 'driver') throw new AppError('forbidden', 'Only drivers have share links.');
    const row = await revokeShare(this.db, id, actor.accountId, this.clock());
    if (!row) throw new AppError('not_found', `You have no share link with id ${id}.`);
    return this.toShare(row);
  }

  /** The read-only viewer a token stands for; an unknown, expired or revoked token is not_found. */
  async openShare(token: string): Promise<OpenedShare> {
    const row =
      token.length >= 16 && token.length <= 100 ? await useShare(this.db, hashOf(token), this.clock()) : undefined;
    if (!row) {
      throw new AppError('not_found', 'This share link does not work: it has expired, was revoked, or was mistyped.');
    }
    const actor = { kind: 'viewer', shareId: row.id, vehicleId: row.vehicleId } as const;
    const vehicle = await this.vehicles.requireVehicleAccess(actor, row.vehicleId);
    return {
      actor,
      share: this.toShare(row),
      vehicle: { id: vehicle.id, make: vehicle.make, model: vehicle.model, modelYear: vehicle.modelYear },
    };
  }

  private toShare(row: ShareRow): Share {
    const now = this.clock().getTime();
    return {
      id: row.id,
      vehicleId: row.vehicleId,
      label: row.label,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
      lastUsedAt: row.lastUsedAt,
      active: row.revokedAt === null && row.expiresAt.getTime() > now,
    };
  }
}
