import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseCsvRecords, parseCsvUpload, parseGeoJsonUpload } from './distribution.schema.js';

const HEADER = 'service_point,transformer,transformer_kva,feeder,feeder_kva';
const square = (lon: number, lat: number, d = 0.01) => ({
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

function refusal(call: () => unknown): AppError {
  try {
    call();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the upload to be refused');
}

describe('CSV records', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, and skips blank lines', () => {
    const text = '\uFEFFa,b\r\n"x, y","say ""hi"""\n\n"two\nlines",z\n';
    expect(parseCsvRecords(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 4, fields: ['two\nlines', 'z'] },
    ]);
  });

  it('names the line of a quote never closed', () => {
    expect(refusal(() => parseCsvRecords('a,b\n1,"open\n')).message).toContain(
      'line 2: a quoted field is never closed',
    );
  });
});

describe('CSV upload', () => {
  it('makes each transformer and feeder once, hangs transformers from their feeders and places each service point', () => {
    const upload = parseCsvUpload(
      [HEADER, 'SP-1,T-1,50,F-1,5000', 'SP-2,T-1,,F-1,', 'SP-3,T-2,25,F-1,5000', 'SP-4,,,F-2,8000', ''].join('\n'),
    );
    expect(upload.groups).toEqual([
      { kind: 'feeder', code: 'F-1', name: null, ratingKva: 5000, parentCode: null, geometry: null },
      { kind: 'transformer', code: 'T-1', name: null, ratingKva: 50, parentCode: 'F-1', geometry: null },
      { kind: 'transformer', code: 'T-2', name: null, ratingKva: 25, parentCode: 'F-1', geometry: null },
      { kind: 'feeder', code: 'F-2', name: null, ratingKva: 8000, parentCode: null, geometry: null },
    ]);
    expect(upload.servicePoints).toEqual([
      { servicePoint: 'SP-1', kind: 'transformer', code: 'T-1' },
      { servicePoint: 'SP-2', kind: 'transformer', code: 'T-1' },
      { servicePoint: 'SP-3', kind: 'transformer', code: 'T-2' },
      { servicePoint: 'SP-4', kind: 'feeder', code: 'F-2' },
    ]);
  });

  it('takes the columns in any order, in any case', () => {
    const upload = parseCsvUpload('Feeder,FEEDER_KVA,transformer,transformer_kva,service_point\nF-1,100,T-1,10,SP-1\n');
    expect(upload.servicePoints).toEqual([{ servicePoint: 'SP-1', kind: 'transformer', code: 'T-1' }]);
    expect(upload.groups.find((g) => g.code === 'T-1')?.parentCode).toBe('F-1');
  });

  it.each([
    [
      'service_point,transformer,kva,feeder,feeder_kva\nSP-1,T-1,50,F-1,100',
      'line 1: the header lacks transformer_kva',
    ],
    [`${HEADER}\nSP-1,T-1,fifty,F-1,100`, 'line 2: transformer_kva: expected the rating in kVA as a plain number'],
    [
      `${HEADER}\nSP-1,T-1,50,F-1,100\nSP-2,T-1,75,F-1,100`,
      'line 3: transformer_kva: transformer "T-1" is rated 50 kVA on line 2, 75 here',
    ],
    [
      `${HEADER}\nSP-1,T-1,50,F-1,100\nSP-2,T-1,50,F-2,100`,
      'line 3: feeder: transformer "T-1" is on feeder "F-1" on line 2, "F-2" here',
    ],
    [
      `${HEADER}\nSP-1,T-1,50,F-1,100\nSP-1,T-2,50,F-1,100`,
      'line 3: service_point: service point "SP-1" is already on a group (line 2: service_point)',
    ],
    [`${HEADER}\nSP-1,,,,`, 'line 2: transformer: name the transformer'],
    [`${HEADER}\nSP-1,T-1,0,F-1,100`, 'line 2: transformer_kva: a rating is more than 0 kVA'],
    [HEADER, 'line 2: the CSV has a header but no rows'],
    ['', 'line 1: expected a header'],
  ])('refuses a bad file, naming the line and column (%#)', (text, message) => {
    const error = refusal(() => parseCsvUpload(text));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(message);
    expect(error.message).toContain('Nothing was changed.');
  });
});

describe('GeoJSON upload', () => {
  const feature = (properties: Record<string, unknown>, geometry: unknown = null) => ({
    type: 'Feature',
    geometry,
    properties,
  });

  it('reads feeders and transformers with their ratings, parents, areas and service points', () => {
    const upload = parseGeoJsonUpload({
      type: 'FeatureCollection',
      features: [
        feature({ kind: 'feeder', code: 'F-1', ratingKva: 5000, name: 'Main St feeder' }),
        feature(
          { kind: 'transformer', code: 'T-1', ratingKva: 50, parent: 'F-1', servicePoints: ['SP-1'] },
          square(-79.6, 43.5),
        ),
      ],
    });
    expect(upload.groups).toEqual([
      { kind: 'feeder', code: 'F-1', name: 'Main St feeder', ratingKva: 5000, parentCode: null, geometry: null },
      { kind: 'transformer', code: 'T-1', name: null, ratingKva: 50, parentCode: 'F-1', geometry: square(-79.6, 43.5) },
    ]);
    expect(upload.servicePoints).toEqual([{ servicePoint: 'SP-1', kind: 'transformer', code: 'T-1' }]);
  });

  it.each([
    [{ type: 'Feature' }, 'The GeoJSON was not stored: type: expected a GeoJSON FeatureCollection'],
    [{ type: 'FeatureCollection', features: [] }, 'features: the collection has no features'],
    [
      { type: 'FeatureCollection', features: [feature({ kind: 'substation', code: 'S' })] },
      'features[0].properties.kind: expected kind "feeder" or "transformer"',
    ],
    [
      { type: 'FeatureCollection', features: [feature({ kind: 'transformer', code: 'T-1', ratingKva: -5 })] },
      'features[0].properties.ratingKva: a rating is more than 0 kVA',
    ],
    [
      {
        type: 'FeatureCollection',
        features: [feature({ kind: 'transformer', code: 'T-1' }, { type: 'Point', coordinates: [0, 0] })],
      },
      'features[0].geometry',
    ],
    [
      { type: 'FeatureCollection', features: [feature({ kind: 'transformer', code: 'T-1', parent: 'F-9' })] },
      'features[0].properties.parent: "F-9" is not a feeder of this upload',
    ],
    [
      {
        type: 'FeatureCollection',
        features: [feature({ kind: 'transformer', code: 'T-1' }), feature({ kind: 'transformer', code: 'T-1' })],
      },
      'features[1] (transformer T-1).code: the transformer "T-1" is also features[0]',
    ],
    [
      {
        type: 'FeatureCollection',
        features: [
          feature({ kind: 'transformer', code: 'T-1', servicePoints: ['SP-1'] }),
          feature({ kind: 'transformer', code: 'T-2', servicePoints: ['SP-1'] }),
        ],
      },
      'features[1].properties.servicePoints[0]: service point "SP-1" is already on a group',
    ],
  ])('refuses a bad collection, naming the feature and field (%#)', (input, message) => {
    const error = refusal(() => parseGeoJsonUpload(input));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(message);
  });
});
