/** Where the router reads the time: the shared Clock of @omni/service-kit (a fixed one in tests). */
export { CLOCK, systemClock, type Clock } from '@omni/service-kit';
