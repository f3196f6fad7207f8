/**
 * Where decisions read the time: the shared Clock of @omni/service-kit. Production uses the system
 * clock; tests inject a ManualClock so window boundaries (23:59:59 vs 24:00:00, 7 days, quiet
 * hours) are exact.
 */
export { CLOCK, ManualClock, systemClock, type Clock } from '@omni/service-kit';
