/**
 * Rewards from what devices record, on PGlite and on PostgreSQL, through ingest, live derivation
 * and the rewards service: a device is active from its first record (devices context), so a charge
 * it buffered out of coverage earns the start bonus though it arrived days later, and so does one
 * recorded before the participant got round to saying the device was installed; data stamped
 * before the device was even shipped starts nothing. The start bonus is paid once per driver and
 * program: leaving and joining again does not earn it twice.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';
import { beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import type { Services } from '../src/services.js';
import { batchOf, testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { enrollDriver, equipDevice, type Participant } from './support/program-fixtures.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const DAY = 86_400_000;
const SHIPPED = Date.UTC(2026, 10, 2, 15);
const INSTALLED = Date.UTC(2026, 10, 3, 15);

describeEachDatabase('rewards from device data', (setup) => {
  let nowMs = INSTALLED;
  let services: Services;

  beforeAll(async () => {
    services = await testServices(setup().db, { deriveLive: true }, () => new Date(nowMs));
    await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
  });

  /** A participant whose device was shipped at SHIPPED and, unless told otherwise, said installed at INSTALLED. */
  async function equipped(
    options: { installed?: boolean } = {},
  ): Promise<{ participant: Participant; credential: { serial: string; secret: string } }> {
    nowMs = SHIPPED;
    const participant = await enrollDriver(services, 'alectra');
    const device = await equipDevice(services, participant, { installed: false });
    if (options.installed !== false) {
      nowMs = INSTALLED;
      await services.participation.confirmInstalled(participant.actor, participant.enrollmentVehicleId);
    }
    return { participant, credential: device.credential };
  }

  /** A drive then a Level 2 charge at home (Mississauga, in Alectra's territory), uploaded in one go at `arrivesAt`. */
  async function upload(credential: { serial: string; secret: string }, recordedFrom: number, arrivesAt: number) {
    const records: TUplinkRecord[] = telemetryStream({ startMs: recordedFrom, driveSeconds: 300, chargeSeconds: 1200 });
    const last = records.at(-1)!;
    records.push({ ...last, seq: last.seq + 1, time_ms: last.time_ms + 60_000, charge_state: 'unplugged' });
    nowMs = arrivesAt;
    const result = await services.ingest.ingest({
      transport: 'http',
      body: JSON.stringify(batchOf(credential.serial, 1, records)),
      auth: { kind: 'credential', credential },
    });
    expect(result.ack.ok).toBe(true);
    await services.derive.idle();
  }

  const rewardsOf = async (participant: Participant) =>
    (await services.rewards.getLedger(participant.actor, participant.enrollmentId)).entries.filter(
      (e) => e.kind === 'reward',
    );

  it('pays the start bonus for a charge the device recorded before its first upload arrived', async () => {
    const { participant, credential } = await equipped();
    const recordedFrom = Date.UTC(2026, 10, 5, 23);
    await upload(credential, recordedFrom, recordedFrom + 2 * DAY);
    await services.rewards.evaluateProgram(CLI_OPERATOR, 'alectra');
    const [start, ...more] = await rewardsOf(participant);
    expect(more).toEqual([]);
    expect(start).toMatchObject({ ruleKey: 'start', points: 5000 });
    const facts = start!.explanation.facts as { activatedAt: string; startedAt: string };
    expect(facts.activatedAt).toBe(new Date(recordedFrom).toISOString());
    expect(Date.parse(facts.startedAt)).toBeLessThan(recordedFrom + DAY);
  });

  it('pays it for a charge recorded before the participant said the device was installed', async () => {
    const { participant, credential } = await equipped({ installed: false });
    const recordedFrom = SHIPPED + DAY / 2;
    await upload(credential, recordedFrom, INSTALLED + 3_600_000);
    nowMs = INSTALLED + 2 * 3_600_000;
    // Saying so after the data arrived changes nothing: the device is already active.
    await services.participation.confirmInstalled(participant.actor, participant.enrollmentVehicleId);
    await services.rewards.evaluateProgram(CLI_OPERATOR, 'alectra');
    const [start] = await rewardsOf(participant);
    expect(start).toMatchObject({ ruleKey: 'start', points: 5000 });
    expect((start!.explanation.facts as { installedAt: string }).installedAt).toBe(
      new Date(recordedFrom).toISOString(),
    );
  });

  it('does not count data stamped before the device was shipped: the start waits for a charge after it', async () => {
    const { participant, credential } = await equipped();
    // A device clock a week behind: its "first" charge predates the shipment.
    await upload(credential, SHIPPED - 7 * DAY, INSTALLED + DAY);
    await services.rewards.evaluateProgram(CLI_OPERATOR, 'alectra');
    expect(await rewardsOf(participant)).toEqual([]);
    const device = await services.devices.getDevice(CLI_OPERATOR, credential.serial);
    expect(device.statusChangedAt.toISOString()).toBe(new Date(SHIPPED).toISOString());
  });

  it('pays the start bonus once: a driver who left and joined again does not earn it a second time', async () => {
    const { participant, credential } = await equipped();
    const firstCharge = Date.UTC(2026, 10, 6, 23);
    await upload(credential, firstCharge, firstCharge + DAY);
    await services.rewards.evaluateProgram(CLI_OPERATOR, 'alectra');
    expect((await rewardsOf(participant)).map((r) => r.ruleKey)).toEqual(['start']);
    nowMs = firstCharge + 3 * DAY;
    await services.enrollment.leave(participant.actor, participant.enrollmentId, { reason: 'moved' });

    // Back a week later, with another car and another device, and charging again.
    nowMs = firstCharge + 10 * DAY;
    const again = await enrollDriver(services, 'alectra', {
      driver: { ...participant, actor: { kind: 'driver', accountId: participant.accountId } },
    });
    expect(again.enrollmentId).not.toBe(participant.enrollmentId);
    const device = await equipDevice(services, again);
    expect(await services.rewards.getRewards(again.actor, again.enrollmentId)).toMatchObject({
      stillToEarn: [],
      startBonusEarnedBefore: true,
    });
    await upload(device.credential, firstCharge + 11 * DAY, firstCharge + 12 * DAY);
    await services.rewards.evaluateProgram(CLI_OPERATOR, 'alectra');
    expect(await rewardsOf(again)).toEqual([]);
    // The first participation keeps the one it earned.
    expect((await rewardsOf(participant)).map((r) => r.ruleKey)).toEqual(['start']);

    // Another driver joining for the first time still earns it.
    const newcomer = await equipped();
    await upload(newcomer.credential, Date.UTC(2026, 10, 7, 23), Date.UTC(2026, 10, 8, 23));
    await services.rewards.evaluateProgram(CLI_OPERATOR, 'alectra');
    expect((await rewardsOf(newcomer.participant)).map((r) => r.ruleKey)).toEqual(['start']);
  });
});
