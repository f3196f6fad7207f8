/** Where the router reads the time: the system clock in production, a fixed one in tests. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('omni.router.clock');

export const systemClock: Clock = { now: () => new Date() };
