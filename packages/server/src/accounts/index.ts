/** Accounts context: drivers, program administrators and operators; sessions; password resets. */
export {
  AccountService,
  actorOf,
  emailKeyOf,
  LOGIN_MAX_FAILURES_PER_EMAIL,
  LOGIN_WINDOW_MS,
  ZChangePasswordSchema,
  ZCreateAccountSchema,
  ZResetPasswordSchema,
  ZResetRequestSchema,
  ZSignInSchema,
  ZSignUpSchema,
  type Account,
  type AccountSettings,
  type SignedIn,
} from './account.service.js';
export { ACCOUNT_ROLES, type AccountRole } from './account.repository.js';
