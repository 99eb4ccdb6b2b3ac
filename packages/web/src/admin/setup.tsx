/**
 * /admin/:slug/setup: the program as data — territory, who may join, when, how many, support —
 * and (setup-terms.tsx) the vehicle list, reward rules and payouts. Each card saves its own part,
 * sending only the fields that changed.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { StaffProgram } from '../api';
import { ChargingMap, type MapPoint } from '../components/map';
import { Card, Page } from '../components/ui';
import { fieldError, Input, onSubmitData, Problems, TextArea, text } from './common';
import type { SectionProps } from './program';
import { SaveRow, useSave } from './setup-save';
import { Money, RewardRules, VehicleList } from './setup-terms';

const NO_POINTS: readonly MapPoint[] = [];

export function Setup({ program, onProgram }: SectionProps) {
  return (
    <Page title="Setup">
      <p class="muted adm-tight">
        Changes apply to data derived from now on; <code>npx smartcharge rebuild</code> applies them to the past.
      </p>
      <Territory program={program} onProgram={onProgram} />
      <div class="two">
        <Eligibility program={program} onProgram={onProgram} />
        <Dates program={program} onProgram={onProgram} />
        <Support program={program} onProgram={onProgram} />
        <About program={program} onProgram={onProgram} />
      </div>
      <VehicleList program={program} onProgram={onProgram} />
      <RewardRules program={program} onProgram={onProgram} />
      <Money program={program} onProgram={onProgram} />
    </Page>
  );
}

function polygonCount(t: StaffProgram['territory']): number {
  if (!t) return 0;
  return t.type === 'Polygon' ? 1 : (t.coordinates as unknown[]).length;
}

function Territory({ program, onProgram }: SectionProps) {
  const save = useSave(program, onProgram);
  const [preview, setPreview] = useState<unknown>();
  const [fileError, setFileError] = useState<string | undefined>();
  const [removing, setRemoving] = useState(false);
  const pick = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    setFileError(undefined);
    save.clear();
    if (!file) return;
    try {
      const parsed: unknown = JSON.parse(await file.text());
      setPreview(parsed);
    } catch (e) {
      setPreview(undefined);
      setFileError(`${file.name} is not JSON: ${(e as Error).message}`);
    }
  };
  const t = program.territory;
  const download = t ? `data:application/geo+json,${encodeURIComponent(JSON.stringify(t))}` : null;
  return (
    <Card title="Territory">
      <div class="adm-map">
        <ChargingMap points={NO_POINTS} territory={preview ?? t ?? undefined} />
      </div>
      <p class="adm-tight">
        {preview ? (
          <strong>Preview of the file: not saved yet.</strong>
        ) : t ? (
          `${polygonCount(t)} polygon${polygonCount(t) === 1 ? '' : 's'}. Charging inside counts as “in the territory”.`
        ) : (
          'No territory: every charging session counts as inside.'
        )}{' '}
        {download && !preview ? (
          <a href={download} download={`territory-${program.slug}.geojson`}>
            Download it as GeoJSON
          </a>
        ) : null}
      </p>
      <div class="form inline-form">
        <Input
          label="Upload a GeoJSON file"
          name="territory"
          type="file"
          accept=".geojson,.json,application/geo+json,application/json"
          hint="A Polygon or MultiPolygon: bare, as a Feature, or a FeatureCollection of polygons (they are merged)."
          error={fileError}
          onChange={(e) => void pick(e.currentTarget)}
        />
      </div>
      <Problems error={save.error} />
      {save.saved ? (
        <p class="notice ok" role="status">
          {save.saved}
        </p>
      ) : null}
      <div class="buttons">
        {preview ? (
          <>
            <button
              type="button"
              disabled={save.busy}
              onClick={() =>
                void save
                  .save({ territory: preview as StaffProgram['territory'] })
                  .then((ok) => ok && setPreview(undefined))
              }
            >
              Save this territory
            </button>
            <button type="button" class="secondary" onClick={() => setPreview(undefined)}>
              Discard the file
            </button>
          </>
        ) : t ? (
          removing ? (
            <>
              <button
                type="button"
                class="danger"
                disabled={save.busy}
                onClick={() => void save.save({ territory: null }).then(() => setRemoving(false))}
              >
                Remove: count every place as inside
              </button>
              <button type="button" class="secondary" onClick={() => setRemoving(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" class="secondary danger" onClick={() => setRemoving(true)}>
              Remove the territory…
            </button>
          )
        ) : null}
      </div>
    </Card>
  );
}

function Check({ name, checked, children }: { name: string; checked: boolean; children: ComponentChildren }) {
  return (
    <label class="adm-check">
      <input type="checkbox" name={name} defaultChecked={checked} />
      {children}
    </label>
  );
}

function Eligibility({ program, onProgram }: SectionProps) {
  const save = useSave(program, onProgram);
  const e = program.eligibility;
  const submit = onSubmitData((data) => {
    const optional = (name: string) => text(data, name) || undefined;
    return save.save({
      eligibility: {
        ...e,
        powertrains: (['BEV', 'PHEV'] as const).filter((p) => data.has(`pt-${p}`)),
        utilityCustomersOnly: data.has('customersOnly'),
        utilityAccountHint: optional('accountHint'),
        utilityAccountPattern: optional('accountPattern'),
        note: optional('note'),
      },
    });
  });
  return (
    <Card title="Eligibility">
      <form key={program.updatedAt} class="form" onSubmit={submit} noValidate>
        <fieldset class="choice">
          <legend>Powertrains accepted</legend>
          <Check name="pt-BEV" checked={e.powertrains.includes('BEV')}>
            Battery electric (BEV)
          </Check>
          <Check name="pt-PHEV" checked={e.powertrains.includes('PHEV')}>
            Plug-in hybrid (PHEV)
          </Check>
        </fieldset>
        {fieldError(save.error, 'powertrains') ? (
          <p class="field-error adm-tight">{fieldError(save.error, 'powertrains')}</p>
        ) : null}
        <Check name="customersOnly" checked={e.utilityCustomersOnly ?? true}>
          Only customers of {program.utility} (with an account number)
        </Check>
        <Input
          label="Account number hint"
          name="accountHint"
          defaultValue={e.utilityAccountHint ?? ''}
          hint="Shown next to the field, e.g. “the 10 digits at the top of your bill”."
        />
        <Input
          label="Account number pattern (regular expression)"
          name="accountPattern"
          defaultValue={e.utilityAccountPattern ?? ''}
          placeholder="^[0-9]{10}$"
          error={fieldError(save.error, 'utilityAccountPattern')}
        />
        <TextArea label="Note to applicants" name="note" rows={3} defaultValue={e.note ?? ''} />
        <SaveRow save={save} label="Save eligibility" />
      </form>
    </Card>
  );
}

function Dates({ program: p, onProgram }: SectionProps) {
  const save = useSave(p, onProgram);
  const [local, setLocal] = useState<string | undefined>();
  const submit = onSubmitData((data) => {
    const day = (name: string) => text(data, name) || null;
    const [open, close, start, end] = ['open', 'close', 'start', 'end'].map(day);
    if (open && close && close < open) return setLocal('Applications close before they open.');
    if (start && end && end < start) return setLocal('Collection ends before it starts.');
    setLocal(undefined);
    const target = text(data, 'target');
    return save.save({
      applicationsOpenOn: open,
      applicationsCloseOn: close,
      collectionStartsOn: start,
      collectionEndsOn: end,
      participantTarget: target ? Number(target) : null,
    });
  });
  const err = (name: string) => fieldError(save.error, name);
  return (
    <Card title="Dates and target">
      <form key={p.updatedAt} class="form" onSubmit={submit} noValidate>
        <div class="adm-pair">
          <Input
            label="Applications open"
            name="open"
            type="date"
            defaultValue={p.applicationsOpenOn ?? ''}
            error={err('applicationsOpenOn')}
          />
          <Input
            label="Applications close"
            name="close"
            type="date"
            defaultValue={p.applicationsCloseOn ?? ''}
            error={err('applicationsCloseOn')}
          />
          <Input
            label="Collection starts"
            name="start"
            type="date"
            defaultValue={p.collectionStartsOn ?? ''}
            error={err('collectionStartsOn')}
          />
          <Input
            label="Collection ends"
            name="end"
            type="date"
            defaultValue={p.collectionEndsOn ?? ''}
            error={err('collectionEndsOn')}
          />
        </div>
        <Input
          label="Participant target"
          name="target"
          type="number"
          min={1}
          step={1}
          defaultValue={p.participantTarget === null ? '' : String(p.participantTarget)}
          hint="Approvals stop at the target. Empty: no limit."
          error={err('participantTarget')}
        />
        {local ? (
          <p class="field-error adm-tight" role="alert">
            {local}
          </p>
        ) : null}
        <SaveRow save={save} label="Save dates and target" />
      </form>
    </Card>
  );
}

function Support({ program: p, onProgram }: SectionProps) {
  const save = useSave(p, onProgram);
  const submit = onSubmitData((data) =>
    save.save({
      supportEmail: text(data, 'email') || null,
      supportPhone: text(data, 'phone') || null,
      supportHours: text(data, 'hours') || null,
    }),
  );
  return (
    <Card title="Support contact">
      <form key={p.updatedAt} class="form" onSubmit={submit} noValidate>
        <Input
          label="Email"
          name="email"
          type="email"
          defaultValue={p.supportEmail ?? ''}
          error={fieldError(save.error, 'supportEmail')}
        />
        <Input
          label="Phone"
          name="phone"
          type="tel"
          defaultValue={p.supportPhone ?? ''}
          error={fieldError(save.error, 'supportPhone')}
        />
        <Input
          label="Hours"
          name="hours"
          defaultValue={p.supportHours ?? ''}
          placeholder="Monday to Friday, 8 am – 5 pm"
        />
        <SaveRow save={save} label="Save the contact" />
      </form>
    </Card>
  );
}

function About({ program: p, onProgram }: SectionProps) {
  const save = useSave(p, onProgram);
  const submit = onSubmitData((data) =>
    save.save({ region: text(data, 'region') || null, description: text(data, 'description') || null }),
  );
  return (
    <Card title="Public description">
      <form key={p.updatedAt} class="form" onSubmit={submit} noValidate>
        <Input label="Region" name="region" defaultValue={p.region ?? ''} placeholder="Ontario, Canada" />
        <TextArea
          label="Description"
          name="description"
          rows={4}
          defaultValue={p.description ?? ''}
          hint="Shown to drivers before they apply."
        />
        <SaveRow save={save} label="Save the description" />
      </form>
    </Card>
  );
}
