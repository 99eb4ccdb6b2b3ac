/** Accounts context: drivers, program administrators and operators; sessions; password resets. */
export {
  AccountService,
  actorOf,
  emailKeyOf,
  ZChangePasswordSchema,
  ZCreateAccountSchema,
  ZPreferencesSchema,
  ZResetPasswordSchema,
  ZResetRequestSchema,
  ZSignInSchema,
  ZSignUpSchema,
  type Account,
  type AccountSettings,
  type PasswordChangeContext,
  type SignedIn,
} from './account.service.js';
export { DEFAULT_PASSWORD_COST, type PasswordCost } from './password.js';
export {
  LOGIN_MAX_FAILURES_PER_CLIENT,
  LOGIN_MAX_FAILURES_PER_EMAIL,
  LOGIN_MAX_FAILURES_PER_IP,
  LOGIN_WINDOW_MS,
} from './sign-in-throttle.js';
export {
  ACCOUNT_ROLES,
  DISTANCE_UNITS,
  TEMPERATURE_UNITS,
  type AccountRole,
  type DistanceUnit,
  type TemperatureUnit,
} from './account.repository.js';
