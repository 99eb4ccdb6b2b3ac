/** Sharing context: read-only links to one vehicle's stats, with an expiry, revocable by the driver. */
export {
  SHARE_MAX_DAYS,
  ShareService,
  ZCreateShareSchema,
  type CreatedShare,
  type OpenedShare,
  type Share,
} from './share.service.js';
export { originOf, type ReachedAt } from './share-origin.js';
