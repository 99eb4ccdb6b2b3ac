import { describe, expect, it } from 'vitest';
import { parseNatsUrls, subjectFromTopic, topicFromSubject } from './nats-url.js';

describe('parseNatsUrls', () => {
  it('takes the credentials out of the URLs and hides the password when printed', () => {
    expect(parseNatsUrls('nats://smartcharge-ingest:p%40ss@n1:4222, nats://n2:4222,')).toEqual({
      servers: ['nats://n1:4222', 'nats://n2:4222'],
      user: 'smartcharge-ingest',
      pass: 'p@ss',
      display: 'nats://smartcharge-ingest:***@n1:4222,nats://n2:4222',
    });
    expect(parseNatsUrls('nats://n1:4222')).toMatchObject({ user: undefined, pass: undefined });
  });

  it('names what is wrong: no URL, another scheme, two different credentials', () => {
    expect(() => parseNatsUrls(' , ')).toThrow(/expected one or more nats:\/\/host:port URLs/);
    expect(() => parseNatsUrls('http://n1:4222')).toThrow('http://n1:4222/ should start with nats:// (or tls://)');
    expect(() => parseNatsUrls('nats://a:x@n1:4222,nats://a:y@n2:4222')).toThrow(/different credentials/);
    expect(() => parseNatsUrls('ftp://a:secret@n1:4222')).toThrow('ftp://a:***@n1:4222/ should start with nats://');
  });
});

describe('MQTT topics and NATS subjects', () => {
  it('maps each / of a topic to a . of a subject, as nats-server does, and back', () => {
    expect(subjectFromTopic('smartcharge/v1/devices/C2-0001/ack')).toBe('smartcharge.v1.devices.C2-0001.ack');
    expect(topicFromSubject('smartcharge.v1.devices.C2-0001.uplink')).toBe('smartcharge/v1/devices/C2-0001/uplink');
  });
});
