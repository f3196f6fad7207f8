/** Injectable time source so window/reopen rules can be tested at their boundaries. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
