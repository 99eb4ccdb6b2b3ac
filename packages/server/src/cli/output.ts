/**
 * Human-readable output of CLI commands (--json prints the raw objects instead).
 */
import type { Json } from './operator-client.js';

export interface Output {
  readonly json: boolean;
  readonly via: string;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '–';
}

function when(value: unknown): string {
  return typeof value === 'string' ? value.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–';
}

export function printIssued(issued: Json, action: 'provisioned' | 'rotated'): void {
  const device = issued.device as Json;
  const serial = String(device.serial);
  console.log(`Device ${serial} ${action}.`);
  console.log('');
  console.log(`  serial:  ${serial}`);
  console.log(`  secret:  ${String(issued.secret)}`);
  console.log('');
  console.log('Install this credential on the device now: the secret is shown only this once.');
  console.log(`HTTP: Authorization: Basic base64("${serial}:<secret>"); MQTT: username ${serial}, password <secret>.`);
}

export function printDevice(device: Json): void {
  console.log(`${String(device.serial)} (id ${String(device.id)})`);
  console.log(`  status:       ${String(device.status)} since ${when(device.statusChangedAt)}`);
  console.log(`  vehicle:      ${text(device.vehicleId)}`);
  console.log(
    `  credential:   ${device.revokedAt ? `revoked ${when(device.revokedAt)}` : `issued ${when(device.credentialIssuedAt)}`}`,
  );
  if (device.previousCredentialExpiresAt) {
    console.log(`  previous secret valid until ${when(device.previousCredentialExpiresAt)}`);
  }
  console.log(`  first seen:   ${when(device.firstSeenAt)}`);
  console.log(`  last seen:    ${when(device.lastSeenAt)}`);
  const events = Array.isArray(device.events) ? (device.events as Json[]) : [];
  if (events.length > 0) {
    console.log('  history:');
    for (const event of events) {
      const detail = [
        event.status,
        event.vehicleId === null ? undefined : `vehicle ${text(event.vehicleId)}`,
        event.note,
      ]
        .filter((part) => part !== undefined && part !== null)
        .map(String)
        .join(', ');
      console.log(`    ${when(event.at)}  ${String(event.kind)}${detail ? `: ${detail}` : ''}`);
    }
  }
}

export function printDevices(devices: readonly Json[]): void {
  if (devices.length === 0) {
    console.log('No devices.');
    return;
  }
  console.log(['id', 'serial', 'status', 'vehicle', 'last seen'].join('\t'));
  for (const d of devices) {
    console.log(
      [d.id, d.serial, d.revokedAt ? `${String(d.status)} (revoked)` : d.status, d.vehicleId ?? '–', when(d.lastSeenAt)]
        .map(String)
        .join('\t'),
    );
  }
}

export function printVehicles(vehicles: readonly Json[]): void {
  if (vehicles.length === 0) {
    console.log('No vehicles.');
    return;
  }
  console.log(['id', 'year', 'make', 'model', 'vin'].join('\t'));
  for (const v of vehicles) console.log([v.id, v.modelYear, v.make, v.model, v.vin ?? '–'].map(String).join('\t'));
}
