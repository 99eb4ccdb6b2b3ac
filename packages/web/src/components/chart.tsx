/**
 * Charts, drawn by uPlot (small and fast): time series of lines or bars, optionally stacked, with
 * an optional confidence band. Each chart has a caption and a text summary for screen readers.
 *
 * Made to be read on a phone as well as with a mouse:
 * - a tap (or click) on the plot pins that point: its values are written under the chart and stay
 *   until another tap (hover alone never reaches a touch screen);
 * - one quantity per axis: series are grouped by unit, each unit gets its own axis (left, then
 *   right) labelled "Quantity (unit)";
 * - bars always grow from zero, so their lengths compare.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';

/** uPlot and its style sheet, fetched when the first chart is drawn: pages without a chart never load them. */
let uplotLoading: Promise<typeof uPlot> | undefined;
const loadUplot = () =>
  (uplotLoading ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default));

export interface ChartSeries {
  label: string;
  values: readonly (number | null)[];
  color: string;
  kind?: 'line' | 'bar';
  /** Units for the legend and the axis, e.g. "kWh". Series with different units get different axes. */
  unit?: string;
  /** The quantity this series' axis measures, when its unit does not say it ("State of charge"). */
  quantity?: string;
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
  /** The first axis' quantity (its unit is added from the series), e.g. "Storage capacity". */
  yLabel?: string;
  /** The first axis' range (default: from the data; bars from zero). */
  yRange?: readonly [number, number];
  /** Fill between series[band[0]] and series[band[1]] (a confidence interval). */
  band?: [number, number];
  xFormat?: (value: number) => string;
  /** The x value's name in the legend (default "Date" on time axes, "Hour" otherwise). */
  xLabel?: string;
  /** How many decimals values show (default 1). */
  digits?: number;
  /** Spans of x shaded behind the series (e.g. event windows); say what they are beside the chart. */
  shade?: readonly { from: number; to: number; color: string }[];
}

/** What a unit measures, for the axis label. */
const QUANTITY: Record<string, string> = {
  kWh: 'Energy',
  Wh: 'Energy',
  kW: 'Power',
  W: 'Power',
  km: 'Distance',
  mi: 'Distance',
  'km/h': 'Speed',
  mph: 'Speed',
  '°C': 'Temperature',
  '°F': 'Temperature',
  'Wh/km': 'Energy use',
  'Wh/mi': 'Energy use',
  kg: 'Mass',
};

/** The scale key of the nth unit: uPlot's "y" first. */
const scaleKey = (n: number) => (n === 0 ? 'y' : `y${n + 1}`);

export function axisLabel(quantity: string, unit: string): string {
  if (!unit || quantity.endsWith(`(${unit})`)) return quantity;
  return `${quantity} (${unit})`;
}

export interface Readout {
  x: string;
  values: { label: string; value: string; color: string }[];
}

export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  // The pinned point survives the chart being drawn again (a resize, new data of the same length).
  const pinned = useRef<number | null>(null);
  const [readout, setReadout] = useState<Readout | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let disposed = false;
    let cleanup: (() => void) | undefined;
    void loadUplot().then((uPlot) => {
      if (disposed) return;
      const stacked = props.stacked ?? false;
      const digits = props.digits ?? 1;
      const time = props.time ?? true;
      // Stacking: each bar series drawn as the running sum, the later ones behind the earlier.
      const running = new Array<number>(props.x.length).fill(0);
      const drawn = props.series.map((s) => {
        if (!stacked || s.kind !== 'bar') return [...s.values];
        return s.values.map((v, i) => (running[i] = running[i]! + (v ?? 0)));
      });
      const order = stacked ? [...props.series.keys()].reverse() : [...props.series.keys()];
      const bars = uPlot.paths.bars?.({ size: [0.7, 40] });
      const hasBars = props.series.some((s) => s.kind === 'bar');

      // One axis per unit, in the order the units first appear.
      const units: string[] = [];
      for (const s of props.series) if (!units.includes(s.unit ?? '')) units.push(s.unit ?? '');
      const scaleOf = (s: ChartSeries) => scaleKey(units.indexOf(s.unit ?? ''));
      const quantityOf = (unit: string, n: number) => {
        const members = props.series.filter((s) => (s.unit ?? '') === unit);
        if (n === 0 && props.yLabel && props.yLabel !== unit) return props.yLabel;
        return members.find((s) => s.quantity)?.quantity ?? QUANTITY[unit] ?? members[0]!.label;
      };

      const xText = (v: number): string => {
        if (props.xFormat) return props.xFormat(v);
        if (!time) return String(v);
        const span = (props.x.at(-1) ?? 0) - (props.x[0] ?? 0);
        const d = new Date(v * 1000);
        return span < 2 * 86_400
          ? d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
          : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
      };
      const valueText = (s: ChartSeries, v: number | null | undefined) =>
        v === null || v === undefined ? '–' : `${v.toFixed(digits)}${s.unit ? ` ${s.unit}` : ''}`;
      const readoutAt = (idx: number): Readout | null => {
        const x = props.x[idx];
        if (x === undefined) return null;
        return {
          x: xText(x),
          values: props.series.map((s) => ({ label: s.label, value: valueText(s, s.values[idx]), color: s.color })),
        };
      };

      const scales: uPlot.Scales = {
        x: {
          time,
          // Room for the first and last bar; one day's data still spans a day, not years.
          range: (_u, min, max) => {
            const pad = hasBars ? Math.max(time ? 43_200 : 0.5, (max - min) * 0.02) : 0;
            // One point alone sits mid-axis (half a week either side on a time axis).
            if (min === max && !hasBars) return time ? [min - 3.5 * 86_400, max + 3.5 * 86_400] : [min - 1, max + 1];
            return [min - pad, max + pad];
          },
        },
      };
      units.forEach((unit, n) => {
        const barScale = props.series.some((s) => (s.unit ?? '') === unit && s.kind === 'bar');
        scales[scaleKey(n)] = {
          range: (_u, min, max): uPlot.Range.MinMax => {
            if (n === 0 && props.yRange) return [props.yRange[0], props.yRange[1]];
            if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
            if (!barScale) return uPlot.rangeNum(min, max, 0.1, true);
            // Bars from a zero baseline: their length is the value.
            const [lo, hi] = uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true) as [number, number];
            return [min >= 0 ? 0 : lo, max <= 0 ? 0 : hi];
          },
        };
      });

      const opts: uPlot.Options = {
        width: Math.max(280, el.clientWidth),
        height: props.height ?? 220,
        scales,
        legend: { show: true, live: true },
        cursor: { points: { size: 6 } },
        axes: [
          {
            stroke: '#5b6770',
            grid: { stroke: '#e7ecef' },
            ...(props.xFormat ? { values: (_u: uPlot, values: number[]) => values.map((v) => props.xFormat!(v)) } : {}),
          },
          ...units.map((unit, n): uPlot.Axis => ({
            scale: scaleKey(n),
            side: n % 2 === 0 ? 3 : 1,
            stroke: '#5b6770',
            grid: n === 0 ? { stroke: '#e7ecef' } : { show: false },
            label: axisLabel(quantityOf(unit, n), unit),
            labelSize: 18,
            labelFont: '600 12px system-ui, sans-serif',
            size: 48,
          })),
        ],
        series: [
          {
            label: props.xLabel ?? (time ? 'Date' : 'Hour'),
            // The legend names the x value in the chart's own terms.
            ...(props.xFormat
              ? { value: (_u: uPlot, v: number | null) => (v === null ? '–' : props.xFormat!(v)) }
              : {}),
          },
          ...order.map((i) => {
            const s = props.series[i]!;
            // The legend shows each series' own value, not the stacked running sum.
            const fmt = (_u: uPlot, _v: number | null, _series: number, idx: number | null) =>
              valueText(s, idx === null ? null : s.values[idx]);
            return {
              label: s.label,
              scale: scaleOf(s),
              stroke: s.color,
              width: s.kind === 'bar' ? 0 : 2,
              fill: s.kind === 'bar' ? s.color : undefined,
              ...(s.kind === 'bar' ? { fillTo: 0 } : {}),
              ...(s.kind === 'bar' && bars ? { paths: bars } : {}),
              ...(s.dash ? { dash: s.dash } : {}),
              value: fmt,
              // A line of a few values (one week's battery health) is its points: without them it is not seen.
              points: { show: s.kind !== 'bar' && s.values.filter((v) => v !== null).length <= 12, size: 7 },
            } satisfies uPlot.Series;
          }),
        ],
        hooks: {
          // Shaded spans, behind everything else.
          drawClear: [
            (u) => {
              const ctx = u.ctx;
              for (const span of props.shade ?? []) {
                const left = u.valToPos(span.from, 'x', true);
                const right = u.valToPos(span.to, 'x', true);
                const x0 = Math.max(u.bbox.left, Math.min(left, right));
                const x1 = Math.min(u.bbox.left + u.bbox.width, Math.max(left, right));
                if (x1 <= x0) continue;
                ctx.save();
                ctx.fillStyle = span.color;
                ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
                ctx.restore();
              }
            },
          ],
          // The first axis' range on the element, for anyone checking where it starts (tests do).
          setScale: [
            (u, key) => {
              if (key !== 'y') return;
              el.dataset.yMin = String(u.scales.y?.min ?? '');
              el.dataset.yMax = String(u.scales.y?.max ?? '');
            },
          ],
          // The pinned point: a line across the plot at its x.
          draw: [
            (u) => {
              const idx = pinned.current;
              const x = idx === null ? undefined : props.x[idx];
              if (x === undefined) return;
              const left = Math.round(u.valToPos(x, 'x', true));
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = '#1d2a33';
              ctx.lineWidth = 2 * uPlot.pxRatio;
              ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
              ctx.beginPath();
              ctx.moveTo(left, u.bbox.top);
              ctx.lineTo(left, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
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
      // The axes are drawn, not written: their labels on the element too (tests read them).
      el.dataset.axes = units.map((unit, n) => axisLabel(quantityOf(unit, n), unit)).join(' | ');
      if (pinned.current !== null && pinned.current >= props.x.length) pinned.current = null;
      setReadout(pinned.current === null ? null : readoutAt(pinned.current));
      // A tap or click pins the nearest point; it stays until the next one.
      const pin = (event: MouseEvent) => {
        if (props.x.length === 0) return;
        const rect = plot.over.getBoundingClientRect();
        const idx = Math.max(0, Math.min(props.x.length - 1, plot.posToIdx(event.clientX - rect.left)));
        pinned.current = idx;
        setReadout(readoutAt(idx));
        plot.redraw(false, false);
      };
      plot.over.addEventListener('click', pin);
      const resize = new ResizeObserver(() =>
        plot.setSize({ width: Math.max(280, el.clientWidth), height: opts.height }),
      );
      resize.observe(el);
      cleanup = () => {
        resize.disconnect();
        plot.over.removeEventListener('click', pin);
        plot.destroy();
      };
    });
    return () => {
      disposed = true;
      cleanup?.();
    };
  }, [props.x, props.series, props.stacked, props.height, props.band, props.time, props.yRange, props.shade]);

  return (
    <figure class="chart">
      <figcaption>{props.caption}</figcaption>
      <div ref={host} class="chart-host" role="img" aria-label={props.summary} />
      <p class="chart-readout small" aria-live="polite" data-testid="chart-readout">
        {readout ? (
          <>
            <strong>{readout.x}</strong>
            {readout.values.map((v) => (
              <span key={v.label} class="chart-readout-value">
                <span class="dot" style={{ background: v.color }} aria-hidden="true" /> {v.label}: {v.value}
              </span>
            ))}
          </>
        ) : (
          <span class="muted">Tap or click the chart to read its values.</span>
        )}
      </p>
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
