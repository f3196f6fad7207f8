/**
 * Where time-dependent logic reads the time. Production uses the system clock; tests inject a
 * ManualClock so deadlines (offer expiry, heartbeat grace, SLA targets) are hit exactly.
 */
export interface Clock {
  now(): Date;
}

/** Nest injection token for a service's Clock. */
export const CLOCK = Symbol('omni.clock');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to (tests). */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = Date.now()) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string | number): void {
    this.current = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
