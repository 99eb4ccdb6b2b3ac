/**
 * A program's electricity rates, as its administrator keeps them: the price of each period, the
 * plan's name and source (drivers read them beside their charging cost). The hours of each period
 * are shown in words; a program without rates can start from one flat price. Charges are priced
 * when read, so a change reprices every charge at once.
 */
import type { RatePlan, RatePlanRule } from '../api';
import { Card } from '../components/ui';
import { fieldError, Input, onSubmitData, TextArea, text } from './common';
import type { SectionProps } from './program';
import { SaveRow, useSave } from './setup-save';

const DAYS: Record<RatePlanRule['days'], string> = { all: 'every day', weekdays: 'weekdays', weekends: 'weekends' };
const hours = (r: RatePlanRule) => `${String(r.from_hour).padStart(2, '0')}–${String(r.to_hour).padStart(2, '0')}`;

/** "Winter (from 11-01): On-peak weekdays 07–11; … otherwise Off-peak." */
function seasonWords(plan: RatePlan): string[] {
  const label = (key: string) => plan.periods.find((p) => p.key === key)?.label ?? key;
  return plan.seasons.map((s) => {
    const rules = s.rules.map((r) => `${label(r.period)} ${DAYS[r.days]} ${hours(r)}`);
    return `${s.label} (from ${s.from}): ${rules.length > 0 ? `${rules.join('; ')}; otherwise ` : 'all hours '}${label(s.default)}.`;
  });
}

const price = (data: FormData, name: string) => Number(text(data, name).replace(',', '.'));

export function Rates({ program, onProgram }: SectionProps) {
  const save = useSave(program, onProgram);
  const plan = program.ratePlan ?? null;
  const err = (name: string) => fieldError(save.error, name);
  const submit = onSubmitData((data) => {
    if (!plan) {
      const flat: RatePlan = {
        name: text(data, 'name') || 'Flat rate',
        periods: [{ key: 'all_hours', label: 'All hours', pricePerKwh: price(data, 'price.0') }],
        seasons: [{ label: 'All year', from: '01-01', rules: [], default: 'all_hours' }],
        ...(text(data, 'source') ? { source: text(data, 'source') } : {}),
      };
      return save.save({ ratePlan: flat });
    }
    const next: RatePlan = {
      ...plan,
      name: text(data, 'name'),
      periods: plan.periods.map((p, i) => ({ ...p, pricePerKwh: price(data, `price.${i}`) })),
    };
    const source = text(data, 'source');
    const note = text(data, 'note');
    if (source) next.source = source;
    else delete next.source;
    if (note) next.note = note;
    else delete next.note;
    return save.save({ ratePlan: next });
  });
  return (
    <Card title="Electricity rates">
      <p class="muted">
        Drivers see what each charge cost at these prices ({program.currency} per kWh, in the program’s time zone,{' '}
        {program.timeZone}) and what charging off-peak saved. A change reprices every charge at once.
      </p>
      {plan ? (
        <ul>
          {seasonWords(plan).map((line) => (
            <li key={line}>{line}</li>
          ))}
          {plan.holidays && plan.holidays.length > 0 ? (
            <li>{plan.holidays.length} holidays are priced like weekends.</li>
          ) : null}
        </ul>
      ) : (
        <p>No rates yet: drivers see no charging cost. Start from one price at all hours.</p>
      )}
      <form key={program.updatedAt} class="form" onSubmit={submit} noValidate>
        <Input label="Plan name" name="name" defaultValue={plan?.name ?? 'Flat rate'} error={err('name')} />
        <div class="adm-pair">
          {(plan?.periods ?? [{ key: 'all_hours', label: 'All hours', pricePerKwh: 0.12 }]).map((p, i) => (
            <Input
              key={p.key}
              label={`${p.label} price (${program.currency} per kWh)`}
              name={`price.${i}`}
              type="number"
              min={0}
              step="0.001"
              inputMode="decimal"
              defaultValue={String(p.pricePerKwh)}
              error={err('pricePerKwh')}
            />
          ))}
        </div>
        <Input label="Source of the prices" name="source" defaultValue={plan?.source ?? ''} error={err('source')} />
        {plan ? <TextArea label="Note for drivers" name="note" defaultValue={plan.note ?? ''} rows={2} /> : null}
        <SaveRow save={save} label={plan ? 'Save the rates' : 'Set a flat rate'} />
      </form>
    </Card>
  );
}
