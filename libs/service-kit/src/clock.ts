/**
 * Where time-dependent logic reads the time. Production uses the system clock; tests inject a
 * ManualClock so deadlines (offer expiry, heartbeat grace, SLA targets) are hit exactly.
 */
export interface Clock {
  now(): Date;
  /**
   * For a clock whose time can jump (ManualClock): calls `listener` after each jump. Due-driven
   * workers subscribe, as they would otherwise sleep through a jump to a due time. Returns the
   * unsubscribe function. The system clock has none: real time does not jump.
   */
  onJump?(listener: () => void): () => void;
}

/** Nest injection token for a service's Clock. */
export const CLOCK = Symbol('omni.clock');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to (tests). */
export class ManualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<() => void>();

  constructor(start: Date | string | number = Date.now()) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string | number): void {
    this.current = new Date(at).getTime();
    this.jumped();
  }

  advance(ms: number): void {
    this.current += ms;
    this.jumped();
  }

  onJump(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private jumped(): void {
    for (const listener of this.listeners) listener();
  }
}
