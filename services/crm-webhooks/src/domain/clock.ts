/**
 * Where delivery scheduling reads the time (next attempt, the 24 h retry window, the ordering
 * settle delay). Production uses the system clock; tests move time to cross the retry window.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('omni.crm-webhooks.clock');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

/** Real time plus a jump the test controls: deliveries keep flowing, and a day can pass at once. */
export class OffsetClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
