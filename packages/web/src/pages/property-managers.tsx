/**
 * /property-managers: the offer to owners and managers of multi-unit buildings (a subsidised Smart
 * Charging Station, up to 50 % off installation), who qualifies, and the inquiry form. Public: no
 * sign-in. The server checks the form; its messages are shown in words beside each field.
 */
import { useState } from 'preact/hooks';
import { ApiError, get, post, type PublicProgram } from '../api';
import { Card, ErrorNote, Loading, Page } from '../components/ui';
import { useLoad } from '../session';

interface Submitted {
  id: number;
  likelyToQualify: boolean;
  reasons: string[];
}

/** The form's fields as the server names them (address fields under "address."). */
type Errors = Record<string, string>;

function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? '' : '.');
}

function value(data: FormData, name: string): string {
  const raw = data.get(name);
  return typeof raw === 'string' ? raw.trim() : '';
}

/** A whole number as typed, or undefined when blank (the server then says the field is needed). */
function count(data: FormData, name: string): number | undefined {
  const raw = value(data, name);
  return raw === '' ? undefined : Number(raw.replace(/[\s,]/g, ''));
}

function Input({
  label,
  name,
  errors,
  hint,
  ...rest
}: { label: string; name: string; errors: Errors; hint?: string } & Record<string, unknown>) {
  const id = `pm-${name.replace('.', '-')}`;
  const error = errors[name];
  const note = error ? sentence(error) : hint;
  return (
    <div class={`field ${error ? 'has-error' : ''}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={note ? `${id}-note` : undefined}
        {...rest}
      />
      {note ? (
        <small id={`${id}-note`} class={error ? 'field-error' : 'muted'}>
          {note}
        </small>
      ) : null}
    </div>
  );
}

export function PropertyManagers() {
  const programs = useLoad(() => get<{ programs: PublicProgram[] }>('/programs'), []);
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [submitted, setSubmitted] = useState<Submitted | undefined>();
  const list = programs.data?.programs ?? [];

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const common = value(data, 'hasCommonArea');
    setBusy(true);
    setErrors({});
    setProblem(undefined);
    try {
      const answer = await post<Submitted>('/property-inquiries', {
        program: value(data, 'program'),
        buildingName: value(data, 'buildingName'),
        address: {
          line1: value(data, 'address.line1'),
          line2: value(data, 'address.line2') || null,
          city: value(data, 'address.city'),
          region: value(data, 'address.region'),
          postalCode: value(data, 'address.postalCode'),
          country: value(data, 'address.country'),
        },
        units: count(data, 'units'),
        hasCommonArea: common === '' ? undefined : common === 'yes',
        commonAreaNote: value(data, 'commonAreaNote') || null,
        parkingSpaces: count(data, 'parkingSpaces') ?? null,
        contactName: value(data, 'contactName'),
        contactEmail: value(data, 'contactEmail'),
        contactPhone: value(data, 'contactPhone') || null,
        message: value(data, 'message') || null,
      });
      setSubmitted(answer);
    } catch (error) {
      if (error instanceof ApiError && error.details.length > 0) {
        const byField: Errors = {};
        for (const d of error.details) byField[d.field] ??= d.message;
        if (byField.hasCommonArea) byField.hasCommonArea = 'say whether the building has a common area';
        setErrors(byField);
        setProblem('Some answers need a change: see the fields marked below.');
      } else {
        setProblem((error as Error).message);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="A charging station for your building">
      <p class="lede">
        If you are a property manager or owner of a residential multi-unit building that has a common area, you may be
        eligible for a subsidized Smart Charging Station, plus up to 50% off installation costs. Space is limited, so
        tell us about your building to check if you are likely to qualify.
      </p>
      <div class="grid-cards">
        <Card title="What the offer is">
          <ul>
            <li>
              A <strong>Smart Charging Station</strong> for your residents’ electric vehicles, subsidised by the utility
              program.
            </li>
            <li>
              <strong>Up to 50 % off the installation costs.</strong>
            </li>
            <li>Charging that helps the utility prepare the grid for more EVs.</li>
          </ul>
        </Card>
        <Card title="Who qualifies">
          <ul>
            <li>A residential multi-unit building: 3 units or more (a house or a duplex is not eligible).</li>
            <li>A common area, such as a shared parking lot or garage, where the station can be installed.</li>
            <li>Parking that the station can serve.</li>
            <li>
              In the service territory of the program’s utility
              {list.length > 0
                ? `: ${list.map((p) => `${p.utility}${p.region ? ` (${p.region})` : ''}`).join(', ')}`
                : ''}
              .
            </li>
          </ul>
          <p class="muted">The program team decides; this form gives you a first answer straight away.</p>
        </Card>
      </div>

      {submitted ? (
        <Card title="Thank you: your inquiry is in">
          <p role="status">
            Inquiry {submitted.id}.{' '}
            {submitted.likelyToQualify ? 'Your building is likely to qualify.' : 'Your building may not qualify.'}
          </p>
          <ul>
            {submitted.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
          <p>We will e-mail you each time your inquiry moves on.</p>
        </Card>
      ) : (
        <Card title="Tell us about your building">
          {programs.loading ? <Loading what="Loading the programs" /> : null}
          <ErrorNote error={programs.error} />
          {problem ? (
            <p class="notice error" role="alert">
              {problem}
            </p>
          ) : null}
          <form class="form" onSubmit={onSubmit} noValidate>
            <div class={`field ${errors.program ? 'has-error' : ''}`}>
              <label for="pm-program">Utility program</label>
              <select
                id="pm-program"
                name="program"
                aria-invalid={errors.program ? 'true' : undefined}
                aria-describedby={errors.program ? 'pm-program-note' : undefined}
              >
                {list.map((p) => (
                  <option key={p.slug} value={p.slug}>
                    {p.name}
                  </option>
                ))}
              </select>
              {errors.program ? (
                <small id="pm-program-note" class="field-error">
                  {sentence(errors.program)}
                </small>
              ) : null}
            </div>
            <Input label="Building name" name="buildingName" errors={errors} autocomplete="organization" />
            <Input label="Street address" name="address.line1" errors={errors} autocomplete="address-line1" />
            <Input label="Second line (optional)" name="address.line2" errors={errors} autocomplete="address-line2" />
            <Input label="City" name="address.city" errors={errors} autocomplete="address-level2" />
            <Input label="Province or state" name="address.region" errors={errors} autocomplete="address-level1" />
            <Input label="Postal or ZIP code" name="address.postalCode" errors={errors} autocomplete="postal-code" />
            <div class={`field ${errors['address.country'] ? 'has-error' : ''}`}>
              <label for="pm-country">Country</label>
              <select id="pm-country" name="address.country" autocomplete="country">
                <option value="CA">Canada</option>
                <option value="US">United States</option>
              </select>
              {errors['address.country'] ? (
                <small class="field-error">{sentence(errors['address.country'])}</small>
              ) : null}
            </div>
            <Input label="Dwelling units in the building" name="units" errors={errors} inputMode="numeric" />
            <fieldset
              class={`choice ${errors.hasCommonArea ? 'has-error' : ''}`}
              aria-describedby={errors.hasCommonArea ? 'pm-common-note' : undefined}
            >
              <legend>Does the building have a common area (shared parking lot or garage)?</legend>
              <label>
                <input type="radio" name="hasCommonArea" value="yes" /> Yes
              </label>
              <label>
                <input type="radio" name="hasCommonArea" value="no" /> No
              </label>
              {errors.hasCommonArea ? (
                <small id="pm-common-note" class="field-error">
                  {sentence(errors.hasCommonArea)}
                </small>
              ) : null}
            </fieldset>
            <Input label="About the common area (optional)" name="commonAreaNote" errors={errors} />
            <Input label="Parking spaces (optional)" name="parkingSpaces" errors={errors} inputMode="numeric" />
            <Input label="Your name" name="contactName" errors={errors} autocomplete="name" />
            <Input label="Your email" name="contactEmail" type="email" errors={errors} autocomplete="email" />
            <Input label="Phone (optional)" name="contactPhone" type="tel" errors={errors} autocomplete="tel" />
            <div class={`field ${errors.message ? 'has-error' : ''}`}>
              <label for="pm-message">Anything else (optional)</label>
              <textarea id="pm-message" name="message" rows={3} />
              {errors.message ? <small class="field-error">{sentence(errors.message)}</small> : null}
            </div>
            <div class="buttons">
              <button type="submit" disabled={busy || list.length === 0}>
                Send my inquiry
              </button>
            </div>
          </form>
        </Card>
      )}
    </Page>
  );
}
