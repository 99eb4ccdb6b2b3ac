/**
 * The driver's rewards and leaving, on PGlite and on PostgreSQL, through the services: the rewards
 * view gives what was earned (with when), what is owed with the next payout's date and method,
 * what was paid (when, how), in points with the cents beside; after leaving it offers no change of
 * payment and no start bonus, and still says when what is owed is paid. Leaving gives one return
 * instruction per device (the program's own text, or the standard one naming its support), and a
 * driver who left applies again with the same car, end to end.
 */
import { beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR, type Actor } from '../src/actor.js';
import { AppError } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { batchOf, testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { createDriver, createOperator, enrollDriver, equipDevice, uniqueVin } from './support/program-fixtures.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

// Monday 7 December 2026, 06:00 in Mississippi (America/Chicago), 07:00 in Ontario.
const NOW = Date.UTC(2026, 11, 7, 12);
const MS_HOME = { line1: '1 Beach Blvd', city: 'Gulfport', region: 'MS', postalCode: '39501', country: 'US' };

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describeEachDatabase("the driver's rewards and leaving", (setup) => {
  let services: Services;
  let operator: Actor;

  beforeAll(async () => {
    // PayPal credentials given (never called here): the PayPal runs can pay, so they have a date.
    services = await testServices(
      setup().db,
      { paypalClientId: 'test-client', paypalClientSecret: 'test-secret' },
      () => new Date(NOW),
    );
    await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
    await services.programs.ensurePreset(CLI_OPERATOR, 'mississippi-power');
    operator = await createOperator(services);
  });

  /** A Mississippi driver applies with a Bolt and is approved. */
  async function mississippiParticipant(options: { paypalEmail?: string; vin?: string } = {}) {
    const driver = await createDriver(services);
    const vin = options.vin ?? uniqueVin();
    const applied = await services.enrollment.apply(driver.actor, 'mississippi-power', {
      vehicles: [{ make: 'Chevrolet', model: 'Bolt EV', modelYear: 2021, vin }],
      homeAddress: MS_HOME,
      utilityAccount: '1234567890',
      ...(options.paypalEmail ? { paypalEmail: options.paypalEmail } : {}),
    });
    const approved = await services.enrollment.approve(CLI_OPERATOR, applied.id);
    return {
      ...driver,
      vin,
      enrollmentId: approved.id,
      enrollmentVehicleId: approved.vehicles[0]!.id,
      vehicleId: approved.vehicles[0]!.vehicleId,
    };
  }

  it('gives a points program its amounts in points with the cents beside, and the next PayPal payout', async () => {
    const p = await mississippiParticipant({ paypalEmail: 'bolt.owner@example.com' });
    await services.rewards.adjust(operator, p.enrollmentId, { points: 25_500, reason: 'Welcome, charged 7.25 kWh' });
    const view = await services.rewards.getRewards(p.actor, p.enrollmentId);
    expect(view).toMatchObject({
      display: 'points',
      currency: 'USD',
      status: 'approved',
      earned: { points: 25_500, cents: 2550 },
      owed: { points: 25_500, cents: 2550 },
      paid: { points: 0, cents: 0 },
      canChangePayment: true,
      // November's PayPal batch is not recorded yet: the next daily run (10:00 UTC, tomorrow) pays.
      nextPayout: {
        method: 'paypal',
        how: 'PayPal',
        to: 'bolt.owner@example.com',
        on: '2026-12-08',
        minimumPoints: 1000,
      },
    });
    // Nothing was charged yet: the start bonus can still be earned, and says how much.
    expect(view.stillToEarn).toEqual([{ key: 'start', label: 'Start bonus', amount: { points: 25_000, cents: 2500 } }]);
    expect(view.earnings).toHaveLength(1);
    expect(view.earnings[0]).toMatchObject({ kind: 'adjustment', summary: 'Welcome, charged 7.3 kWh' });
    expect(view.earnings[0]!.earnedAt.toISOString()).toBe(new Date(NOW).toISOString());
  });

  it('promises no PayPal date on a server without PayPal credentials, and keeps the balance', async () => {
    const unpaid = await testServices(setup().db, {}, () => new Date(NOW));
    const p = await mississippiParticipant({ paypalEmail: 'no.paypal.yet@example.com' });
    await services.rewards.adjust(operator, p.enrollmentId, { points: 5_000, reason: 'Welcome' });
    const view = await unpaid.rewards.getRewards(p.actor, p.enrollmentId);
    expect(view.owed).toEqual({ points: 5_000, cents: 500 });
    expect(view.nextPayout).toMatchObject({ method: 'paypal', on: null, waitingForSetup: true });
    // The same participant on a server that can pay: a date.
    expect((await services.rewards.getRewards(p.actor, p.enrollmentId)).nextPayout).toMatchObject({
      on: '2026-12-08',
    });
    expect((await services.rewards.getRewards(p.actor, p.enrollmentId)).nextPayout).not.toHaveProperty(
      'waitingForSetup',
    );
  });

  it('lists a gift card as on its way, then paid with its date, and dates the next one at the year end', async () => {
    const p = await enrollDriver(services, 'alectra');
    await services.rewards.adjust(operator, p.enrollmentId, { points: 1234, reason: 'Rewards for testing' });
    const batch = await services.payouts.createBatchFor(operator, 'alectra', 'gift_card', '2026');
    let view = await services.rewards.getRewards(p.actor, p.enrollmentId);
    expect(view).toMatchObject({
      display: 'money',
      owed: { points: 0 },
      onItsWay: { points: 1234, cents: 1234 },
      nextPayout: { method: 'gift_card', how: 'Amazon gift card', on: '2027-01-01' },
    });
    expect(view.payments).toEqual([
      expect.objectContaining({ method: 'gift_card', how: 'Amazon gift card', period: '2026', state: 'on_its_way' }),
    ]);
    await services.payouts.fulfilGiftCards(operator, batch.id, {});
    view = await services.rewards.getRewards(p.actor, p.enrollmentId);
    expect(view.paid).toEqual({ points: 1234, cents: 1234 });
    expect(view.payments[0]).toMatchObject({ state: 'paid' });
    expect(view.payments[0]!.settledAt?.toISOString()).toBe(new Date(NOW).toISOString());
  });

  it('after leaving: no change of payment, no start bonus, and what is owed still has its payout', async () => {
    const p = await mississippiParticipant();
    await services.rewards.adjust(operator, p.enrollmentId, { points: 5000, reason: 'A month' });
    await services.enrollment.leave(p.actor, p.enrollmentId, { reason: 'moved' });
    const view = await services.rewards.getRewards(p.actor, p.enrollmentId);
    expect(view).toMatchObject({
      status: 'left',
      canChangePayment: false,
      stillToEarn: [],
      owed: { points: 5000, cents: 500 },
      // Mississippi pays gift cards at the program's end, which it has not dated.
      nextPayout: { method: 'gift_card', on: null, period: 'program-end' },
    });
    expect(view.leftAt?.toISOString()).toBe(new Date(NOW).toISOString());
  });

  it("gives one return instruction per device: the program's own text, or keep it when it sent data", async () => {
    const p = await mississippiParticipant();
    // A second driver's device sent data (active): it may be kept.
    const q = await mississippiParticipant();
    const never = await equipDevice(services, { ...p, email: p.email });
    const sent = await equipDevice(services, { ...q, email: q.email });
    const records = telemetryStream({ startMs: NOW - 3_600_000, driveSeconds: 120, chargeSeconds: 0 });
    const answer = await services.ingest.ingest({
      transport: 'http',
      body: JSON.stringify(batchOf(sent.credential.serial, 1, records)),
      auth: { kind: 'credential', credential: sent.credential },
    });
    expect(answer.ack.ok).toBe(true);
    const left = await services.enrollment.leave(p.actor, p.enrollmentId, { reason: 'sold_vehicle' });
    expect(left.vehicles[0]!.deviceReturn).toEqual({
      serial: never.credential.serial,
      mustReturn: true,
      // No text of its own: the standard one names the program's support.
      instructions:
        'Unplug it, pack it in the box it came in, and contact SmartCharge Mississippi support (1-800-975-2434) for a prepaid return label.',
      returnStatus: 'requested',
      returnReceivedAt: null,
    });
    const kept = await services.enrollment.leave(q.actor, q.enrollmentId, { reason: 'done' });
    expect(kept.vehicles[0]!.deviceReturn).toMatchObject({ mustReturn: false, returnStatus: null });
    expect(kept.vehicles[0]!.deviceReturn!.instructions).toMatch(/does not need to come back/);

    await services.programs.updateProgram(CLI_OPERATOR, 'mississippi-power', {
      deviceReturnInstructions: 'Mail it to Mississippi Power, 2992 W Beach Blvd, Gulfport, MS 39501.',
    });
    const again = await services.enrollment.getApplication(p.actor, p.enrollmentId);
    expect(again.vehicles[0]!.deviceReturn!.instructions).toBe(
      'Mail it to Mississippi Power, 2992 W Beach Blvd, Gulfport, MS 39501.',
    );
    // The leaving mail said the same.
    const mail = (await services.notifications.listMine(q.actor)).find((n) => n.kind === 'left_program');
    expect(mail?.body).toMatch(/does not need to be returned/);
    await services.programs.updateProgram(CLI_OPERATOR, 'mississippi-power', { deviceReturnInstructions: null });
  });

  it('takes a new application from a driver who left, with the same car, and approves it', async () => {
    const p = await mississippiParticipant();
    await services.enrollment.leave(p.actor, p.enrollmentId, { reason: 'moved' });
    const car = { make: 'Chevrolet', model: 'Bolt EV', modelYear: 2021, vin: p.vin };
    const applied = await services.enrollment.apply(p.actor, 'mississippi-power', {
      vehicles: [car],
      homeAddress: MS_HOME,
      utilityAccount: '1234567890',
    });
    expect(applied.id).not.toBe(p.enrollmentId);
    // The same registered car, not a second one.
    expect(applied.vehicles[0]!.vehicleId).toBe(p.vehicleId);
    // While that application is open, the car cannot be in another one.
    const twice = await refusal(
      services.enrollment.apply(p.actor, 'alectra', {
        vehicles: [car],
        homeAddress: { line1: '1 Main St', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' },
        utilityAccount: '1234567890',
      }),
    );
    expect(twice.message).toMatch(/already in an application to or a place in SmartCharge Mississippi/);
    // Someone else's car stays refused.
    const other = await createDriver(services);
    const stranger = await refusal(
      services.enrollment.apply(other.actor, 'mississippi-power', {
        vehicles: [car],
        homeAddress: MS_HOME,
        utilityAccount: '1234567890',
      }),
    );
    expect(stranger.message).toMatch(/already registered/);
    const approved = await services.enrollment.approve(CLI_OPERATOR, applied.id);
    expect(approved).toMatchObject({ status: 'approved', vehicles: [{ status: 'approved', vehicleId: p.vehicleId }] });
    const mine = await services.enrollment.listMine(p.actor);
    expect(mine.map((a) => a.status)).toEqual(['left', 'approved']);
    // The new participation earns and is paid like any other.
    expect(await services.rewards.getRewards(p.actor, applied.id)).toMatchObject({
      status: 'approved',
      canChangePayment: true,
      stillToEarn: [expect.objectContaining({ key: 'start' })],
    });
  });
});
