import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionGuard, PacketSizeScanner, type ConnectionLimits, type GuardRefusal } from './connection-guard.js';

/** Fixed header of a packet of `type` declaring `length` remaining bytes (MQTT varint). */
function header(type: number, length: number): Buffer {
  const bytes = [type << 4];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

describe('PacketSizeScanner', () => {
  it('follows packet boundaries across chunks and lets packets up to the limit through', () => {
    const scanner = new PacketSizeScanner(200);
    const stream = Buffer.concat([header(1, 200), Buffer.alloc(200), header(3, 150), Buffer.alloc(150), header(12, 0)]);
    for (let i = 0; i < stream.length; i += 7) expect(scanner.scan(stream.subarray(i, i + 7))).toBeUndefined();
  });

  it('refuses a packet declaring more than the limit from its header alone, even split byte by byte', () => {
    const scanner = new PacketSizeScanner(64 * 1024);
    const huge = header(1, 268_435_455);
    const found = [...huge].map((byte) => scanner.scan(Buffer.from([byte]))).find((r) => r !== undefined);
    // Refused at the third length byte already: 128 * 128 * 127 + ... passes 64 KiB there.
    expect(found).toMatchObject({ type: 1, reason: 'too_large' });
    expect(found!.declaredBytes).toBeGreaterThan(64 * 1024);
  });

  it('refuses a later packet over the limit after a body of the same bytes as a header would be', () => {
    const scanner = new PacketSizeScanner(10);
    // The body bytes 0x10 0xff... are skipped as body, not read as a header.
    expect(scanner.scan(Buffer.concat([header(3, 3), Buffer.from([0x10, 0xff, 0xff])]))).toBeUndefined();
    expect(scanner.scan(header(3, 11))).toMatchObject({ type: 3, reason: 'too_large' });
  });

  it('refuses a remaining length longer than four bytes', () => {
    const scanner = new PacketSizeScanner(Number.MAX_SAFE_INTEGER);
    expect(scanner.scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toMatchObject({
      reason: 'malformed_length',
    });
  });

  it('applies a raised limit to the packets that follow', () => {
    const scanner = new PacketSizeScanner(10);
    scanner.setLimit(1000);
    expect(scanner.scan(header(3, 1000))).toBeUndefined();
  });
});

const LIMITS: ConnectionLimits = {
  maxPacketBytes: 1000,
  maxConnectBytes: 100,
  connectTimeoutMs: 60_000,
  maxPending: 4,
  maxPendingPerAddress: 2,
};

/**
 * A server whose "broker" reads like aedes (paused mode, on 'readable') and counts a socket as
 * authenticated when it reads the byte 0x41 ('A') as a packet body.
 */
async function guardedServer(limits: ConnectionLimits) {
  const refusals: GuardRefusal[] = [];
  const guard = new ConnectionGuard(limits, (refusal) => refusals.push(refusal));
  const read: number[] = [];
  const server: Server = createServer((socket) => {
    if (!guard.admit(socket)) return;
    socket.on('readable', () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        read.push(chunk.length);
        if (chunk.includes(0x41)) guard.authenticated(socket);
      }
    });
    socket.on('error', () => {});
    guard.watch(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { guard, refusals, read, server, port };
}

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function whenClosed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not met within 2 s');
}

describe('ConnectionGuard', () => {
  it('closes a connection whose first packet declares more than the CONNECT limit', async () => {
    const { refusals, server, port } = await guardedServer(LIMITS);
    servers.push(server);
    const socket = await open(port);
    socket.write(header(1, 101));
    await whenClosed(socket);
    expect(refusals).toEqual([expect.objectContaining({ kind: 'packet_too_large', type: 1, authenticated: false })]);
  });

  it('allows the packet limit once authenticated, and closes above it', async () => {
    const { refusals, server, port, guard } = await guardedServer(LIMITS);
    servers.push(server);
    const socket = await open(port);
    socket.write(Buffer.concat([header(1, 1), Buffer.from('A')]));
    await until(() => guard.pendingCount === 0);
    socket.write(Buffer.concat([header(3, 1000), Buffer.alloc(1000)]));
    socket.write(header(3, 1001));
    await whenClosed(socket);
    expect(refusals).toEqual([expect.objectContaining({ kind: 'packet_too_large', type: 3, authenticated: true })]);
  });

  it('refuses connections beyond the cap from one address, and again admits when one leaves', async () => {
    const { refusals, server, port, guard } = await guardedServer(LIMITS);
    servers.push(server);
    const first = await open(port);
    await open(port);
    await until(() => guard.pendingCount === 2);
    const third = await open(port);
    await whenClosed(third);
    expect(refusals).toEqual([expect.objectContaining({ kind: 'too_many_pending_from_address', pending: 2 })]);

    first.destroy();
    await until(() => guard.pendingCount === 1);
    const fourth = await open(port);
    await until(() => guard.pendingCount === 2);
    expect(fourth.destroyed).toBe(false);
  });

  it('refuses connections beyond the cap in all; authenticated ones do not count', async () => {
    const { refusals, server, port, guard } = await guardedServer({
      ...LIMITS,
      maxPending: 2,
      maxPendingPerAddress: 10,
    });
    servers.push(server);
    const device = await open(port);
    device.write(Buffer.concat([header(1, 1), Buffer.from('A')]));
    await until(() => guard.pendingCount === 0);
    await open(port);
    await open(port);
    await until(() => guard.pendingCount === 2);
    const refused = await open(port);
    await whenClosed(refused);
    expect(refusals).toEqual([expect.objectContaining({ kind: 'too_many_pending', pending: 2 })]);
    expect(device.destroyed).toBe(false);
  });

  it('closes a connection not authenticated within the connect timeout', async () => {
    const { refusals, server, port } = await guardedServer({ ...LIMITS, connectTimeoutMs: 50 });
    servers.push(server);
    const socket = await open(port);
    socket.write(header(1, 50));
    await whenClosed(socket);
    expect(refusals).toEqual([expect.objectContaining({ kind: 'connect_timeout' })]);
  });

  it('leaves the reading to the broker: every byte written reaches it once', async () => {
    const { server, port, read, guard } = await guardedServer(LIMITS);
    servers.push(server);
    const socket = await open(port);
    socket.write(Buffer.concat([header(1, 1), Buffer.from('A')]));
    await until(() => guard.pendingCount === 0);
    socket.write(Buffer.concat([header(3, 900), Buffer.alloc(900)]));
    await until(() => read.reduce((a, b) => a + b, 0) === 3 + 903);
    expect(socket.destroyed).toBe(false);
  });
});
