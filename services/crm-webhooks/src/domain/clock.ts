/**
 * Where delivery scheduling reads the time (next attempt, the 24 h retry window, the ordering
 * settle delay): the shared Clock of @omni/service-kit, plus a clock for e2e tests that must let
 * real deliveries flow and still cross a day at once.
 */
import type { Clock } from '@omni/service-kit';

export { CLOCK, ManualClock, systemClock, type Clock } from '@omni/service-kit';

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
