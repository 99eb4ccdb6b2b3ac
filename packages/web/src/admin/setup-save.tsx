/** Saving a program's set-up: only the fields that changed go to PATCH /programs/:slug. */
import { useState } from 'preact/hooks';
import type { StaffProgram } from '../api';
import { patch, Problems, useAction } from './common';

/** JSON with object keys sorted and undefined dropped: two equal values stringify the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export type Changes = { [K in keyof StaffProgram]?: StaffProgram[K] | null };

/** The keys of `changes` whose values differ from the program's. */
export function changedOf(program: StaffProgram, changes: Changes): Changes {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    const current = (program as unknown as Record<string, unknown>)[key];
    if (canonical(value ?? null) !== canonical(current ?? null)) out[key] = value;
  }
  return out;
}

const NAMES: Partial<Record<keyof StaffProgram, string>> = {
  territory: 'territory',
  eligibility: 'eligibility',
  vehicleList: 'vehicle list',
  unlistedVehiclesMayApply: 'unlisted vehicles',
  applicationsOpenOn: 'applications open',
  applicationsCloseOn: 'applications close',
  collectionStartsOn: 'collection start',
  collectionEndsOn: 'collection end',
  participantTarget: 'participant target',
  supportEmail: 'support email',
  supportPhone: 'support phone',
  supportHours: 'support hours',
  rewardRules: 'reward rules',
  pointsPerUnit: 'points per unit',
  currency: 'currency',
  rewardDisplay: 'reward display',
  payoutOptions: 'payout options',
  region: 'region',
  description: 'description',
};

/** { busy, error, saved, save(changes) }: sends what changed, hands the answer to onProgram. */
export function useSave(program: StaffProgram, onProgram: (p?: StaffProgram) => void) {
  const action = useAction();
  const [saved, setSaved] = useState<string | undefined>();
  const save = async (changes: Changes): Promise<boolean> => {
    setSaved(undefined);
    const changed = changedOf(program, changes);
    const keys = Object.keys(changed) as (keyof StaffProgram)[];
    if (keys.length === 0) {
      setSaved('Nothing changed.');
      return true;
    }
    const ok = await action.run(async () => {
      const next = await patch<StaffProgram>(`/programs/${program.slug}`, changed);
      onProgram(next);
    });
    if (ok) setSaved(`Saved: ${keys.map((k) => NAMES[k] ?? k).join(', ')}.`);
    return ok;
  };
  return { busy: action.busy, error: action.error, saved, save, clear: action.clear };
}

/** The save button, the server's answer and what was saved. */
export function SaveRow({ save, label = 'Save' }: { save: ReturnType<typeof useSave>; label?: string }) {
  return (
    <>
      <Problems error={save.error} />
      {save.saved ? (
        <p class="notice ok" role="status">
          {save.saved}
        </p>
      ) : null}
      <div class="buttons">
        <button type="submit" disabled={save.busy}>
          {save.busy ? 'Saving…' : label}
        </button>
      </div>
    </>
  );
}
