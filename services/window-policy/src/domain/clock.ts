/**
 * Where decisions read the time. Production uses the system clock; tests inject a ManualClock so
 * window boundaries (23:59:59 vs 24:00:00, 7 days, quiet hours) are exact.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('omni.window-policy.clock');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to (tests). */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
