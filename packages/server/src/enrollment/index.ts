/** Enrollment context: applications, decisions, participation, device shipments and changes, leaving. */
export {
  EnrollmentService,
  eligibilityTermsOf,
  type Application,
  type ApplicationVehicle,
  type ProgramSummary,
} from './enrollment.service.js';
export {
  ParticipationService,
  REMOVED_REMINDER_DAYS,
  SILENT_REMINDER_DAYS,
  type DeviceInventory,
  type InventoryDevice,
} from './participation.service.js';
export { checkProgramOpen, checkUtilityAccount, checkVehicle, type VehicleEligibility } from './eligibility.js';
export {
  ZApplySchema,
  ZChangeVehicleSchema,
  ZDecisionSchema,
  ZDeclineSchema,
  ZEligibilityQuerySchema,
  ZLeaveSchema,
  ZNoteSchema,
  ZPaypalSchema,
  ZShipDeviceSchema,
  ZShipmentQuerySchema,
  ZUpdateShipmentSchema,
  type TApply,
} from './enrollment.schema.js';
export { ENROLLMENT_STATUSES, LEAVE_REASONS, type EnrollmentStatus } from './enrollment.repository.js';
