import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GpsdSource, NmeaSource, openGps, parseGpsdReport, parseNmea } from './gps.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A TCP server on 127.0.0.1 that writes `lines` to each client (after `trigger`, when given). */
async function lineServer(lines: string[], trigger?: string): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const send = () => socket.write(lines.join('\r\n') + '\r\n');
    if (trigger === undefined) send();
    else socket.on('data', (d) => d.toString().includes(trigger) && send());
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  const close = server.close.bind(server);
  server.close = (cb?: (err?: Error) => void) => {
    sockets.forEach((s) => s.destroy());
    return close(cb);
  };
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function waitFor<T>(get: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = get();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('no value within a second');
}

describe('GPS', () => {
  it('reads a position from RMC and GGA sentences, with their checksums', () => {
    expect(parseNmea('$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A')).toEqual({
      latDeg: 48 + 7.038 / 60,
      lonDeg: 11 + 31 / 60,
    });
    const gga = parseNmea('$GPGGA,123519,4807.038,S,01131.000,W,1,08,0.9,545.4,M,46.9,M,,*48');
    expect(gga?.latDeg).toBeCloseTo(-48.1173, 4);
    expect(gga?.lonDeg).toBeCloseTo(-11.5167, 4);
    expect(gga?.accuracyM).toBeCloseTo(4.5, 6);
  });

  it('ignores sentences without a fix, other sentences and bad checksums', () => {
    expect(parseNmea('$GPRMC,123519,V,,,,,,,230394,,*33')).toBeUndefined();
    expect(parseNmea('$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74')).toBeUndefined();
    expect(parseNmea('$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6B')).toBeUndefined();
  });

  it('reads gpsd TPV reports with a 2D or 3D fix only', () => {
    expect(parseGpsdReport('{"class":"TPV","mode":3,"lat":43.65,"lon":-79.38,"eph":3.5}')).toEqual({
      latDeg: 43.65,
      lonDeg: -79.38,
      accuracyM: 3.5,
    });
    expect(parseGpsdReport('{"class":"TPV","mode":1}')).toBeUndefined();
    expect(parseGpsdReport('{"class":"SKY","satellites":[]}')).toBeUndefined();
    expect(parseGpsdReport('not json')).toBeUndefined();
  });

  it('watches gpsd once started, and forgets the fix when stopped', async () => {
    const port = await lineServer(['{"class":"TPV","mode":2,"lat":45.5,"lon":-73.56}'], '?WATCH={"enable":true');
    let now = 1000;
    const gps = new GpsdSource('127.0.0.1', port, () => now);
    expect(gps.latest()).toBeUndefined();
    await gps.start();
    const fix = await waitFor(() => gps.latest());
    expect(fix).toEqual({ latDeg: 45.5, lonDeg: -73.56, receivedMs: 1000 });
    now = 2000;
    await gps.stop();
    expect(gps.latest()).toBeUndefined();
  });

  it('reads NMEA over TCP', async () => {
    const port = await lineServer(['$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A']);
    const gps = openGps(`nmea+tcp://127.0.0.1:${port}`, () => 5);
    expect(gps).toBeInstanceOf(NmeaSource);
    await gps.start();
    expect((await waitFor(() => gps.latest())).latDeg).toBeCloseTo(48.1173, 4);
    await gps.stop();
  });

  it('says which sources it understands', () => {
    expect(openGps('gpsd://127.0.0.1', () => 0).description).toBe('gpsd at 127.0.0.1:2947');
    expect(openGps('nmea:/dev/ttyACM0?baud=4800', () => 0).description).toBe('NMEA from /dev/ttyACM0');
    expect(() => openGps('http://x', () => 0)).toThrow(/expected gpsd:\/\/host:port/);
  });
});
