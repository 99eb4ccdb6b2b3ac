/**
 * Devices and vehicles through their services, on PGlite and on PostgreSQL: provisioning and the
 * secret that is never stored, authentication, rotation and revocation (with an injected clock for
 * grace periods), the lifecycle and its history, vehicle assignment, listing, and access checks.
 */
import { createHash } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_OPERATOR, type Actor } from '../src/actor.js';
import { DeviceService, type DeviceStatus } from '../src/devices/index.js';
import type { Metrics } from '../src/metrics.js';
import type { Services } from '../src/services.js';
import { VehicleService, type TCreateVehicle } from '../src/vehicles/index.js';
import { provisionTestDevice, testServices, uniqueSerial } from './support/builders.js';
import { expectAppError } from './support/app-errors.js';
import { describeEachDatabase } from './support/databases.js';

const T0 = Date.parse('2026-11-21T12:00:00Z');
const HOUR_S = 3600;
const DEVICE_ACTOR: Actor = { kind: 'device', deviceId: 1, serial: 'x' };

let vinCounter = 0;

/** A valid VIN unique within the test process. */
function uniqueVin(): string {
  vinCounter += 1;
  return `5YJ3E1EA${String(vinCounter).padStart(9, '0')}`;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Every way a value could hold the secret: as text, or its bytes in hex or base64. */
function renderings(value: unknown): string[] {
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value);
    return [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('latin1')];
  }
  return [JSON.stringify(value) ?? String(value)];
}

/** Statuses set by hand, from provisioned, to reach each status. */
const PATH_TO: Record<DeviceStatus, readonly DeviceStatus[]> = {
  provisioned: [],
  shipped: ['shipped'],
  installed: ['shipped', 'installed'],
  active: ['installed', 'active'],
  removed: ['installed', 'removed'],
  returned: ['returned'],
};

describeEachDatabase('devices and vehicles', (setup) => {
  let now = T0;
  const clock = () => new Date(now);
  let services: Services & { metrics: Metrics };

  beforeAll(async () => {
    services = await testServices(setup().db, {}, clock);
  });

  beforeEach(() => {
    now = T0;
  });

  const devices = () => services.devices;
  const vehicles = () => services.vehicles;

  async function createVehicle(input: Partial<TCreateVehicle> = {}) {
    return vehicles().createVehicle(CLI_OPERATOR, {
      vin: uniqueVin(),
      make: 'Chevrolet',
      model: 'Bolt EV',
      modelYear: 2022,
      ...input,
    });
  }

  async function deviceIn(status: DeviceStatus) {
    const provisioned = await provisionTestDevice(services);
    for (const step of PATH_TO[status]) {
      await devices().setStatus(CLI_OPERATOR, provisioned.credential.serial, { status: step });
    }
    return provisioned;
  }

  async function deviceRow(serial: string) {
    const { rows } = await setup().db.query('SELECT * FROM device WHERE serial = $1', [serial]);
    return rows[0];
  }

  async function eventsOf(serial: string) {
    const device = await devices().getDevice(CLI_OPERATOR, serial);
    return device.events.map((event) => ({
      kind: event.kind,
      status: event.status,
      vehicleId: event.vehicleId,
      note: event.note,
    }));
  }

  async function assignmentsOf(deviceId: number) {
    const { rows } = await setup().db.query<{ vehicle_id: number; assigned_at: Date; unassigned_at: Date | null }>(
      'SELECT vehicle_id, assigned_at, unassigned_at FROM device_assignment WHERE device_id = $1 ORDER BY assigned_at',
      [deviceId],
    );
    return rows;
  }

  async function authenticate(serial: string, secret: string) {
    const result = await devices().authenticate({ serial, secret });
    return result.ok ? 'ok' : result.reason;
  }

  describe('provisioning', () => {
    it('returns the secret once and stores only its 32-byte SHA-256 hash', async () => {
      const serial = uniqueSerial();
      const issued = await devices().provisionDevice(CLI_OPERATOR, { serial });

      expect(issued.secret).toMatch(/^scd_[A-Za-z0-9_-]{43}$/);
      expect(issued.device).toMatchObject({ serial, status: 'provisioned', vehicleId: null, revokedAt: null });
      const row = await deviceRow(serial);
      expect(row?.secret_hash).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(row?.secret_hash as Uint8Array)).toEqual(sha256(issued.secret));
      expect(row?.previous_secret_hash).toBeNull();

      // Neither the secret, nor its random part, nor its raw bytes are stored anywhere in the row
      // or the device's history, and neither the secret nor its hash is shown afterwards.
      const body = issued.secret.slice('scd_'.length);
      const needles = [issued.secret, body, Buffer.from(body, 'base64url').toString('hex')];
      const { rows: events } = await setup().db.query('SELECT * FROM device_event WHERE device_id = $1', [
        issued.device.id,
      ]);
      const stored = [...Object.values(row!), ...events.flatMap((event) => Object.values(event))].flatMap(renderings);
      for (const needle of needles) for (const text of stored) expect(text).not.toContain(needle);
      const shown = JSON.stringify([issued.device, await devices().getDevice(CLI_OPERATOR, serial)]);
      for (const needle of [...needles, sha256(issued.secret).toString('hex')]) expect(shown).not.toContain(needle);
      expect(issued.device).not.toHaveProperty('secretHash');
    });

    it('gives every device its own secret', async () => {
      const a = await provisionTestDevice(services);
      const b = await provisionTestDevice(services);
      expect(a.credential.secret).not.toBe(b.credential.secret);
      expect(await authenticate(a.credential.serial, b.credential.secret)).toBe('invalid_credential');
    });

    it('records a provisioned event', async () => {
      const { credential } = await provisionTestDevice(services);
      expect(await eventsOf(credential.serial)).toEqual([
        { kind: 'provisioned', status: 'provisioned', vehicleId: null, note: null },
      ]);
    });

    it('refuses a duplicate serial with a conflict naming it, keeping the first device’s secret', async () => {
      const { credential } = await provisionTestDevice(services);
      await expectAppError(
        devices().provisionDevice(CLI_OPERATOR, { serial: credential.serial }),
        'conflict',
        credential.serial,
      );
      expect(await authenticate(credential.serial, credential.secret)).toBe('ok');
    });

    it.each([['ab'], ['-leading-dash'], ['has space'], ['x'.repeat(65)], ['C2/slash'], ['']])(
      'refuses the invalid serial %j as invalid_input naming the serial field',
      async (serial) => {
        const error = await expectAppError(devices().provisionDevice(CLI_OPERATOR, { serial }), 'invalid_input');
        expect(error.details?.map((detail) => detail.field)).toEqual(['serial']);
        expect(error.message).toMatch(/^serial: /);
        expect(await deviceRow(serial)).toBeUndefined();
      },
    );
  });

  describe('authentication', () => {
    it('accepts the current secret and says which device it is', async () => {
      const { id, credential } = await provisionTestDevice(services);
      expect(await devices().authenticate(credential)).toEqual({
        ok: true,
        device: { id, serial: credential.serial },
      });
    });

    it('answers invalid_credential for a serial nobody provisioned, as for a wrong secret (the serial is not revealed)', async () => {
      expect(await authenticate(uniqueSerial('C2-NOBODY'), 'scd_whatever')).toBe('invalid_credential');
    });

    it('answers invalid_credential for a revoked device when the secret is wrong: only the secret holder learns it was revoked', async () => {
      const { credential } = await provisionTestDevice(services);
      await devices().revokeCredential(CLI_OPERATOR, credential.serial);
      expect(await authenticate(credential.serial, `${credential.secret}x`)).toBe('invalid_credential');
      expect(await authenticate(credential.serial, credential.secret)).toBe('revoked_credential');
    });

    it('answers invalid_credential for a wrong secret', async () => {
      const { credential } = await provisionTestDevice(services);
      expect(await authenticate(credential.serial, `${credential.secret}x`)).toBe('invalid_credential');
      expect(await authenticate(credential.serial, '')).toBe('invalid_credential');
    });

    it('answers revoked_credential once the credential is revoked, even with the right secret', async () => {
      const { credential } = await provisionTestDevice(services);
      await devices().revokeCredential(CLI_OPERATOR, credential.serial);
      expect(await authenticate(credential.serial, credential.secret)).toBe('revoked_credential');
    });

    it('answers device_returned for a returned device with the right secret, invalid_credential with a wrong one', async () => {
      const { credential } = await deviceIn('returned');
      expect(await authenticate(credential.serial, credential.secret)).toBe('device_returned');
      expect(await authenticate(credential.serial, 'scd_wrong')).toBe('invalid_credential');
    });
  });

  describe('credential rotation and revocation', () => {
    function listen() {
      const heard: string[] = [];
      const stop = devices().onCredentialRevoked((serial) => heard.push(serial));
      return { heard, stop };
    }

    it('rotation without grace invalidates the old secret at once and tells revocation listeners', async () => {
      const { credential } = await provisionTestDevice(services);
      const { heard, stop } = listen();
      try {
        const rotated = await devices().rotateCredential(CLI_OPERATOR, credential.serial);
        expect(heard).toEqual([credential.serial]);
        expect(rotated.secret).not.toBe(credential.secret);
        expect(rotated.device.previousCredentialExpiresAt).toBeNull();
        expect(await authenticate(credential.serial, credential.secret)).toBe('invalid_credential');
        expect(await authenticate(credential.serial, rotated.secret)).toBe('ok');
        expect(Buffer.from((await deviceRow(credential.serial))?.secret_hash as Uint8Array)).toEqual(
          sha256(rotated.secret),
        );
        expect((await eventsOf(credential.serial)).at(-1)).toEqual({
          kind: 'credential_rotated',
          status: null,
          vehicleId: null,
          note: 'previous secret no longer valid',
        });
      } finally {
        stop();
      }
    });

    it('rotation with a grace period keeps the old secret working until the grace ends, and not after', async () => {
      const { credential } = await provisionTestDevice(services);
      const { heard, stop } = listen();
      try {
        const rotated = await devices().rotateCredential(CLI_OPERATOR, credential.serial, { graceSeconds: HOUR_S });
        expect(heard).toEqual([]);
        expect(rotated.device.previousCredentialExpiresAt).toEqual(new Date(T0 + HOUR_S * 1000));

        expect(await authenticate(credential.serial, credential.secret)).toBe('ok');
        now = T0 + HOUR_S * 1000 - 1;
        expect(await authenticate(credential.serial, credential.secret)).toBe('ok');
        now = T0 + HOUR_S * 1000;
        expect(await authenticate(credential.serial, credential.secret)).toBe('invalid_credential');
        now = T0 + 30 * 86_400_000;
        expect(await authenticate(credential.serial, credential.secret)).toBe('invalid_credential');
        expect(await authenticate(credential.serial, rotated.secret)).toBe('ok');
      } finally {
        stop();
      }
    });

    it('a second rotation ends the grace of the secret replaced by the first', async () => {
      const { credential } = await provisionTestDevice(services);
      const second = await devices().rotateCredential(CLI_OPERATOR, credential.serial, { graceSeconds: HOUR_S });
      const third = await devices().rotateCredential(CLI_OPERATOR, credential.serial, { graceSeconds: HOUR_S });
      expect(await authenticate(credential.serial, credential.secret)).toBe('invalid_credential');
      expect(await authenticate(credential.serial, second.secret)).toBe('ok');
      expect(await authenticate(credential.serial, third.secret)).toBe('ok');
    });

    it('refuses a grace period outside 0–90 days, naming the field and keeping the secret', async () => {
      const { credential } = await provisionTestDevice(services);
      for (const graceSeconds of [-1, 90 * 86_400 + 1, 1.5]) {
        const error = await expectAppError(
          devices().rotateCredential(CLI_OPERATOR, credential.serial, { graceSeconds }),
          'invalid_input',
        );
        expect(error.details?.map((detail) => detail.field)).toEqual(['graceSeconds']);
      }
      expect(await authenticate(credential.serial, credential.secret)).toBe('ok');
    });

    it('revocation stops the current secret and any secret in grace at once, and tells listeners', async () => {
      const { credential } = await provisionTestDevice(services);
      const rotated = await devices().rotateCredential(CLI_OPERATOR, credential.serial, { graceSeconds: HOUR_S });
      const { heard, stop } = listen();
      try {
        const revoked = await devices().revokeCredential(CLI_OPERATOR, credential.serial, 'reported stolen');
        expect(heard).toEqual([credential.serial]);
        expect(revoked.revokedAt).toBeInstanceOf(Date);
        expect(revoked.previousCredentialExpiresAt).toBeNull();
        expect(await authenticate(credential.serial, rotated.secret)).toBe('revoked_credential');
        // The secret in grace no longer works at all: to its holder the revocation looks like a wrong secret.
        expect(await authenticate(credential.serial, credential.secret)).toBe('invalid_credential');
        expect((await eventsOf(credential.serial)).at(-1)).toEqual({
          kind: 'credential_revoked',
          status: null,
          vehicleId: null,
          note: 'reported stolen',
        });
      } finally {
        stop();
      }
    });

    it('stops telling a listener once it unsubscribes', async () => {
      const { credential } = await provisionTestDevice(services);
      const { heard, stop } = listen();
      stop();
      await devices().revokeCredential(CLI_OPERATOR, credential.serial);
      expect(heard).toEqual([]);
    });

    it('rotation after revocation un-revokes the device with a new secret, never reviving the revoked one', async () => {
      const { credential } = await provisionTestDevice(services);
      await devices().revokeCredential(CLI_OPERATOR, credential.serial);

      // A grace period must not bring the revoked secret back.
      const rotated = await devices().rotateCredential(CLI_OPERATOR, credential.serial, { graceSeconds: HOUR_S });

      expect(rotated.device.revokedAt).toBeNull();
      expect(rotated.device.previousCredentialExpiresAt).toBeNull();
      expect(await authenticate(credential.serial, rotated.secret)).toBe('ok');
      expect(await authenticate(credential.serial, credential.secret)).toBe('invalid_credential');
    });

    it('refuses to revoke a credential twice, saying to rotate instead', async () => {
      const { credential } = await provisionTestDevice(services);
      await devices().revokeCredential(CLI_OPERATOR, credential.serial);
      const eventsBefore = await eventsOf(credential.serial);
      await expectAppError(
        devices().revokeCredential(CLI_OPERATOR, credential.serial),
        'invalid_transition',
        credential.serial,
        'already revoked',
        'rotate',
      );
      expect(await eventsOf(credential.serial)).toEqual(eventsBefore);
    });

    it('answers not_found for rotating or revoking a device nobody provisioned', async () => {
      const serial = uniqueSerial('C2-NOBODY');
      await expectAppError(devices().rotateCredential(CLI_OPERATOR, serial), 'not_found', serial);
      await expectAppError(devices().revokeCredential(CLI_OPERATOR, serial), 'not_found', serial);
    });
  });

  describe('lifecycle', () => {
    it('follows provisioned → shipped → installed → removed → installed → active → removed → returned → provisioned, recording each step and its note', async () => {
      const { credential } = await provisionTestDevice(services);
      const steps: [DeviceStatus, string | undefined][] = [
        ['shipped', 'UPS 1Z999AA10123456784'],
        ['installed', undefined],
        ['removed', 'unplugged at the dealer'],
        ['installed', undefined],
        ['active', undefined],
        ['removed', undefined],
        ['returned', 'RMA 4411'],
        ['provisioned', 'refurbished'],
      ];
      for (const [status, note] of steps) {
        const device = await devices().setStatus(CLI_OPERATOR, credential.serial, {
          status,
          ...(note ? { note } : {}),
        });
        expect(device.status).toBe(status);
      }
      expect((await eventsOf(credential.serial)).slice(1)).toEqual(
        steps.map(([status, note]) => ({ kind: 'status', status, vehicleId: null, note: note ?? null })),
      );
      const device = await devices().getDevice(CLI_OPERATOR, credential.serial);
      expect(device.status).toBe('provisioned');
      expect(device.statusChangedAt.getTime()).toBeGreaterThanOrEqual(device.createdAt.getTime());
    });

    it.each([
      ['provisioned', 'active', ['shipped', 'installed', 'returned']],
      ['provisioned', 'removed', ['shipped', 'installed', 'returned']],
      ['shipped', 'active', ['installed', 'returned']],
      ['installed', 'returned', ['active', 'removed']],
      ['active', 'installed', ['removed']],
      ['active', 'returned', ['removed']],
      ['removed', 'provisioned', ['installed', 'active', 'returned']],
      ['returned', 'installed', ['provisioned']],
    ] as const)(
      'refuses %s → %s as invalid_transition naming the allowed next statuses, changing nothing',
      async (from, to, allowed) => {
        const { credential } = await deviceIn(from);
        const eventsBefore = await eventsOf(credential.serial);
        const error = await expectAppError(
          devices().setStatus(CLI_OPERATOR, credential.serial, { status: to }),
          'invalid_transition',
          credential.serial,
        );
        expect(error.message).toContain(`is ${from}; it can become ${allowed.join(' or ')}, not ${to}`);
        expect((await devices().getDevice(CLI_OPERATOR, credential.serial)).status).toBe(from);
        expect(await eventsOf(credential.serial)).toEqual(eventsBefore);
      },
    );

    it('refuses setting the status a device already has', async () => {
      const { credential } = await deviceIn('shipped');
      await expectAppError(
        devices().setStatus(CLI_OPERATOR, credential.serial, { status: 'shipped' }),
        'invalid_transition',
        'already shipped',
      );
    });

    it('refuses an unknown status or an overlong note, naming the field', async () => {
      const { credential } = await provisionTestDevice(services);
      const badStatus = await expectAppError(
        devices().setStatus(CLI_OPERATOR, credential.serial, { status: 'lost' as DeviceStatus }),
        'invalid_input',
      );
      expect(badStatus.details?.map((detail) => detail.field)).toEqual(['status']);
      const longNote = await expectAppError(
        devices().setStatus(CLI_OPERATOR, credential.serial, { status: 'shipped', note: 'x'.repeat(501) }),
        'invalid_input',
      );
      expect(longNote.details?.map((detail) => detail.field)).toEqual(['note']);
      expect((await devices().getDevice(CLI_OPERATOR, credential.serial)).status).toBe('provisioned');
    });

    it('answers not_found for a device nobody provisioned', async () => {
      const serial = uniqueSerial('C2-NOBODY');
      await expectAppError(devices().setStatus(CLI_OPERATOR, serial, { status: 'shipped' }), 'not_found', serial);
      await expectAppError(devices().getDevice(CLI_OPERATOR, serial), 'not_found', serial);
    });
  });

  describe('vehicle assignment', () => {
    it('opens and closes assignment rows as a device moves between vehicles, with history events', async () => {
      const { id, credential } = await provisionTestDevice(services);
      const a = await createVehicle();
      const b = await createVehicle();

      expect((await devices().assignVehicle(CLI_OPERATOR, credential.serial, a.id)).vehicleId).toBe(a.id);
      const [first, ...others] = await assignmentsOf(id);
      expect(others).toEqual([]);
      expect(first).toMatchObject({ vehicle_id: a.id, unassigned_at: null });
      expect(first!.assigned_at).toBeInstanceOf(Date);

      expect((await devices().assignVehicle(CLI_OPERATOR, credential.serial, b.id)).vehicleId).toBe(b.id);
      const afterMove = await assignmentsOf(id);
      expect(afterMove.map((row) => [row.vehicle_id, row.unassigned_at === null])).toEqual([
        [a.id, false],
        [b.id, true],
      ]);
      expect(afterMove[0]!.assigned_at).toEqual(first!.assigned_at);
      // The move happens at one instant: no gap, no overlap.
      expect(afterMove[0]!.unassigned_at).toBeInstanceOf(Date);
      expect(afterMove[1]!.assigned_at).toEqual(afterMove[0]!.unassigned_at);
      expect(afterMove[0]!.unassigned_at!.getTime()).toBeGreaterThanOrEqual(first!.assigned_at.getTime());

      expect((await devices().assignVehicle(CLI_OPERATOR, credential.serial, null)).vehicleId).toBeNull();
      const afterRemoval = await assignmentsOf(id);
      expect(afterRemoval).toHaveLength(2);
      expect(afterRemoval[1]!.unassigned_at).toBeInstanceOf(Date);
      expect(afterRemoval.every((row) => row.unassigned_at!.getTime() >= row.assigned_at.getTime())).toBe(true);

      expect((await eventsOf(credential.serial)).slice(1)).toEqual([
        { kind: 'assigned', status: null, vehicleId: a.id, note: null },
        { kind: 'unassigned', status: null, vehicleId: a.id, note: null },
        { kind: 'assigned', status: null, vehicleId: b.id, note: null },
        { kind: 'unassigned', status: null, vehicleId: b.id, note: null },
      ]);
    });

    it('moves a device back and forth between vehicles in quick succession, keeping one open assignment', async () => {
      const { id, credential } = await provisionTestDevice(services);
      const a = await createVehicle();
      const b = await createVehicle();
      const moves = [a.id, b.id, a.id, null, a.id, b.id, null, b.id];
      for (const vehicleId of moves) await devices().assignVehicle(CLI_OPERATOR, credential.serial, vehicleId);

      const rows = await assignmentsOf(id);
      expect(rows.filter((row) => row.unassigned_at === null).map((row) => row.vehicle_id)).toEqual([b.id]);
      expect((await devices().getDevice(CLI_OPERATOR, credential.serial)).vehicleId).toBe(b.id);
    });

    it('refuses an unknown vehicle with not_found, changing nothing', async () => {
      const { id, credential } = await provisionTestDevice(services);
      await expectAppError(
        devices().assignVehicle(CLI_OPERATOR, credential.serial, 987_654_321),
        'not_found',
        '987654321',
      );
      expect((await devices().getDevice(CLI_OPERATOR, credential.serial)).vehicleId).toBeNull();
      expect(await assignmentsOf(id)).toEqual([]);
    });

    it('refuses a no-op: the vehicle the device is already in, or removing a device that is in none', async () => {
      const { id, credential } = await provisionTestDevice(services);
      const vehicle = await createVehicle();
      await expectAppError(
        devices().assignVehicle(CLI_OPERATOR, credential.serial, null),
        'invalid_transition',
        'not in a vehicle',
      );
      await devices().assignVehicle(CLI_OPERATOR, credential.serial, vehicle.id);
      const assignmentsBefore = await assignmentsOf(id);
      const eventsBefore = await eventsOf(credential.serial);

      await expectAppError(
        devices().assignVehicle(CLI_OPERATOR, credential.serial, vehicle.id),
        'invalid_transition',
        `already in vehicle ${vehicle.id}`,
      );
      expect(await assignmentsOf(id)).toEqual(assignmentsBefore);
      expect(await eventsOf(credential.serial)).toEqual(eventsBefore);
    });

    it('answers not_found for assigning a device nobody provisioned', async () => {
      const vehicle = await createVehicle();
      const serial = uniqueSerial('C2-NOBODY');
      await expectAppError(devices().assignVehicle(CLI_OPERATOR, serial, vehicle.id), 'not_found', serial);
    });

    it('assigns the vehicle at once when provisioning names one', async () => {
      const vehicle = await createVehicle();
      const serial = uniqueSerial();
      const issued = await devices().provisionDevice(CLI_OPERATOR, { serial, vehicleId: vehicle.id });
      expect(issued.device.vehicleId).toBe(vehicle.id);
      const assignments = await assignmentsOf(issued.device.id);
      expect(assignments.map((row) => [row.vehicle_id, row.unassigned_at])).toEqual([[vehicle.id, null]]);
      expect(assignments[0]!.assigned_at).toBeInstanceOf(Date);
      expect(await eventsOf(serial)).toEqual([
        { kind: 'provisioned', status: 'provisioned', vehicleId: null, note: null },
        { kind: 'assigned', status: null, vehicleId: vehicle.id, note: null },
      ]);
    });

    it('refuses provisioning into an unknown vehicle, creating no device', async () => {
      const serial = uniqueSerial();
      await expectAppError(
        devices().provisionDevice(CLI_OPERATOR, { serial, vehicleId: 987_654_321 }),
        'not_found',
        '987654321',
      );
      expect(await deviceRow(serial)).toBeUndefined();
    });
  });

  describe('listing devices', () => {
    it('pages through devices in id order with afterId and limit', async () => {
      const mine = [];
      for (let i = 0; i < 5; i++) mine.push(await provisionTestDevice(services));
      const pages: string[][] = [];
      let afterId = mine[0]!.id - 1;
      for (;;) {
        const page = await devices().listDevices(CLI_OPERATOR, { afterId, limit: 2 });
        if (page.length === 0) break;
        pages.push(page.map((device) => device.serial));
        afterId = page.at(-1)!.id;
      }
      const serials = mine.map((device) => device.credential.serial);
      expect(pages).toEqual([serials.slice(0, 2), serials.slice(2, 4), serials.slice(4)]);
    });

    it('filters by status', async () => {
      const first = await provisionTestDevice(services);
      const shipped = await deviceIn('shipped');
      await deviceIn('installed');
      const alsoShipped = await deviceIn('shipped');

      const listed = await devices().listDevices(CLI_OPERATOR, { status: 'shipped', afterId: first.id - 1 });

      expect(listed.map((device) => device.serial)).toEqual([shipped.credential.serial, alsoShipped.credential.serial]);
      expect(listed.every((device) => device.status === 'shipped')).toBe(true);
    });

    it('counts devices by status', async () => {
      const before = await devices().countDevicesByStatus(CLI_OPERATOR);
      await deviceIn('shipped');
      await deviceIn('shipped');
      await deviceIn('active');
      const after = await devices().countDevicesByStatus(CLI_OPERATOR);
      expect(after).toEqual({
        ...before,
        shipped: (before.shipped ?? 0) + 2,
        active: (before.active ?? 0) + 1,
      });
    });
  });

  describe('vehicles', () => {
    it('creates a vehicle with its VIN trimmed and in upper case', async () => {
      const vin = uniqueVin();
      const created = await vehicles().createVehicle(CLI_OPERATOR, {
        vin: ` ${vin.toLowerCase()} `,
        make: 'Hyundai',
        model: 'Ioniq 5',
        modelYear: 2024,
      });
      expect(created).toMatchObject({ vin, make: 'Hyundai', model: 'Ioniq 5', modelYear: 2024 });
      const { rows } = await setup().db.query('SELECT vin FROM vehicle WHERE id = $1', [created.id]);
      expect(rows).toEqual([{ vin }]);
      expect(await vehicles().getVehicle(CLI_OPERATOR, created.id)).toEqual(created);
    });

    it.each([
      ['too short', '5YJ3E1EA1234'],
      ['too long', '5YJ3E1EA1234567890'],
      ['with an I', '5YJ3E1EA12345678I'],
      ['with an O', '5YJ3E1EA12345678O'],
      ['with a Q', '5YJ3E1EA12345678Q'],
      ['with punctuation', '5YJ3E1EA-23456789'],
    ])('refuses a VIN %s, naming the field and saying what a VIN is', async (_case, vin) => {
      const error = await expectAppError(
        createVehicle({ vin }),
        'invalid_input',
        '17 letters and digits, without I, O or Q',
      );
      expect(error.details?.map((detail) => detail.field)).toEqual(['vin']);
    });

    it('refuses a VIN already on file, in any case, as a conflict naming it', async () => {
      const vin = uniqueVin();
      await createVehicle({ vin });
      await expectAppError(createVehicle({ vin }), 'conflict', vin);
      await expectAppError(createVehicle({ vin: vin.toLowerCase() }), 'conflict', vin);
    });

    it('allows many vehicles without a VIN', async () => {
      const { vin: _vin, ...withoutVin } = { vin: undefined, make: 'Nissan', model: 'Leaf', modelYear: 2019 };
      const first = await vehicles().createVehicle(CLI_OPERATOR, withoutVin);
      const second = await vehicles().createVehicle(CLI_OPERATOR, withoutVin);
      expect([first.vin, second.vin]).toEqual([null, null]);
      expect(second.id).not.toBe(first.id);
    });

    it('accepts model years 1990 to 2100 and refuses others, naming the field', async () => {
      expect((await createVehicle({ modelYear: 1990 })).modelYear).toBe(1990);
      expect((await createVehicle({ modelYear: 2100 })).modelYear).toBe(2100);
      for (const modelYear of [1989, 2101, 2024.5]) {
        const error = await expectAppError(createVehicle({ modelYear }), 'invalid_input');
        expect(error.details?.map((detail) => detail.field)).toEqual(['modelYear']);
      }
    });

    it('answers not_found for a vehicle id nobody created', async () => {
      await expectAppError(vehicles().getVehicle(CLI_OPERATOR, 987_654_321), 'not_found', '987654321');
    });

    it('pages through vehicles in id order', async () => {
      const mine = [await createVehicle(), await createVehicle(), await createVehicle()];
      const firstPage = await vehicles().listVehicles(CLI_OPERATOR, { afterId: mine[0]!.id - 1, limit: 2 });
      const secondPage = await vehicles().listVehicles(CLI_OPERATOR, { afterId: firstPage.at(-1)!.id, limit: 2 });
      expect([...firstPage, ...secondPage]).toEqual(mine);
    });
  });

  describe('access', () => {
    let serial: string;
    let secret: string;
    let vehicleId: number;

    beforeAll(async () => {
      const provisioned = await provisionTestDevice(services);
      serial = provisioned.credential.serial;
      secret = provisioned.credential.secret;
      vehicleId = (await createVehicle()).id;
    });

    /** Calls that would succeed for an operator. */
    const entryPoints: Record<string, (actor: Actor) => Promise<unknown>> = {
      'DeviceService.provisionDevice': (actor) => devices().provisionDevice(actor, { serial: uniqueSerial() }),
      'DeviceService.getDevice': (actor) => devices().getDevice(actor, serial),
      'DeviceService.listDevices': (actor) => devices().listDevices(actor),
      'DeviceService.countDevicesByStatus': (actor) => devices().countDevicesByStatus(actor),
      'DeviceService.rotateCredential': (actor) => devices().rotateCredential(actor, serial),
      'DeviceService.revokeCredential': (actor) => devices().revokeCredential(actor, serial),
      'DeviceService.setStatus': (actor) => devices().setStatus(actor, serial, { status: 'shipped' }),
      'DeviceService.assignVehicle': (actor) => devices().assignVehicle(actor, serial, vehicleId),
      'DeviceService.assignStock': (actor) => devices().assignStock(actor, serial, null, 'to the shared stock'),
      'VehicleService.createVehicle': (actor) =>
        vehicles().createVehicle(actor, { vin: uniqueVin(), make: 'Kia', model: 'EV6', modelYear: 2023 }),
      'VehicleService.getVehicle': (actor) => vehicles().getVehicle(actor, vehicleId),
      'VehicleService.listVehicles': (actor) => vehicles().listVehicles(actor),
    };

    async function snapshot() {
      const { db } = setup();
      return {
        device: await deviceRow(serial),
        events: (await db.query('SELECT * FROM device_event ORDER BY id')).rows,
        assignments: (await db.query('SELECT * FROM device_assignment ORDER BY device_id, assigned_at')).rows,
        devices: (await db.query('SELECT count(*)::int AS n FROM device')).rows,
        vehicles: (await db.query('SELECT count(*)::int AS n FROM vehicle')).rows,
      };
    }

    it.each(Object.keys(entryPoints))('%s refuses a device actor as forbidden, changing nothing', async (name) => {
      const before = await snapshot();
      await expectAppError(entryPoints[name]!(DEVICE_ACTOR), 'forbidden');
      expect(await snapshot()).toEqual(before);
      expect(await authenticate(serial, secret)).toBe('ok');
    });

    it('covers every operator entry point of both services', () => {
      // Device-facing (they authenticate the device itself, no actor), wiring and private helpers.
      const notOperatorEntryPoints = [
        'constructor',
        'onCredentialRevoked',
        'authenticate',
        'authenticateByBroker',
        'emitRevoked',
        // For other contexts (enrollment, rewards) after they have checked the caller themselves.
        'listDevicesInVehicles',
        'listDevicesByIds',
        'listSilentDevices',
        // The device inventory for program staff: participation checks the caller (program-admin.e2e.test.ts).
        'listDevicesInScope',
        'countDevicesInScope',
        // Device stock: DeviceStockService checks the caller first (device-stock.test.ts).
        'provisionStock',
        'findDeviceInScope',
      ];
      // requireVehicleAccess decides per caller (driver, utility, share viewer): tested in portal.e2e.test.ts.
      const internalVehicleMethods = [
        'constructor',
        'createOwnedVehicle',
        // Enrollment asks it for the applicant's own vehicle only (driver-rewards-leaving.test.ts).
        'findOwnedVehicleByVin',
        'setVehicleProgram',
        'getVehicleInternal',
        'requireVehicleAccess',
      ];
      const methods = [
        ...Object.getOwnPropertyNames(DeviceService.prototype)
          .filter((name) => !notOperatorEntryPoints.includes(name))
          .map((name) => `DeviceService.${name}`),
        ...Object.getOwnPropertyNames(VehicleService.prototype)
          .filter((name) => !internalVehicleMethods.includes(name))
          .map((name) => `VehicleService.${name}`),
      ];
      expect(methods.sort()).toEqual(Object.keys(entryPoints).sort());
    });
  });
});
