/**
 * The API client: same-origin fetches (the session is an HttpOnly cookie), JSON in and out, and
 * one error type carrying the server's message and field details.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'unavailable', 'The server cannot be reached. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => ({}))) as {
    error?: { code: string; message: string; details?: { field: string; message: string }[] };
  };
  if (!response.ok) {
    throw new ApiError(
      response.status,
      json.error?.code ?? 'error',
      json.error?.message ?? `The server answered ${response.status}.`,
      json.error?.details ?? [],
    );
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);

// ---- What the API answers (the fields the web app reads) ----

export interface Account {
  id: number;
  email: string;
  name: string;
  role: 'driver' | 'program_admin' | 'operator';
  utility: string | null;
  preferences: { distanceUnit: 'km' | 'mi'; temperatureUnit: 'C' | 'F' };
}

export interface DemoStatus {
  state: 'preparing' | 'filling' | 'live' | 'stopped' | 'failed';
  vehicles: number;
  days: number;
  progress: number;
  records: number;
  message?: string;
}

export interface AppConfig {
  mapTileUrl: string;
  demo: DemoStatus | null;
}

export interface Shipment {
  id: number;
  kind: 'device' | 'y_cable' | 'return';
  status: string;
  carrier: string | null;
  trackingNumber: string | null;
  requestedAt: string;
  shippedAt: string | null;
  closedAt: string | null;
}

export interface ApplicationVehicle {
  id: number;
  vehicleId: number;
  make: string;
  model: string;
  modelYear: number;
  vin: string | null;
  status: string;
  eligibility: { eligible: boolean; reasons: { ok: boolean; message: string }[] };
  joinedAt: string | null;
  device: { serial: string; status: string; firstSeenAt: string | null; lastSeenAt: string | null } | null;
  shipments: Shipment[];
  /** After leaving: send the device back (never activated) or keep it, in words. */
  deviceReturn?: {
    serial: string;
    mustReturn: boolean;
    instructions: string;
    returnStatus: string | null;
    returnReceivedAt: string | null;
  } | null;
}

export interface Application {
  id: number;
  program: { id: number; slug: string; name: string; utility: string };
  status: string;
  appliedAt: string;
  decidedAt: string | null;
  decisionNote: string | null;
  paypalEmail: string | null;
  leftAt?: string | null;
  applicant?: { id: number; name: string; email: string };
  vehicles: ApplicationVehicle[];
}

export interface PublicProgram {
  slug: string;
  name: string;
  utility: string;
  region: string | null;
  description: string | null;
  timeZone: string;
  currency: string;
  pointsPerUnit: number;
  rewardDisplay: 'money' | 'points';
  eligibility: { powertrains: string[]; note?: string; homeCountry?: string; homeRegions?: string[] };
  vehicleList: { make: string; model: string; yearFrom?: number; yearTo?: number }[];
  unlistedVehiclesMayApply: boolean;
  supportEmail: string | null;
  supportPhone: string | null;
  supportHours: string | null;
  rewardRules: { key: string; type: string; label: string; points?: number }[];
  /** Each reward rule in plain words, in money or points as the program shows rewards. */
  rewardRuleSentences: { key: string; label: string; sentence: string }[];
  /** How rewards are paid: PayPal monthly, and/or a gift card at each year's end or the program's. */
  payoutOptions?: {
    paypal?: { minimumPoints: number };
    giftCard?: { brand: string; when: 'year_end' | 'program_end' };
  };
  territory?: unknown;
}

export interface Day {
  day: string;
  trips: number;
  distanceM: number;
  electricDistanceM: number;
  driveWh: number;
  driveHvacWh: number;
  driveAuxWh: number;
  sessions: number;
  chargeWallWh: number;
  chargeBatteryWh: number;
  chargeL1Wh: number;
  chargeL2Wh: number;
  chargeDcfcWh: number;
  chargeInTerritoryWh: number;
  chargeAuxWh: number;
  /** While plugged in: heating or cooling (pre-conditioning); chargeAuxWh is the other low-voltage loads. */
  chargeHvacWh?: number;
  /** The day's charging at the program's rates; null when it has published none. */
  cost?: ChargeCost | null;
  co2G: number;
  fuelCo2G: number;
  co2AvoidedG: number;
  ambientMeanC: number | null;
  ambientMinC: number | null;
  ambientMaxC: number | null;
}

export interface Trip {
  vehicleId: number;
  startedAt: string;
  endedAt: string;
  complete: boolean;
  localDate: string;
  distanceM: number;
  electricDistanceM: number;
  energyWh: number;
  hvacWh: number;
  auxWh: number;
  socStartPct: number | null;
  socEndPct: number | null;
  ambientMeanC: number | null;
  co2G: number | null;
  co2AvoidedG: number | null;
}

export interface ChargeSession {
  vehicleId: number;
  pluggedAt: string;
  unpluggedAt: string;
  complete: boolean;
  localDate: string;
  kind: 'ac' | 'dc' | null;
  level: 'L1' | 'L2' | 'DCFC' | null;
  chargingS: number;
  batteryWh: number;
  wallWh: number;
  peakW: number | null;
  socStartPct: number | null;
  socEndPct: number | null;
  latDeg: number | null;
  lonDeg: number | null;
  inTerritory: boolean | null;
  belowMinimum: boolean;
  /** While charging: heating or cooling, and (auxWh) the other low-voltage loads. */
  hvacWh?: number;
  auxWh: number;
  /** The charge at the program's rates; null when it has published none. */
  cost?: ChargeCost | null;
  co2G: number | null;
  /** Outside temperature while plugged in (°C). */
  ambientMeanC?: number | null;
  ambientMinC?: number | null;
  ambientMaxC?: number | null;
}

export interface HealthWeek {
  weekStart: string;
  sohPct: number | null;
  sohLowPct: number | null;
  sohHighPct: number | null;
  sohBasis: 'ac' | 'dc' | null;
  powerCapacityPct: number | null;
  powerCapacityLowPct: number | null;
  powerCapacityHighPct: number | null;
  capacityAcWh: number | null;
  capacityAcEstimates: number;
  capacityDcEstimates: number;
  resistanceTrips: number;
  bmsSohPct: number | null;
  /** Days of estimates behind the week's values (the window, widened when estimates are few). */
  windowDays?: number;
}

export interface TracePoint {
  t: number;
  socPct: number | null;
  speedMps: number | null;
  powerW: number | null;
  ambientC: number | null;
  hvacW: number | null;
  auxW: number | null;
  chargeW: number | null;
}

export interface LedgerEntry {
  id: number;
  kind: string;
  points: number;
  ruleKey: string | null;
  period: string | null;
  /** The rule's own account of why: a sentence, and the sessions that earned it. */
  explanation: { rule: string; summary: string; sessions?: { pluggedAt?: string; wallKwh?: number }[] } & Record<
    string,
    unknown
  >;
  reason: string | null;
  createdAt: string;
  vehicleId: number | null;
}

export interface Ledger {
  enrollmentId: number;
  program: string;
  display: 'money' | 'points';
  pointsPerUnit: number;
  currency: string;
  balance: number;
  /** e.g. "12.34 CAD" */
  balanceMoney: string;
  entries: LedgerEntry[];
}

export interface Share {
  id: number;
  vehicleId: number;
  label: string | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  active: boolean;
  url?: string;
}

export interface Notification {
  id: number;
  subject: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

/** Today's local date, as the API's days (YYYY-MM-DD), and `n` days before it. */
export function isoDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

export function daysAgo(n: number, from = new Date()): string {
  const date = new Date(from);
  date.setDate(date.getDate() - n);
  return isoDay(date);
}

// ---- Program administration (staff) ----

/** A program as its staff read it (GET /programs, /programs/:slug when signed in as staff). */
export interface StaffProgram {
  id: number;
  slug: string;
  name: string;
  utility: string;
  timeZone: string;
  territory: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown } | null;
  tou: { periods: string[]; rules: unknown[]; default: string } | null;
  /** Electricity prices by period and season (the drivers' charging cost); null: none published. */
  ratePlan?: RatePlan | null;
  gridGPerKwh: number;
  region: string | null;
  description: string | null;
  eligibility: {
    powertrains: ('BEV' | 'PHEV')[];
    utilityCustomersOnly?: boolean;
    utilityAccountPattern?: string;
    utilityAccountHint?: string;
    note?: string;
  };
  vehicleList: ListedVehicle[];
  unlistedVehiclesMayApply: boolean;
  applicationsOpenOn: string | null;
  applicationsCloseOn: string | null;
  collectionStartsOn: string | null;
  collectionEndsOn: string | null;
  participantTarget: number | null;
  supportEmail: string | null;
  supportPhone: string | null;
  supportHours: string | null;
  rewardRules: ({ key: string; type: string; label: string } & Record<string, unknown>)[];
  /** Each reward rule in plain words, as drivers read it (computed by the server; never sent back). */
  rewardRuleSentences: RewardRuleSentence[];
  currency: string;
  pointsPerUnit: number;
  rewardDisplay: 'money' | 'points';
  payoutOptions: {
    paypal?: { minimumPoints: number };
    giftCard?: { brand: string; when: 'year_end' | 'program_end' };
  };
  createdAt: string;
  updatedAt: string;
}

export interface RewardRuleSentence {
  key: string;
  label: string;
  sentence: string;
}

export interface ListedVehicle {
  make: string;
  model: string;
  yearFrom?: number;
  yearTo?: number;
}

/** A shipment as staff see it (GET /programs/:slug/shipments, and inside applications). */
export interface StaffShipment {
  id: number;
  enrollmentVehicleId: number;
  kind: 'device' | 'y_cable' | 'return';
  status: 'requested' | 'shipped' | 'delivered' | 'received' | 'cancelled';
  deviceId: number | null;
  carrier: string | null;
  trackingNumber: string | null;
  note: string | null;
  requestedAt: string;
  shippedAt: string | null;
  closedAt: string | null;
}

/** A shipment in a program's queue (GET /programs/:slug/shipments): with whom it is for and what it carries. */
export interface ProgramShipment extends StaffShipment {
  participant: {
    applicationId: number;
    applicationStatus: string;
    accountId: number;
    name: string;
    email: string;
  };
  vehicle: {
    enrollmentVehicleId: number;
    vehicleId: number;
    status: string;
    make: string;
    model: string;
    modelYear: number;
    vin: string | null;
  };
  device: { serial: string; status: string } | null;
}

/** GET /programs/:slug/summary: the program's counts by status. */
export interface ProgramSummary {
  program: string;
  participantTarget: number | null;
  applications: Record<'applied' | 'approved' | 'declined' | 'withdrawn' | 'left', number>;
  vehicles: Record<'pending' | 'approved' | 'declined' | 'replaced' | 'left', number>;
  /** The participants' vehicles by the status of their device; none: waiting for one. */
  devices: Record<'none' | DeviceStatus, number>;
  shipments: Record<'requested' | 'shipped', Record<'device' | 'y_cable' | 'return', number>>;
}

export type DeviceStatus = 'provisioned' | 'shipped' | 'installed' | 'active' | 'removed' | 'returned';

export interface InventoryDevice {
  id: number;
  serial: string;
  status: DeviceStatus;
  statusChangedAt: string;
  /** Provisioned and in no vehicle: any program may ship it. */
  inStock: boolean;
  vehicleId: number | null;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  revoked: boolean;
}

/** GET /device-inventory: operators see every device; an administrator the stock and their utility's. */
export interface DeviceInventory {
  scope: 'all' | 'utility';
  utility: string | null;
  inStock: number;
  counts: Record<DeviceStatus, number>;
  devices: InventoryDevice[];
}

export interface StaffApplicationVehicle extends Omit<ApplicationVehicle, 'shipments' | 'eligibility'> {
  slotId: number;
  endedAt: string | null;
  eligibility: {
    eligible: boolean;
    needsReview?: boolean;
    powertrain?: string | null;
    reasons: { check?: string; ok: boolean; message: string }[];
  };
  shipments: StaffShipment[];
}

/** An application as staff see it: with the applicant, address and account number. */
export interface StaffApplication extends Omit<Application, 'vehicles'> {
  homeAddress: { line1: string; line2?: string; city: string; region: string; postalCode: string; country: string };
  utilityAccount: string;
  leftAt: string | null;
  leaveReason: string | null;
  leaveNote: string | null;
  vehicles: StaffApplicationVehicle[];
}

export interface GridDay {
  day: string;
  vehicles: number;
  wallWh: number;
  l1Wh: number;
  l2Wh: number;
  dcfcWh: number;
  inTerritoryWh: number;
  distanceM: number;
  hourlyWh: number[];
  touWh: Record<string, number>;
}

/** GET /programs/:slug/grid (see the server's grid.service.ts). */
export interface GridView {
  program: { slug: string; name: string; utility: string; timeZone: string };
  from: string;
  to: string;
  computedAt: string;
  days: GridDay[];
  profileKw: { all: number[]; weekday: number[]; weekend: number[] };
  peakHour: number;
  peakKw: number;
  totals: {
    wallWh: number;
    byLevelWh: { L1: number; L2: number; DCFC: number; unknown: number };
    inTerritoryShare: number | null;
    byTouWh: Record<string, number>;
    vehicles: number;
  };
  contributors: {
    vehicleId: number;
    vehicle: string;
    chargeDays: number;
    wallWh: number;
    peakHourKw: number;
    peakHourShare: number;
    peakPeriodWh: number;
    dcfcShare: number;
  }[];
  /** Demand-response events overlapping the range. */
  events: GridEvent[];
}

export interface GridEvent {
  id: number;
  name: string;
  target: 'curtail' | 'shift' | 'cap';
  status: 'scheduled' | 'active' | 'completed' | 'cancelled';
  startsAt: string;
  endsAt: string;
  /** The measured fleet shed (kW), once measured. */
  shedKwFleet: number | null;
}

/** GET /programs/:slug/grid/groups (docs/distribution.md). */
export interface GridGroup {
  id: number;
  kind: 'feeder' | 'transformer';
  code: string;
  name: string | null;
  ratingKva: number | null;
  parentCode: string | null;
  hasArea: boolean;
  servicePoints: number;
  participants: number;
  uploadedAt: string;
}

/** PUT /programs/:slug/grid/groups. */
export interface GridUploadResult {
  groups: GridGroup[];
  servicePoints: number;
  unmatchedServicePoints: string[];
}

/** GET /programs/:slug/grid/distribution. */
export interface DistributionView {
  program: { slug: string; timeZone: string };
  from: string;
  to: string;
  homeRadiusM: number;
  groups: {
    id: number;
    kind: 'feeder' | 'transformer';
    code: string;
    name: string | null;
    ratingKva: number | null;
    parentCode: string | null;
    participants: number;
    coincidentPeakKw: number;
    peakAt: string | null;
    hoursAboveRating: number | null;
  }[];
  unassignedParticipants: { count: number; enrollmentIds: number[]; coincidentPeakKw: number; peakAt: string | null };
}

/** Sends a file's text as it is (a CSV, a GeoJSON) with its content type; errors as api() gives them. */
export async function sendText<T>(method: string, path: string, text: string, contentType: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': contentType },
      body: text,
    });
  } catch {
    throw new ApiError(0, 'unavailable', 'The server cannot be reached. Check your connection and try again.');
  }
  const json = (await response.json().catch(() => ({}))) as {
    error?: { code: string; message: string; details?: { field: string; message: string }[] };
  };
  if (!response.ok) {
    throw new ApiError(
      response.status,
      json.error?.code ?? 'error',
      json.error?.message ?? `The server answered ${response.status}.`,
      json.error?.details ?? [],
    );
  }
  return json as T;
}

/** GET /grid/regions: every program the caller manages, side by side. */
export interface RegionsView {
  from: string;
  to: string;
  regions: {
    slug: string;
    name: string;
    utility: string;
    region: string | null;
    vehicles: number;
    distanceM: number;
    wallWh: number;
    byLevelWh: { L1: number; L2: number; DCFC: number };
    inTerritoryShare: number | null;
    co2AvoidedG: number;
  }[];
}

export interface Balance {
  enrollmentId: number;
  accountId: number;
  /** The participant's name and email. */
  name: string;
  email: string;
  status: 'approved' | 'left';
  earned: number;
  adjusted: number;
  paidOut: number;
  balance: number;
  /** "12.34 CAD", rounded down to the cent. */
  balanceMoney: string;
}

export interface ProgramBalances {
  program: string;
  currency: string;
  pointsPerUnit: number;
  totals: { earned: number; adjusted: number; paidOut: number; balance: number; balanceMoney: string };
  balances: Balance[];
}

export interface PayoutItem {
  id: number;
  batchId: number;
  enrollmentId: number;
  points: number;
  amountCents: number;
  currency: string;
  receiver: string;
  senderItemId: string;
  providerItemId: string | null;
  status: string;
  statusDetail: string | null;
  updatedAt: string;
}

export interface PayoutBatch {
  id: number;
  programId: number;
  provider: 'paypal' | 'gift_card';
  period: string;
  senderBatchId: string;
  status: 'created' | 'submitted' | 'processing' | 'completed' | 'failed' | 'exported';
  providerBatchId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  submittedAt: string | null;
  completedAt: string | null;
  items?: PayoutItem[];
}

export interface Reconciliation {
  program: string;
  ok: boolean;
  problems: string[];
  totals: {
    items: number;
    paidPoints: number;
    inFlightPoints: number;
    reversedPoints: number;
    ledgerDebits: number;
    ledgerReversals: number;
    paypalBatchesChecked: number;
  };
}

export interface ProgramEvaluation {
  program: string;
  slots: number;
  entitlements: number;
  added: number;
  points: number;
}

export type InquiryStatus = 'new' | 'contacted' | 'qualified' | 'declined' | 'installed';

export interface PropertyInquiry {
  id: number;
  program: { id: number; slug: string; name: string; utility: string } | null;
  buildingName: string;
  address: { line1: string; line2?: string; city: string; region: string; postalCode: string; country: string };
  units: number;
  hasCommonArea: boolean;
  commonAreaNote: string | null;
  parkingSpaces: number | null;
  contactName: string;
  contactEmail: string;
  contactPhone: string | null;
  message: string | null;
  status: InquiryStatus;
  adminNote: string | null;
  prequalification: { likelyToQualify: boolean; reasons: string[] };
  createdAt: string;
  updatedAt: string;
}

/** An account as operators list them (GET /accounts). */
export interface StaffAccount extends Account {
  createdAt: string;
}

// Rewards page (driver's rewards and leaving)
/** Points, and the whole cents they are worth. */
export interface RewardAmount {
  points: number;
  cents: number;
}

export interface RewardsView {
  enrollmentId: number;
  program: { slug: string; name: string };
  status: string;
  leftAt: string | null;
  display: 'money' | 'points';
  pointsPerUnit: number;
  currency: string;
  earned: RewardAmount;
  owed: RewardAmount;
  onItsWay: RewardAmount;
  paid: RewardAmount;
  nextPayout: {
    method: 'paypal' | 'gift_card';
    how: string;
    to: string | null;
    on: string | null;
    period: string;
    minimumPoints: number;
    /** PayPal is the way but the server has no PayPal credentials yet: no date can be promised. */
    waitingForSetup?: boolean;
  } | null;
  canChangePayment: boolean;
  stillToEarn: { key: string; label: string; amount: RewardAmount }[];
  /** The start bonus was earned in an earlier participation in this program (it is paid once). */
  startBonusEarnedBefore?: boolean;
  earnings: {
    id: number;
    kind: 'reward' | 'adjustment';
    rule: string;
    summary: string;
    period: string | null;
    amount: RewardAmount;
    earnedAt: string;
    recordedAt: string;
  }[];
  payments: {
    id: number;
    method: 'paypal' | 'gift_card';
    how: string;
    to: string;
    period: string;
    amount: RewardAmount;
    state: 'paid' | 'on_its_way' | 'waiting_for_claim' | 'not_paid';
    sentAt: string;
    settledAt: string | null;
  }[];
}

// ---- Device stock (staff must never need a terminal) ----

export type StockState = 'in_stock' | 'shipped' | 'installed' | 'active' | 'removed' | 'returned' | 'revoked';

export interface StockProgram {
  id: number;
  slug: string;
  name: string;
}

export interface StockDevice {
  id: number;
  serial: string;
  state: StockState;
  status: DeviceStatus;
  statusChangedAt: string;
  /** Whose stock: a program's, or null for the shared stock. */
  stockProgram: StockProgram | null;
  vehicleId: number | null;
  revoked: boolean;
  createdAt: string;
  lastSeenAt: string | null;
}

/** GET /device-stock: the devices the caller handles, newest first. */
export interface StockView {
  scope: 'all' | 'utility';
  utility: string | null;
  programs: StockProgram[];
  /** Operators: may add to the shared stock and move stock between programs. */
  sharedStock: boolean;
  counts: Record<StockState, number>;
  devices: StockDevice[];
  more: boolean;
}

/** POST /device-stock: each new device's secret, shown this once. */
export interface AddedStock {
  program: StockProgram | null;
  added: { serial: string; secret: string; line: number }[];
}

export interface DeviceHistoryEvent {
  at: string;
  kind:
    | 'provisioned'
    | 'status'
    | 'credential_rotated'
    | 'credential_revoked'
    | 'assigned'
    | 'unassigned'
    | 'stock_assigned';
  status: DeviceStatus | null;
  vehicleId: number | null;
  note: string | null;
  by: { accountId: number; name: string; email: string } | null;
}

/** GET /device-stock/:serial: one device and what happened to it, with who did it. */
export interface StockDeviceHistory extends StockDevice {
  events: DeviceHistoryEvent[];
}

// ---- Charging cost and history progress (insights) ----

/** What a charge or a day of charging cost at the program's rates, in its currency. */
export interface ChargeCost {
  currency: string;
  amount: number;
  /** The same energy at the comparison price, named in comparedWith. */
  compared: number;
  saved: number;
  comparedWith: { label: string; pricePerKwh: number };
  byPeriod: Record<string, { wh: number; amount: number }>;
}

export interface RatePlanRule {
  period: string;
  days: 'all' | 'weekdays' | 'weekends';
  from_hour: number;
  to_hour: number;
}

export interface RatePlan {
  name: string;
  periods: { key: string; label: string; pricePerKwh: number }[];
  seasons: { label: string; from: string; rules: RatePlanRule[]; default: string }[];
  holidays?: string[];
  compareWith?: { period: string } | { label: string; pricePerKwh: number };
  source?: string;
  note?: string;
}

/** GET /vehicles/:id/overview: whether the history is still arriving, and the rates charging is priced at. */
export interface VehicleOverview {
  data: {
    receivedFrom: string | null;
    receivedTo: string | null;
    derivedTo: string | null;
    lastDay: string | null;
    trips: number;
    sessions: number;
    deriving: boolean;
  };
  rates: {
    name: string;
    currency: string;
    timeOfUse: boolean;
    periods: { key: string; label: string; pricePerKwh: number }[];
    comparison: { label: string; pricePerKwh: number };
    source: string | null;
    note: string | null;
  } | null;
}

// ---- Demand response (issue 18): the answers' types live beside their words in demand.ts ----
export type {
  DrEvent,
  DrEventResult,
  DrEventStatus,
  DrInterval,
  DrTarget,
  EventPreferences,
  MyEvent,
  OptOutByToken,
} from './demand';
