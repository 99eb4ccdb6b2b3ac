/** Accounts context: drivers, program administrators and operators; sessions; password resets. */
export {
  AccountService,
  actorOf,
  emailKeyOf,
  LOGIN_MAX_FAILURES_PER_EMAIL,
  LOGIN_WINDOW_MS,
  ZChangePasswordSchema,
  ZCreateAccountSchema,
  ZPreferencesSchema,
  ZResetPasswordSchema,
  ZResetRequestSchema,
  ZSignInSchema,
  ZSignUpSchema,
  type Account,
  type AccountSettings,
  type SignedIn,
} from './account.service.js';
export {
  ACCOUNT_ROLES,
  DISTANCE_UNITS,
  TEMPERATURE_UNITS,
  type AccountRole,
  type DistanceUnit,
  type TemperatureUnit,
} from './account.repository.js';
