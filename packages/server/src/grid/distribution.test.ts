import { describe, expect, it } from 'vitest';
import { membersByGroup, placeParticipants } from './distribution.js';
import type { TGridArea } from './distribution.schema.js';

const square = (lon: number, lat: number, d = 0.01): TGridArea => ({
  type: 'Polygon',
  coordinates: [
    [
      [lon, lat],
      [lon + d, lat],
      [lon + d, lat + d],
      [lon, lat + d],
      [lon, lat],
    ],
  ],
});

const groups = [
  { id: 1, kind: 'feeder' as const, code: 'F-1', parentId: null, geometry: null },
  { id: 2, kind: 'transformer' as const, code: 'T-1', parentId: 1, geometry: square(-79.65, 43.58) },
  { id: 3, kind: 'transformer' as const, code: 'T-2', parentId: 1, geometry: null },
  { id: 4, kind: 'feeder' as const, code: 'F-2', parentId: null, geometry: square(-79.65, 43.58) },
];

describe('placing participants on groups', () => {
  it('uses the service point first, else the transformer area holding the home, else nothing', () => {
    const placed = placeParticipants(
      groups,
      new Map([
        ['SP-1', 3],
        ['SP-2', 4],
      ]),
      [
        // On T-2 by its service point, although its home is in T-1's area.
        { enrollmentId: 10, utilityAccount: ' SP-1 ' },
        // On feeder F-2 directly by service point.
        { enrollmentId: 11, utilityAccount: 'SP-2' },
        // No service point row: its home is in T-1's area (a feeder's area places no one).
        { enrollmentId: 12, utilityAccount: 'SP-9' },
        // Home outside every area.
        { enrollmentId: 13, utilityAccount: 'SP-8' },
        // No home known.
        { enrollmentId: 14, utilityAccount: 'SP-7' },
      ],
      new Map([
        [10, { latDeg: 43.585, lonDeg: -79.645 }],
        [12, { latDeg: 43.585, lonDeg: -79.645 }],
        [13, { latDeg: 45, lonDeg: -75 }],
      ]),
    );
    expect([...placed.entries()].sort()).toEqual([
      [10, 3],
      [11, 4],
      [12, 2],
    ]);
  });

  it('counts a feeder’s transformers’ participants as the feeder’s too', () => {
    const members = membersByGroup(
      groups,
      new Map([
        [10, 3],
        [11, 4],
        [12, 2],
        [15, 1],
      ]),
    );
    expect(Object.fromEntries(members)).toEqual({ 1: [10, 12, 15], 2: [12], 3: [10], 4: [11] });
  });
});
