/**
 * The byte pipe to an ELM327 adapter: Wi-Fi adapters listen on TCP (usually 192.168.0.10:35000),
 * USB and Bluetooth ones appear as a serial device (/dev/ttyUSB0, /dev/rfcomm0). Text goes in, text
 * comes back in chunks; the ELM327 client finds the `>` prompt in them.
 *
 * Serial ports are opened with the `serialport` package (prebuilt binaries, an optional dependency).
 * Where it cannot be loaded, the line is set up with `stty` and the device read and written through
 * Node's own tty stream: that works on Linux (the Raspberry Pi) and needs nothing else installed.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { constants, open as openFd, close as closeFd } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { isatty, ReadStream } from 'node:tty';
import { promisify } from 'node:util';

export interface AdapterTransport {
  /** How the adapter is reached, for messages: `tcp://192.168.0.10:35000`, `/dev/ttyUSB0 at 38400 baud`. */
  readonly description: string;
  write(text: string): Promise<void>;
  /** Everything the adapter sends goes to this listener (one listener; set before writing). */
  onData(listener: (chunk: string) => void): void;
  /** Called once when the link drops (adapter unplugged, Wi-Fi lost). */
  onClose(listener: (error?: Error) => void): void;
  close(): Promise<void>;
}

export interface OpenAdapterOptions {
  /** Serial speed (default 38400, what most ELM327 clones ship with). */
  readonly baudRate?: number;
  /** Give up connecting after this long (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Loads the `serialport` package; undefined when it is not installed (default: import it). */
  readonly loadSerialPort?: () => Promise<SerialPortModule | undefined>;
}

export class AdapterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdapterError';
  }
}

/** `tcp://host:port` for a Wi-Fi adapter, or a serial device path. */
export async function openAdapter(spec: string, options: OpenAdapterOptions = {}): Promise<AdapterTransport> {
  if (/^tcp:\/\//i.test(spec)) {
    const url = new URL(spec);
    const port = Number(url.port || 35000);
    return TcpAdapterTransport.open(url.hostname, port, options.connectTimeoutMs ?? 10_000);
  }
  if (/^[a-z]+:\/\//i.test(spec)) {
    throw new AdapterError(
      `--adapter ${spec}: expected tcp://host:port (Wi-Fi adapter) or a serial device such as /dev/ttyUSB0`,
    );
  }
  return openSerialAdapter(spec, options.baudRate ?? 38400, options.loadSerialPort ?? importSerialPort);
}

/** A Wi-Fi ELM327 (or the emulator): a plain TCP stream. */
export class TcpAdapterTransport implements AdapterTransport {
  private dataListener: ((chunk: string) => void) | undefined;
  private closeListener: ((error?: Error) => void) | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly description: string,
  ) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.dataListener?.(chunk));
    let lastError: Error | undefined;
    socket.on('error', (error) => {
      lastError = error;
    });
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.closeListener?.(lastError);
    });
  }

  static async open(host: string, port: number, timeoutMs: number): Promise<TcpAdapterTransport> {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    try {
      await once(socket, 'connect');
    } catch (error) {
      throw new AdapterError(`Cannot reach the adapter at tcp://${host}:${port}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
    return new TcpAdapterTransport(socket, `tcp://${host}:${port}`);
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(text, 'latin1', (error) => (error ? reject(error) : resolve()));
    });
  }

  onData(listener: (chunk: string) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
  }
}

/** The part of serialport's SerialPort the transport uses (so tests can pass SerialPortMock). */
export interface SerialPortLike {
  open(callback: (error: Error | null) => void): void;
  write(data: string, callback: (error: Error | null | undefined) => void): boolean;
  drain(callback: (error: Error | null) => void): void;
  close(callback: (error: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (error?: Error | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  readonly isOpen: boolean;
}

/** A USB or Bluetooth-serial adapter through the `serialport` package. */
export class SerialAdapterTransport implements AdapterTransport {
  private dataListener: ((chunk: string) => void) | undefined;
  private closeListener: ((error?: Error) => void) | undefined;
  private closing = false;

  constructor(
    private readonly port: SerialPortLike,
    readonly description: string,
  ) {
    port.on('data', (chunk: Buffer) => this.dataListener?.(chunk.toString('latin1')));
    port.on('error', () => {});
    port.on('close', (error) => {
      if (!this.closing) this.closeListener?.(error ?? undefined);
    });
  }

  static async open(port: SerialPortLike, description: string): Promise<SerialAdapterTransport> {
    await new Promise<void>((resolve, reject) => {
      port.open((error) =>
        error ? reject(new AdapterError(`Cannot open ${description}: ${error.message}`, { cause: error })) : resolve(),
      );
    });
    return new SerialAdapterTransport(port, description);
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(text, (error) => {
        if (error) reject(error);
        else this.port.drain((drainError) => (drainError ? reject(drainError) : resolve()));
      });
    });
  }

  onData(listener: (chunk: string) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }

  close(): Promise<void> {
    this.closing = true;
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

/** The part of the `serialport` package the transport uses. */
export interface SerialPortModule {
  SerialPort: new (options: { path: string; baudRate: number; autoOpen: boolean }) => SerialPortLike;
}

async function importSerialPort(): Promise<SerialPortModule | undefined> {
  try {
    // An optional dependency: named through a variable so that the build does not need it installed.
    const name = 'serialport';
    return (await import(name)) as SerialPortModule;
  } catch {
    return undefined; // not installed, or no prebuilt binary for this machine
  }
}

async function openSerialAdapter(
  path: string,
  baudRate: number,
  loadSerialPort: () => Promise<SerialPortModule | undefined>,
): Promise<AdapterTransport> {
  const description = `${path} at ${baudRate} baud`;
  const module = await loadSerialPort();
  if (module) {
    const port = new module.SerialPort({ path, baudRate, autoOpen: false });
    return SerialAdapterTransport.open(port, description);
  }
  return TtyTransport.open(path, baudRate, description);
}

/** Sets a serial line up as `serialport` would: the speed, raw 8N1, no echo, no modem control. */
async function sttyRaw(path: string, baudRate: number): Promise<void> {
  const settings = [String(baudRate), 'raw', '-echo', 'cs8', '-parenb', '-cstopb', 'clocal', '-crtscts'];
  await promisify(execFile)('stty', ['-F', path, ...settings]);
}

/**
 * The fallback without `serialport`: `stty` sets the line up, then the device is opened
 * non-blocking (and never as this process's controlling terminal) and read and written through one
 * Node tty stream, which waits for data in the event loop. (A plain file read of a tty blocks a
 * thread until a byte comes, and the file cannot be closed until then: closing would hang while the
 * adapter is silent.) A hang-up — the adapter unplugged, the Bluetooth link lost — ends the stream.
 * Linux only (stty -F).
 */
export class TtyTransport implements AdapterTransport {
  private dataListener: ((chunk: string) => void) | undefined;
  private closeListener: ((error?: Error) => void) | undefined;
  private closed = false;

  private constructor(
    private readonly stream: ReadStream,
    readonly description: string,
  ) {
    stream.setEncoding('latin1');
    let lastError: Error | undefined;
    stream.on('error', (error) => {
      lastError = error;
    });
    stream.on('data', (chunk: string) => this.dataListener?.(chunk));
    stream.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.closeListener?.(lastError);
    });
  }

  /** `configure` sets the line up (default: `stty -F path <baud> raw -echo cs8 … clocal`). */
  static async open(
    path: string,
    baudRate: number,
    description: string,
    configure: (path: string, baudRate: number) => Promise<void> = sttyRaw,
  ): Promise<TtyTransport> {
    try {
      await configure(path, baudRate);
    } catch (error) {
      throw new AdapterError(`Cannot set up ${path} with stty: ${(error as Error).message}`, { cause: error });
    }
    let fd: number | undefined;
    try {
      fd = await promisify(openFd)(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
      if (!isatty(fd)) throw new Error('not a serial device (a tty)');
      // A tty ReadStream is a net.Socket: on a read-write descriptor it writes as well.
      const stream = new ReadStream(fd);
      // libuv reopens a tty by its name and reads the new descriptor; ours would stay open.
      const streamFd = (stream as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
      if (typeof streamFd === 'number' && streamFd >= 0 && streamFd !== fd) {
        closeFd(fd, () => {});
        fd = undefined;
      }
      return new TtyTransport(stream, `${description} (tty)`);
    } catch (error) {
      if (fd !== undefined) closeFd(fd, () => {});
      throw new AdapterError(`Cannot open ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new AdapterError(`${this.description} is closed`));
        return;
      }
      this.stream.write(text, 'latin1', (error) => (error ? reject(error) : resolve()));
    });
  }

  onData(listener: (chunk: string) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closed = once(this.stream, 'close');
    this.stream.destroy();
    await closed;
  }
}
