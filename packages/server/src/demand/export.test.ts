import { describe, expect, it } from 'vitest';
import { participantsCsv } from './export.js';

describe('the evaluator export', () => {
  it('writes one pseudonymous row per participant with the measured columns', () => {
    const csv = participantsCsv([
      {
        group: 'treatment',
        startOffsetS: 120,
        endOffsetS: 30,
        notified: true,
        optOut: 'charging',
        baselineWh: 12000.04,
        baselineDays: 10,
        actualWh: 3000,
        shiftedWh: 9000.04,
        reboundWh: -12.26,
      },
      {
        group: 'control',
        startOffsetS: 0,
        endOffsetS: 0,
        notified: false,
        optOut: null,
        baselineWh: null,
        baselineDays: 0,
        actualWh: 0,
        shiftedWh: null,
        reboundWh: null,
      },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'participant,group,start_offset_s,end_offset_s,notified,opt_out,baseline_wh,baseline_days,actual_wh,shifted_wh,rebound_wh',
      'P001,treatment,120,30,true,charging,12000,10,3000,9000,-12.3',
      'P002,control,0,0,false,,,0,0,,',
      '',
    ]);
  });
});
