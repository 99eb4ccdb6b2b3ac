/** Notifications context: messages to participants, kept for the portal and mailed. */
export { NotificationService, type Notification, type NotifyInput } from './notification.service.js';
