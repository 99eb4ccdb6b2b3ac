/**
 * Rewards from what devices record, on PGlite and on PostgreSQL, through ingest, live derivation
 * and the rewards service: a device that buffered its first charge out of coverage is active from
 * that charge, so the charge earns the start bonus though it arrived days later; data stamped
 * before the installation does not start anything.
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
const INSTALLED = Date.UTC(2026, 10, 3, 15);

describeEachDatabase('rewards from device data', (setup) => {
  let nowMs = INSTALLED;
  let services: Services;

  beforeAll(async () => {
    services = await testServices(setup().db, { deriveLive: true }, () => new Date(nowMs));
    await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
  });

  /** A participant whose device was shipped and installed at INSTALLED. */
  async function installed(): Promise<{ participant: Participant; credential: { serial: string; secret: string } }> {
    nowMs = INSTALLED;
    const participant = await enrollDriver(services, 'alectra');
    const device = await equipDevice(services, participant);
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
    const { participant, credential } = await installed();
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

  it('does not count data stamped before the installation: the start waits for a charge after it', async () => {
    const { participant, credential } = await installed();
    // A device clock a week behind: its "first" charge predates the installation.
    await upload(credential, INSTALLED - 7 * DAY, INSTALLED + DAY);
    await services.rewards.evaluateProgram(CLI_OPERATOR, 'alectra');
    expect(await rewardsOf(participant)).toEqual([]);
    const device = await services.devices.getDevice(CLI_OPERATOR, credential.serial);
    expect(device.statusChangedAt.toISOString()).toBe(new Date(INSTALLED).toISOString());
  });
});
