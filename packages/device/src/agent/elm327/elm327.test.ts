import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { Elm327Emulator, type EmulatorFault, type RecordedExchange } from '../emulator/elm327-emulator.js';
import { FixedVehicle } from '../emulator/vehicle-state.js';
import { getProfile } from '../profiles/index.js';
import { openAdapter, SerialAdapterTransport, type AdapterTransport } from './adapter-transport.js';
import { Elm327, interpretAnswer, type ElmRequest } from './elm327.js';

const KONA = getProfile('hyundai-kia-64kwh');
const LEAF = getProfile('nissan-leaf-24kwh');
const BMS_0101: ElmRequest = { header: '7E4', receive: '7EC', service: 0x22, pid: [0x01, 0x01] };

const open: { elm?: Elm327; emulator?: Elm327Emulator }[] = [];
afterEach(async () => {
  for (const { elm, emulator } of open.splice(0)) {
    await elm?.close();
    await emulator?.stop();
  }
});

async function connect(
  options: { vehicle?: FixedVehicle; recorded?: RecordedExchange[]; profile?: typeof KONA; timeoutMs?: number } = {},
) {
  const vehicle = options.vehicle ?? new FixedVehicle({ packCurrentA: -12.3, packVoltageV: 371.2, socPct: 66 });
  const emulator = new Elm327Emulator({
    vehicle,
    profile: options.profile ?? KONA,
    ...(options.recorded ? { recorded: options.recorded } : {}),
  });
  const exchanges: [string, string][] = [];
  const elm = new Elm327(await openAdapter(await emulator.start()), {
    timeoutMs: options.timeoutMs ?? 1000,
    onExchange: (command, answer) => exchanges.push([command, answer]),
  });
  open.push({ elm, emulator });
  return { elm, emulator, vehicle, exchanges };
}

describe('ELM327 link', () => {
  it('resets and sets the adapter up: echo off, headers on, adaptive timing, CAN 11-bit 500k', async () => {
    const { elm, exchanges } = await connect();
    await elm.initialize();
    expect(elm.version).toBe('ELM327 v1.5');
    expect(elm.protocolNumber).toBe('A6');
    expect(exchanges.map(([c]) => c)).toEqual([
      'ATZ',
      'ATE0',
      'ATL0',
      'ATS0',
      'ATH1',
      'ATAT1',
      'ATCAF1',
      'ATSP6',
      'ATSH7DF',
      '0100',
      'ATDPN',
    ]);
  });

  it('addresses each request to its ECU, filters the answers, and sends a header only when it changes', async () => {
    const { elm, exchanges } = await connect();
    await elm.initialize();
    exchanges.length = 0;
    const first = await elm.request(BMS_0101);
    const again = await elm.request(BMS_0101);
    expect(first.ok && again.ok).toBe(true);
    expect(exchanges.map(([c]) => c)).toEqual(['ATSH7E4', 'ATCRA7EC', '220101', '220101']);
    if (!first.ok) return;
    expect(first.ecu).toBe('7EC');
    expect(first.payload).toHaveLength(62);
    // DC battery current at bytes 13–14: −12.3 A.
    expect((first.payload[13]! << 8) | first.payload[14]!).toBe(0x10000 - 123);
  });

  it.each<[EmulatorFault, boolean]>([
    ['truncate', true],
    ['stray-prompt', true],
    ['stray-ok', true],
    ['searching', true],
    ['bus-init', true],
    ['can-error', true],
    ['buffer-full', true],
    ['stopped', true],
    ['no-data', false],
    ['unknown', false],
  ])('gets through an answer with %s (answer expected: %s)', async (fault, recovers) => {
    const { elm, emulator } = await connect();
    await elm.initialize();
    emulator.inject(fault);
    const result = await elm.request(BMS_0101);
    expect(result.ok).toBe(recovers);
    // Either way the next request is answered properly: the link is in step.
    expect((await elm.request(BMS_0101)).ok).toBe(true);
  });

  it('recovers when an answer comes late, after its request timed out', async () => {
    const { elm, emulator } = await connect({ timeoutMs: 150 });
    await elm.initialize();
    emulator.inject('late');
    // The first try times out; the late answer arrives with the retry and is recognised.
    const result = await elm.request(BMS_0101);
    expect(result.ok).toBe(true);
    expect((await elm.request({ header: '7B3', receive: '7BB', service: 0x22, pid: [0x01, 0x00] })).ok).toBe(true);
  });

  it('says NO DATA and reads a resting 12 V battery while the car sleeps', async () => {
    const vehicle = new FixedVehicle({ asleep: true, auxVoltageV: 12.3 });
    const { elm } = await connect({ vehicle });
    await elm.initialize();
    expect(await elm.request(BMS_0101)).toEqual({ ok: false, reason: 'no-data' });
    expect(await elm.batteryVoltage()).toBeCloseTo(12.3, 6);
    vehicle.set({ asleep: false, auxVoltageV: 14.2 });
    expect((await elm.request(BMS_0101)).ok).toBe(true);
    expect(await elm.batteryVoltage()).toBeCloseTo(14.2, 6);
  });

  it('replays recorded exchanges verbatim, with or without headers', async () => {
    const recorded: RecordedExchange[] = [
      // A capture made with ATH0: the length line and numbered lines.
      {
        header: '7E4',
        command: '220105',
        answer:
          '02E\r0: 62 01 05 00 00 00\r1: 00 00 00 00 00 00 00\r2: 00 00 00 00 00 00 00\r3: 00 00 00 00 00 00 00\r4: 00 03 D2 00 00 00 00\r5: 93 00 00 00 00 00 00\r6: 00 00 00 00 00',
      },
      { header: '7E4', command: '220101', answer: '7EC 10 3E 62 01 01 00 00 00\r7EC 21 00 8A 00 00' },
    ];
    const { elm } = await connect({ recorded });
    await elm.initialize();
    const soc = await elm.request({ header: '7E4', receive: '7EC', service: 0x22, pid: [0x01, 0x05] });
    expect(soc.ok && soc.payload[34]).toBe(0x93);
    // The truncated capture is tried again and stays truncated.
    expect(await elm.request(BMS_0101)).toMatchObject({ ok: false, reason: 'incomplete' });
  });

  it('refuses an answer with two frames fused on one line as incomplete, and asks again', async () => {
    // Seen on 2024 cars: a line end lost between two consecutive frames (ATS0 prints no spaces).
    const fused = '7EC103E620101FFF7E7\r7EC21FFBF17D54650037EC22FF600ED80F0E0E\r7EC230E0F0E00000ECF';
    expect(interpretAnswer(fused, '220101', BMS_0101, true)).toMatchObject({ ok: false, reason: 'incomplete' });
    const { elm, emulator } = await connect({ recorded: [{ header: '7E4', command: '220101', answer: fused }] });
    await elm.initialize();
    expect(await elm.request(BMS_0101)).toMatchObject({ ok: false, reason: 'incomplete' });
    expect(emulator.stats.byCommand.get('220101')).toBe(2); // tried once more
  });

  it('reads a broadcast frame by monitoring, then stops the monitor', async () => {
    const vehicle = new FixedVehicle({ inGear: true, odometerM: 42_000_000 });
    const { elm, exchanges } = await connect({ vehicle, profile: LEAF });
    await elm.initialize();
    const frame = await elm.monitor('5C5');
    expect(frame.ok).toBe(true);
    if (frame.ok) expect((frame.payload[1]! << 16) | (frame.payload[2]! << 8) | frame.payload[3]!).toBe(42_000);
    expect(exchanges.at(-1)![1]).toContain('STOPPED');
    // The link is back in step for requests.
    expect((await elm.request({ header: '79B', receive: '7BB', service: 0x21, pid: [0x01] })).ok).toBe(true);
  });

  it('gives up monitoring a silent bus', async () => {
    const { elm } = await connect({ vehicle: new FixedVehicle({ asleep: true }), profile: LEAF });
    await elm.initialize();
    expect(await elm.monitor('421', 100)).toEqual({ ok: false, reason: 'no-data' });
  });

  it('names what it accepts for an adapter it cannot use', async () => {
    await expect(openAdapter('bluetooth://x')).rejects.toThrow(/expected tcp:\/\/host:port .* or a serial device/);
    await expect(openAdapter('tcp://127.0.0.1:9', { connectTimeoutMs: 500 })).rejects.toThrow(
      /Cannot reach the adapter at tcp:\/\/127.0.0.1:9/,
    );
  });
});

describe('serial adapter (serialport)', () => {
  it('writes commands and reads answers through the port', async () => {
    SerialPortMock.binding.createPort('/dev/ttyUSB-test', { echo: false, record: true });
    const port = new SerialPortMock({ path: '/dev/ttyUSB-test', baudRate: 38400, autoOpen: false });
    const transport = await SerialAdapterTransport.open(port, '/dev/ttyUSB-test at 38400 baud');
    const elm = new Elm327(transport, { timeoutMs: 1000 });
    const answer = elm.command('ATRV');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(port.port!.recording.toString()).toBe('ATRV\r');
    port.port!.emitData('12.6V\r\r>');
    expect(await answer).toBe('12.6V\r\r');
    await elm.close();
    SerialPortMock.binding.reset();
  });
});

/** A link to an adapter that says nothing back. */
class SilentTransport implements AdapterTransport {
  readonly description = 'a silent adapter';
  readonly written: string[] = [];
  private closeListener: ((error?: Error) => void) | undefined;
  write(text: string): Promise<void> {
    this.written.push(text);
    return Promise.resolve();
  }
  onData(): void {}
  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  drop(): void {
    this.closeListener?.(new Error('unplugged'));
  }
}

/** Settles `promise` if it can without waiting for any timer, else says it is still waiting. */
async function settledNow<T>(promise: Promise<T>): Promise<'answered' | 'rejected' | 'waiting'> {
  return Promise.race([
    promise.then(
      () => 'answered' as const,
      () => 'rejected' as const,
    ),
    new Promise<'waiting'>((resolve) => setImmediate(() => resolve('waiting'))),
  ]);
}

describe('ELM327 link, closing', () => {
  it('gives up a command at once when the link is closed, without waiting out its timeout', async () => {
    const elm = new Elm327(new SilentTransport());
    const pending = elm.command('ATRV', 600_000);
    await settledNow(pending); // the command is written and waiting
    await elm.close();
    expect(await settledNow(pending)).toBe('rejected');
    await expect(pending).rejects.toThrow(/closed/);
  });

  it('gives up a command at once when the adapter link drops', async () => {
    const transport = new SilentTransport();
    const elm = new Elm327(transport);
    const pending = elm.command('0100', 600_000);
    await settledNow(pending);
    transport.drop();
    expect(await settledNow(pending)).toBe('rejected');
  });
});

describe('ELM327 answers, checked against the request', () => {
  it('takes the good answer that follows a truncated one in the same reply', () => {
    // Headers on: the first copy lost its last frames, the adapter printed the whole answer after it.
    const withHeaders = [
      '7EC 10 0E 62 01 05 11 22 33',
      '7EC 21 44 55 66 77 88 99 AA',
      '7EC 10 0E 62 01 05 11 22 33',
      '7EC 21 44 55 66 77 88 99 AA',
      '7EC 22 BB AA AA AA AA AA AA',
    ].join('\r');
    const request: ElmRequest = { header: '7E4', receive: '7EC', service: 0x22, pid: [0x01, 0x05] };
    expect(interpretAnswer(withHeaders, '220105', request, true)).toMatchObject({ ok: true, ecu: '7EC' });
    // Headers off: a length line and numbered lines, twice.
    const withoutHeaders = [
      '00E',
      '0: 62 01 05 11 22 33',
      '00E',
      '0: 62 01 05 11 22 33',
      '1: 44 55 66 77 88 99 AA',
      '2: BB',
    ];
    const result = interpretAnswer(withoutHeaders.join('\r'), '220105', request, false);
    expect(result.ok && Array.from(result.payload.slice(-2))).toEqual([0xaa, 0xbb]);
  });
});
