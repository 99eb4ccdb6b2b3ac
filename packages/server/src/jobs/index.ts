/** Jobs context: scheduled work inside the server, on a schedule shared through the database. */
export {
  Scheduler,
  type JobContext,
  type JobDefinition,
  type JobRunResult,
  type JobRunRow,
  type JobStatus,
  type SchedulerOptions,
} from './scheduler.js';
export { nextRunAfter, validateSchedule, type Schedule } from './schedule.js';
export { JOB_NAMES, platformJobs } from './platform-jobs.js';
