/**
 * The programs promise GPS only while charging. The server enforces it, whatever the device
 * sends: a location is kept only on records taken while plugged in (charge_state plugged or
 * charging) and not driving. Everything else loses its location here, and is counted.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';

export function mayKeepLocation(record: TUplinkRecord): boolean {
  return (record.charge_state === 'plugged' || record.charge_state === 'charging') && record.drive_state !== 'driving';
}

export function stripLocations(records: readonly TUplinkRecord[]): { records: TUplinkRecord[]; stripped: number } {
  if (!records.some((record) => record.location !== undefined && !mayKeepLocation(record))) {
    return { records: [...records], stripped: 0 };
  }
  let stripped = 0;
  const out = records.map((record) => {
    if (record.location === undefined || mayKeepLocation(record)) return record;
    stripped++;
    const { location: _dropped, ...rest } = record;
    return rest;
  });
  return { records: out, stripped };
}
