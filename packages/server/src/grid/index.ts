/** Grid context: the utility's view of when, where and at what level its customers charge. */
export { GRID_MAX_DAYS, GridService, PEAK_PERIOD, type GridDay, type GridView } from './grid.service.js';
