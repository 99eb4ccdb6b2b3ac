/** Vehicles context: the vehicles devices are installed in. */
export { VehicleService, ZCreateVehicleSchema, type TCreateVehicle, type Vehicle } from './vehicle.service.js';
