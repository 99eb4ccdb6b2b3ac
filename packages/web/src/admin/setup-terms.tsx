/**
 * The program's terms that are lists and rules: the supported vehicles (an editable table), the
 * reward rules (each in the plain words drivers read; edited as JSON, checked by the server, its
 * complaints shown by rule), and the money side —
 * currency, points per unit, how rewards show, how they are paid.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ListedVehicle, type StaffProgram } from '../api';
import { Card } from '../components/ui';
import { fieldError, Input, int, money, onSubmitData, Select, TextArea, text } from './common';
import type { SectionProps } from './program';
import { SaveRow, useSave } from './setup-save';

interface VehicleRow {
  key: number;
  make: string;
  model: string;
  yearFrom: string;
  yearTo: string;
}

let nextKey = 1;
const rowOf = (v: Partial<ListedVehicle> = {}): VehicleRow => ({
  key: nextKey++,
  make: v.make ?? '',
  model: v.model ?? '',
  yearFrom: v.yearFrom === undefined ? '' : String(v.yearFrom),
  yearTo: v.yearTo === undefined ? '' : String(v.yearTo),
});

/** Errors the server gave for `vehicleList[i]…`, by row index. */
function rowErrors(error: unknown): Map<number, string> {
  const out = new Map<number, string>();
  if (!(error instanceof ApiError)) return out;
  for (const d of error.details) {
    const m = /^vehicleList\[(\d+)\]\.?(\w*)/.exec(d.field);
    if (m) out.set(Number(m[1]), `${m[2] ? `${m[2]}: ` : ''}${d.message}`);
  }
  return out;
}

export function VehicleList({ program, onProgram }: SectionProps) {
  const save = useSave(program, onProgram);
  const [rows, setRows] = useState<VehicleRow[]>(() => program.vehicleList.map((v) => rowOf(v)));
  const [unlisted, setUnlisted] = useState(program.unlistedVehiclesMayApply);
  const savedList = JSON.stringify(program.vehicleList);
  // After a save (or a reload), the table shows the list as the server keeps it.
  useEffect(() => setRows(program.vehicleList.map((v) => rowOf(v))), [savedList]);
  const edit = (key: number, field: keyof Omit<VehicleRow, 'key'>, value: string) =>
    setRows(rows.map((r) => (r.key === key ? { ...r, [field]: value } : r)));
  const kept = rows.filter((r) => r.make.trim() || r.model.trim() || r.yearFrom || r.yearTo);
  const errors = rowErrors(save.error);
  const submit = onSubmitData(() =>
    save.save({
      vehicleList: kept.map((r) => ({
        make: r.make.trim(),
        model: r.model.trim(),
        ...(r.yearFrom ? { yearFrom: Number(r.yearFrom) } : {}),
        ...(r.yearTo ? { yearTo: Number(r.yearTo) } : {}),
      })),
      unlistedVehiclesMayApply: unlisted,
    }),
  );
  const sort = () => setRows([...rows].sort((a, b) => a.make.localeCompare(b.make) || a.model.localeCompare(b.model)));
  return (
    <Card title={`Supported vehicles (${kept.length})`}>
      <form class="form" onSubmit={submit} noValidate>
        <p class="muted small adm-tight">
          Make and model as people write them; model years optional (empty: every year). The eligibility check also
          knows the usual spellings of each model.
        </p>
        <div class="table-wrap">
          <table class="adm-edit">
            <thead>
              <tr>
                <th scope="col">Make</th>
                <th scope="col">Model</th>
                <th scope="col">From year</th>
                <th scope="col">To year</th>
                <th scope="col">
                  <span class="adm-sr">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const index = kept.indexOf(r);
                const error = index >= 0 ? errors.get(index) : undefined;
                const name = `${r.make} ${r.model}`.trim() || 'new row';
                const cell = (field: 'make' | 'model' | 'yearFrom' | 'yearTo', label: string, number = false) => (
                  <td>
                    <input
                      aria-label={`${label} (${name})`}
                      aria-invalid={error ? 'true' : undefined}
                      value={r[field]}
                      inputMode={number ? 'numeric' : undefined}
                      class={number ? 'adm-year' : undefined}
                      onInput={(e) => edit(r.key, field, e.currentTarget.value)}
                    />
                  </td>
                );
                return [
                  <tr key={r.key} class={error ? 'adm-row-error' : ''}>
                    {cell('make', 'Make')}
                    {cell('model', 'Model')}
                    {cell('yearFrom', 'From year', true)}
                    {cell('yearTo', 'To year', true)}
                    <td>
                      <button
                        type="button"
                        class="link danger"
                        aria-label={`Remove ${name}`}
                        onClick={() => setRows(rows.filter((x) => x.key !== r.key))}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>,
                  error ? (
                    <tr key={`${r.key}-error`} class="adm-subrow">
                      <td colSpan={5} class="field-error">
                        {name}: {error}
                      </td>
                    </tr>
                  ) : null,
                ];
              })}
            </tbody>
          </table>
        </div>
        <div class="buttons">
          <button type="button" class="secondary small" onClick={() => setRows([...rows, rowOf()])}>
            Add a vehicle
          </button>
          <button type="button" class="secondary small" onClick={sort}>
            Sort by make and model
          </button>
          <button
            type="button"
            class="link"
            onClick={() => {
              save.clear();
              setRows(program.vehicleList.map((v) => rowOf(v)));
              setUnlisted(program.unlistedVehiclesMayApply);
            }}
          >
            Undo my changes
          </button>
        </div>
        <label class="adm-check">
          <input type="checkbox" checked={unlisted} onChange={(e) => setUnlisted(e.currentTarget.checked)} />
          Vehicles not on the list may still apply (staff review them)
        </label>
        <SaveRow save={save} label="Save the vehicle list" />
      </form>
    </Card>
  );
}

const RULE_HELP =
  'A JSON array. Each rule has a type (start_bonus, monthly_participation, tenure_bonus, energy_in_hours, no_peak_month), a key (lower_snake_case, never changed once used), a label drivers see, and its amounts in points.';

export function RewardRules({ program, onProgram }: SectionProps) {
  const save = useSave(program, onProgram);
  const initial = JSON.stringify(program.rewardRules, null, 2);
  const [source, setSource] = useState(initial);
  const [syntax, setSyntax] = useState<string | undefined>();
  // After a save, show the rules as the server keeps them (with its defaults filled in).
  useEffect(() => setSource(initial), [initial]);
  const submit = onSubmitData(() => {
    let rules: unknown;
    try {
      rules = JSON.parse(source);
    } catch (e) {
      return setSyntax(`Not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(rules)) return setSyntax('The rules are a JSON array: [ {…}, {…} ].');
    setSyntax(undefined);
    return save.save({ rewardRules: rules as StaffProgram['rewardRules'] });
  });
  return (
    <Card title="Reward rules">
      <form class="form" onSubmit={submit} noValidate>
        {program.rewardRules.length > 0 ? (
          <p class="muted small adm-tight">Each rule, and the sentence drivers read for it:</p>
        ) : null}
        <ul class="adm-rules">
          {program.rewardRules.map((r) => {
            // The server's own wording (rewards/rules.ts), so staff read exactly what drivers do.
            const sentence = program.rewardRuleSentences.find((s) => s.key === r.key)?.sentence;
            return (
              <li key={r.key}>
                <strong>{r.label}</strong> <code>{r.key}</code> <span class="muted">{r.type.replaceAll('_', ' ')}</span>
                {typeof r.points === 'number' ? ` · ${money(r.points, program)}` : ''}
                {typeof r.pointsPerKwh === 'number' ? ` · ${money(r.pointsPerKwh, program)} per kWh` : ''}
                {sentence ? <div>{sentence}</div> : null}
              </li>
            );
          })}
        </ul>
        <TextArea
          label="Rules (JSON)"
          name="rules"
          class="adm-code"
          rows={Math.min(24, Math.max(8, source.split('\n').length + 1))}
          spellcheck={false}
          value={source}
          onInput={(e) => setSource(e.currentTarget.value)}
          hint={RULE_HELP}
          error={syntax}
        />
        <div class="buttons">
          <button
            type="button"
            class="link"
            onClick={() => {
              setSource(initial);
              setSyntax(undefined);
              save.clear();
            }}
          >
            Undo my changes
          </button>
        </div>
        <SaveRow save={save} label="Save the rules" />
      </form>
    </Card>
  );
}

export function Money({ program: p, onProgram }: SectionProps) {
  const save = useSave(p, onProgram);
  const o = p.payoutOptions;
  const submit = onSubmitData((data) => {
    const min = text(data, 'minimumPoints');
    return save.save({
      currency: text(data, 'currency').toUpperCase(),
      pointsPerUnit: Number(text(data, 'pointsPerUnit')),
      rewardDisplay: text(data, 'rewardDisplay') === 'points' ? 'points' : 'money',
      payoutOptions: {
        ...(data.has('paypal') ? { paypal: { minimumPoints: min ? Number(min) : 1 } } : {}),
        ...(data.has('giftCard')
          ? {
              giftCard: {
                brand: text(data, 'brand'),
                when: text(data, 'when') === 'program_end' ? 'program_end' : 'year_end',
              },
            }
          : {}),
      },
    });
  });
  const err = (name: string) => fieldError(save.error, name);
  return (
    <Card title="Points and payouts">
      <form key={p.updatedAt} class="form" onSubmit={submit} noValidate>
        <div class="adm-pair">
          <Input label="Currency" name="currency" defaultValue={p.currency} maxLength={3} error={err('currency')} />
          <Input
            label="Points per unit"
            name="pointsPerUnit"
            type="number"
            min={1}
            step={1}
            defaultValue={String(p.pointsPerUnit)}
            hint={`${int.format(p.pointsPerUnit)} points = 1 ${p.currency}; 100 counts rewards in cents.`}
            error={err('pointsPerUnit')}
          />
          <Select
            label="Show rewards as"
            name="rewardDisplay"
            defaultValue={p.rewardDisplay}
            options={[
              ['money', 'Money ($5.00)'],
              ['points', 'Points (500 points)'],
            ]}
          />
        </div>
        <fieldset>
          <legend>PayPal</legend>
          <label class="adm-check">
            <input type="checkbox" name="paypal" defaultChecked={Boolean(o.paypal)} />
            Monthly PayPal payouts to participants who give a PayPal address
          </label>
          <Input
            label="Minimum points to pay"
            name="minimumPoints"
            type="number"
            min={1}
            step={1}
            defaultValue={String(o.paypal?.minimumPoints ?? 1)}
            error={err('minimumPoints')}
          />
        </fieldset>
        <fieldset>
          <legend>Gift cards</legend>
          <label class="adm-check">
            <input type="checkbox" name="giftCard" defaultChecked={Boolean(o.giftCard)} />A gift card for the whole
            balance of everyone without PayPal
          </label>
          <Input label="Card brand" name="brand" defaultValue={o.giftCard?.brand ?? ''} error={err('brand')} />
          <Select
            label="When"
            name="when"
            defaultValue={o.giftCard?.when ?? 'year_end'}
            options={[
              ['year_end', 'At each year’s end'],
              ['program_end', 'At the program’s end'],
            ]}
          />
        </fieldset>
        <SaveRow save={save} label="Save points and payouts" />
      </form>
    </Card>
  );
}
