/**
 * Charts, drawn by uPlot (small and fast): time series of lines or bars, optionally stacked, with
 * an optional confidence band. Each chart has a caption and a text summary for screen readers.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: readonly (number | null)[];
  color: string;
  kind?: 'line' | 'bar';
  /** Units for the legend, e.g. "kWh". */
  unit?: string;
  /** Drawn as a band between two other series (indexes into `series`): low, high. */
  dash?: number[];
}

export interface ChartProps {
  /** x values: unix seconds for time axes, or plain numbers (hour of day). */
  x: readonly number[];
  series: readonly ChartSeries[];
  /** Stack bar series on each other. */
  stacked?: boolean;
  time?: boolean;
  height?: number;
  caption: string;
  summary: string;
  yLabel?: string;
  /** Fill between series[band[0]] and series[band[1]] (a confidence interval). */
  band?: [number, number];
  xFormat?: (value: number) => string;
  /** The x value's name in the legend (default "Date" on time axes, "Hour" otherwise). */
  xLabel?: string;
}

export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const stacked = props.stacked ?? false;
    // Stacking: each bar series drawn as the running sum, the later ones behind the earlier.
    const running = new Array<number>(props.x.length).fill(0);
    const drawn = props.series.map((s) => {
      if (!stacked || s.kind !== 'bar') return [...s.values];
      return s.values.map((v, i) => (running[i] = running[i]! + (v ?? 0)));
    });
    const order = stacked ? [...props.series.keys()].reverse() : [...props.series.keys()];
    const bars = uPlot.paths.bars?.({ size: [0.7, 40] });
    const hasBars = props.series.some((s) => s.kind === 'bar');
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: props.height ?? 220,
      scales: {
        x: {
          time: props.time ?? true,
          // Room for the first and last bar; one day's data still spans a day, not years.
          range: (_u, min, max) => {
            const pad = hasBars ? Math.max(props.time === false ? 0.5 : 43_200, (max - min) * 0.02) : 0;
            return min === max && !hasBars ? [min - 1, max + 1] : [min - pad, max + pad];
          },
        },
      },
      legend: { show: true, live: true },
      cursor: { points: { size: 6 } },
      axes: [
        {
          stroke: '#5b6770',
          grid: { stroke: '#e7ecef' },
          ...(props.xFormat ? { values: (_u: uPlot, values: number[]) => values.map((v) => props.xFormat!(v)) } : {}),
        },
        { stroke: '#5b6770', grid: { stroke: '#e7ecef' }, ...(props.yLabel ? { label: props.yLabel } : {}), size: 56 },
      ],
      series: [
        {
          label: props.xLabel ?? (props.time === false ? 'Hour' : 'Date'),
          // The legend names the x value in the chart's own terms.
          ...(props.xFormat ? { value: (_u: uPlot, v: number | null) => (v === null ? '–' : props.xFormat!(v)) } : {}),
        },
        ...order.map((i) => {
          const s = props.series[i]!;
          // The legend shows each series' own value, not the stacked running sum.
          const fmt = (_u: uPlot, _v: number | null, _series: number, idx: number | null) => {
            const v = idx === null ? null : s.values[idx];
            return v === null || v === undefined ? '–' : `${v.toFixed(1)}${s.unit ? ` ${s.unit}` : ''}`;
          };
          return {
            label: s.label,
            stroke: s.color,
            width: s.kind === 'bar' ? 0 : 2,
            fill: s.kind === 'bar' ? s.color : undefined,
            ...(s.kind === 'bar' && bars ? { paths: bars } : {}),
            ...(s.dash ? { dash: s.dash } : {}),
            value: fmt,
            points: { show: false },
          } satisfies uPlot.Series;
        }),
      ],
      ...(props.band
        ? {
            bands: [
              {
                series: [order.indexOf(props.band[1]) + 1, order.indexOf(props.band[0]) + 1],
                fill: 'rgba(11,110,79,0.12)',
              },
            ],
          }
        : {}),
    };
    const data = [props.x as number[], ...order.map((i) => drawn[i]!)] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: opts.height }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.x, props.series, props.stacked, props.height, props.band, props.time]);

  return (
    <figure class="chart">
      <figcaption>{props.caption}</figcaption>
      <div ref={host} class="chart-host" role="img" aria-label={props.summary} />
    </figure>
  );
}

export const COLORS = {
  green: '#0b6e4f',
  teal: '#2a9d8f',
  blue: '#2b6cb0',
  amber: '#c77d00',
  red: '#b23a48',
  purple: '#6b4fa0',
  grey: '#7a8793',
  L1: '#2a9d8f',
  L2: '#2b6cb0',
  DCFC: '#c77d00',
} as const;

/** 'YYYY-MM-DD' (a local day) as unix seconds at local noon, for day bars. */
export function daySeconds(day: string): number {
  return new Date(`${day}T12:00:00`).getTime() / 1000;
}
