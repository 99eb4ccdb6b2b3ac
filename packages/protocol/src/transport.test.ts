import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ackTopic,
  basicAuthorization,
  parseBasicAuthorization,
  serialFromAckTopic,
  serialFromUplinkTopic,
  UPLINK_TOPIC_FILTER,
  uplinkTopic,
} from './transport.js';
import { DEVICE_SERIAL_PATTERN } from './uplink.js';

const serialArb = fc.stringMatching(DEVICE_SERIAL_PATTERN);
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('MQTT topics', () => {
  it('names a device uplink and ack topic under smartcharge/v1/devices', () => {
    expect(uplinkTopic('C2-DEMO-1')).toBe('smartcharge/v1/devices/C2-DEMO-1/uplink');
    expect(ackTopic('C2-DEMO-1')).toBe('smartcharge/v1/devices/C2-DEMO-1/ack');
    expect(UPLINK_TOPIC_FILTER).toBe('smartcharge/v1/devices/+/uplink');
  });

  it('reads back the serial from the topic built for it', () => {
    fc.assert(
      fc.property(serialArb, (serial) => {
        expect(serialFromUplinkTopic(uplinkTopic(serial))).toBe(serial);
        expect(serialFromAckTopic(ackTopic(serial))).toBe(serial);
      }),
      { numRuns: 500 },
    );
  });

  it('does not take an ack topic for an uplink topic, or the reverse', () => {
    expect(serialFromUplinkTopic(ackTopic('C2-DEMO-1'))).toBeUndefined();
    expect(serialFromAckTopic(uplinkTopic('C2-DEMO-1'))).toBeUndefined();
  });

  it('refuses wildcards in place of the serial', () => {
    for (const topic of [
      UPLINK_TOPIC_FILTER,
      'smartcharge/v1/devices/#',
      'smartcharge/v1/devices/#/uplink',
      'smartcharge/v1/devices/C2+1/uplink',
      'smartcharge/v1/devices/C2#1/uplink',
      'smartcharge/v1/+/C2-DEMO-1/uplink',
    ]) {
      expect(serialFromUplinkTopic(topic), topic).toBeUndefined();
    }
    expect(serialFromAckTopic('smartcharge/v1/devices/+/ack')).toBeUndefined();
  });

  it('refuses topics with extra, missing or different levels', () => {
    for (const topic of [
      'smartcharge/v1/devices/C2/DEMO/uplink',
      'smartcharge/v1/devices/C2-DEMO-1/uplink/extra',
      'smartcharge/v1/devices/C2-DEMO-1/uplink/',
      '/smartcharge/v1/devices/C2-DEMO-1/uplink',
      'smartcharge/v1/devices//uplink',
      'smartcharge/v1/devices/uplink',
      'smartcharge/v2/devices/C2-DEMO-1/uplink',
      'SMARTCHARGE/v1/devices/C2-DEMO-1/uplink',
      '',
    ]) {
      expect(serialFromUplinkTopic(topic), topic).toBeUndefined();
    }
    expect(serialFromAckTopic('smartcharge/v1/devices/C2-DEMO-1/ack/extra')).toBeUndefined();
  });

  it('refuses topics whose serial level is not a valid serial', () => {
    for (const serial of ['ab', '-C2', '.C2', 'C2 1', 'C2:1', 'x'.repeat(65), 'C2-DÉMO']) {
      expect(serialFromUplinkTopic(`smartcharge/v1/devices/${serial}/uplink`), serial).toBeUndefined();
      expect(serialFromAckTopic(`smartcharge/v1/devices/${serial}/ack`), serial).toBeUndefined();
    }
  });
});

describe('Basic authorization', () => {
  it('encodes serial:secret in base64 as RFC 7617 does', () => {
    expect(basicAuthorization({ serial: 'Aladdin', secret: 'open sesame' })).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  it('round-trips any serial and secret, including secrets with colons and non-ASCII text', () => {
    fc.assert(
      fc.property(serialArb, fc.string({ unit: 'grapheme', maxLength: 80 }), (serial, secret) => {
        expect(parseBasicAuthorization(basicAuthorization({ serial, secret }))).toEqual({ serial, secret });
      }),
      { numRuns: 500 },
    );
  });

  it('keeps everything after the first colon as the secret', () => {
    const credential = { serial: 'C2-DEMO-1', secret: 'scd_a:b::c:' };
    expect(parseBasicAuthorization(basicAuthorization(credential))).toEqual(credential);
    expect(parseBasicAuthorization(`Basic ${base64('C2-DEMO-1:')}`)).toEqual({ serial: 'C2-DEMO-1', secret: '' });
  });

  it('accepts the scheme name in any case and trailing whitespace', () => {
    const value = base64('C2-DEMO-1:s3cret');
    for (const header of [`basic ${value}`, `BASIC ${value}`, `Basic   ${value}  `]) {
      expect(parseBasicAuthorization(header), header).toEqual({ serial: 'C2-DEMO-1', secret: 's3cret' });
    }
  });

  it('gives undefined for an absent header and for other schemes', () => {
    expect(parseBasicAuthorization(undefined)).toBeUndefined();
    expect(parseBasicAuthorization('')).toBeUndefined();
    expect(parseBasicAuthorization(`Bearer ${base64('C2-DEMO-1:s3cret')}`)).toBeUndefined();
    expect(parseBasicAuthorization(`Digest ${base64('C2-DEMO-1:s3cret')}`)).toBeUndefined();
  });

  it('gives undefined for malformed Basic values', () => {
    for (const header of [
      'Basic',
      'Basic ',
      `Basic${base64('C2-DEMO-1:s3cret')}`,
      'Basic not*base64!',
      `Basic ${base64('C2-DEMO-1:s3cret')} extra`,
      `Basic ${base64('no-colon-here')}`,
      `Basic ${base64(':secret-without-serial')}`,
      `Basic ${base64('')}`,
    ]) {
      expect(parseBasicAuthorization(header), header).toBeUndefined();
    }
  });
});
