/**
 * Random assignment of an event's eligible participants to treatment (told) and control (not told),
 * and each treated participant's randomised start/end offsets. Pure and seeded: the seed is stored
 * on dr_event.assignment_seed, so an evaluator can reproduce the draw from the participant list alone.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface AssignmentCandidate {
  readonly vehicleId: string;
}

export interface Assignment {
  readonly vehicleId: string;
  readonly grp: 'treatment' | 'control';
  readonly startOffsetS: number;
  readonly endOffsetS: number;
}

/** A fresh seed for a new event (hex, 128 bits). */
export function newAssignmentSeed(): string {
  return randomBytes(16).toString('hex');
}

/**
 * A deterministic stream of uniform numbers in [0, 1) from a seed: sha256(seed:counter), 48 bits at a time.
 * Hash-based rather than a small PRNG so the draw is easy to reproduce in any language from the documented rule.
 */
export function seededUniform(seed: string): () => number {
  let counter = 0;
  return () => {
    const digest = createHash('sha256').update(`${seed}:${counter++}`).digest();
    return digest.readUIntBE(0, 6) / 2 ** 48;
  };
}

/**
 * Assigns candidates: sorted by vehicle id (so input order does not matter), shuffled with Fisher–Yates
 * from the seed; the first round(n × controlShare) are control, the rest treatment. Treated participants
 * then draw start and end offsets, each uniform in 0..randomizeS seconds (whole seconds); control gets 0.
 */
export function assignParticipants(
  candidates: readonly AssignmentCandidate[],
  options: { seed: string; controlShare: number; randomizeS: number },
): Assignment[] {
  if (!(options.controlShare >= 0 && options.controlShare <= 0.5)) {
    throw new RangeError(`controlShare must be between 0 and 0.5, got ${options.controlShare}`);
  }
  const sorted = [...new Set(candidates.map((c) => c.vehicleId))].sort(byId);
  const ids = [...sorted];
  const rand = seededUniform(options.seed);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const controlN = Math.round(ids.length * options.controlShare);
  const randomizeS = Math.max(0, Math.floor(options.randomizeS));
  const byVehicle = new Map<string, Assignment>();
  ids.forEach((vehicleId, index) => {
    if (index < controlN) {
      byVehicle.set(vehicleId, { vehicleId, grp: 'control', startOffsetS: 0, endOffsetS: 0 });
      return;
    }
    const startOffsetS = Math.floor(rand() * (randomizeS + 1));
    const endOffsetS = Math.floor(rand() * (randomizeS + 1));
    byVehicle.set(vehicleId, { vehicleId, grp: 'treatment', startOffsetS, endOffsetS });
  });
  // Returned in vehicle-id order (numeric ids: shorter first), whatever the draw.
  return sorted.map((id) => byVehicle.get(id)!);
}

function byId(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
