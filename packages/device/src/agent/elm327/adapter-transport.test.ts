/**
 * The serial links. The fallback without `serialport` is tested on a real pseudo-terminal: `script`
 * (util-linux) runs a command on a new one and relays its other end to our pipes, so the agent opens
 * /dev/pts/N as it would /dev/ttyUSB0, sets it up with stty and talks through it to the emulator.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { Elm327Emulator } from '../emulator/elm327-emulator.js';
import { FixedVehicle } from '../emulator/vehicle-state.js';
import { getProfile } from '../profiles/index.js';
import { openAdapter, SerialAdapterTransport, TtyTransport } from './adapter-transport.js';
import { Elm327 } from './elm327.js';

const KONA = getProfile('hyundai-kia-64kwh');
const noSerialPort = () => Promise.resolve(undefined);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A pseudo-terminal: its device path, and the adapter's end (`script`: what the device is sent comes out of its stdout). */
async function pseudoTerminal(): Promise<{ path: string; adapter: ChildProcessWithoutNullStreams }> {
  const adapter = spawn('script', ['-q', '-c', 'tty; exec sleep 600', '/dev/null'], { stdio: 'pipe' });
  cleanups.push(() => {
    if (adapter.exitCode === null && adapter.signalCode === null) adapter.kill();
  });
  let printed = '';
  const path = await new Promise<string>((resolve, reject) => {
    adapter.once('error', reject);
    const onData = (chunk: Buffer) => {
      printed += chunk.toString('latin1');
      const line = /(\/dev\/pts\/\d+)\r?\n/.exec(printed);
      if (!line) return;
      adapter.stdout.off('data', onData);
      resolve(line[1]!);
    };
    adapter.stdout.on('data', onData);
  });
  return { path, adapter };
}

/** Relays the pseudo-terminal's adapter end to an emulated ELM327. */
async function emulatorBehind(adapter: ChildProcessWithoutNullStreams): Promise<Elm327Emulator> {
  const emulator = new Elm327Emulator({ vehicle: new FixedVehicle({ socPct: 58.5 }), profile: KONA });
  const url = new URL(await emulator.start());
  cleanups.push(() => emulator.stop());
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  socket.on('error', () => {});
  adapter.stdout.pipe(socket);
  socket.pipe(adapter.stdin);
  return emulator;
}

/** Descriptors of this process open on `path`. */
async function openOn(path: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) count++;
  }
  return count;
}

describe('serial adapter without the serialport package (stty and a tty stream)', () => {
  it('sets the line up with stty and talks to the adapter through it', async () => {
    const { path, adapter } = await pseudoTerminal();
    await emulatorBehind(adapter);
    const transport = await openAdapter(path, { baudRate: 38400, loadSerialPort: noSerialPort });
    expect(transport).toBeInstanceOf(TtyTransport);
    expect(transport.description).toBe(`${path} at 38400 baud (tty)`);
    const elm = new Elm327(transport, { timeoutMs: 2000 });
    cleanups.push(() => elm.close());
    const { stdout: settings } = await promisify(execFile)('stty', ['-F', path, '-a']);
    expect(settings).toMatch(/speed 38400 baud/);
    for (const flag of ['-icanon', '-echo', '-icrnl', '-opost', 'cs8', 'clocal', '-crtscts']) {
      expect(settings.split(/[\s;]+/)).toContain(flag);
    }
    await elm.initialize();
    expect(elm.version).toBe('ELM327 v1.5');
    const answer = await elm.request({ header: '7E4', receive: '7EC', service: 0x22, pid: [0x01, 0x05] });
    expect(answer.ok && answer.payload[34]).toBe(58.5 * 2);
  });

  it('closes at once while the adapter is silent, and leaves nothing open', async () => {
    const { path } = await pseudoTerminal();
    const transport = await openAdapter(path, { loadSerialPort: noSerialPort });
    expect(await openOn(path)).toBe(1);
    // Nothing comes from the adapter: a read is waiting. Closing must not wait for it.
    await transport.close();
    expect(await openOn(path)).toBe(0);
  });

  it('reports the link lost when the line hangs up, and a command waiting on it gives up', async () => {
    const { path, adapter } = await pseudoTerminal();
    const elm = new Elm327(await openAdapter(path, { loadSerialPort: noSerialPort }), { timeoutMs: 600_000 });
    const received = new Promise((resolve) => adapter.stdout.once('data', resolve));
    const waiting = elm.command('ATRV');
    await received; // the adapter has the command; then it is unplugged (the line's other end is gone)
    adapter.kill('SIGKILL');
    await expect(waiting).rejects.toThrow(/closed during "ATRV"/);
    expect(elm.isClosed).toBe(true);
    expect(await openOn(path)).toBe(0);
  });

  it('says what is wrong with a device that is not a serial port', async () => {
    await expect(openAdapter('/dev/null', { loadSerialPort: noSerialPort })).rejects.toThrow(
      /Cannot set up \/dev\/null with stty/,
    );
    await expect(TtyTransport.open('/dev/null', 38400, '/dev/null', () => Promise.resolve())).rejects.toThrow(
      /Cannot open \/dev\/null: not a serial device/,
    );
    await expect(openAdapter('/dev/ttyUSB-absent', { loadSerialPort: noSerialPort })).rejects.toThrow(
      /Cannot set up \/dev\/ttyUSB-absent/,
    );
  });
});

describe('serial adapter through the serialport package', () => {
  it('is used when the package loads', async () => {
    SerialPortMock.binding.createPort('/dev/ttyUSB-mock', { echo: false, record: true });
    cleanups.push(() => SerialPortMock.binding.reset());
    const transport = await openAdapter('/dev/ttyUSB-mock', {
      baudRate: 115200,
      loadSerialPort: () => Promise.resolve({ SerialPort: SerialPortMock }),
    });
    expect(transport).toBeInstanceOf(SerialAdapterTransport);
    expect(transport.description).toBe('/dev/ttyUSB-mock at 115200 baud');
    await transport.close();
  });
});
