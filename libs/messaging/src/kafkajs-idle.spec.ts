/**
 * kafkajs's RequestQueue as patched by patches/kafkajs+2.2.4.patch:
 * - tulios/kafkajs#1556 (the fix of the unreleased PR #1667): no timer while nothing is pending, and
 *   throttling / in-flight limits still drain the queue;
 * - the request timeout check: one timer at the earliest in-flight deadline instead of a 100 ms
 *   interval per connection, and none while nothing is in flight; requests still time out.
 * kafkajs-idle.int-spec.ts checks the same on a real broker.
 */
// kafkajs ships its sources without types for this internal module.
const RequestQueue = require('kafkajs/src/network/requestQueue');

const noop = () => undefined;
const logger = { debug: noop, info: noop, warn: noop, error: noop };

function newQueue(options: { maxInFlightRequests?: number; enforceRequestTimeout?: boolean } = {}) {
  return new RequestQueue({
    instrumentationEmitter: { emit: jest.fn() },
    maxInFlightRequests: options.maxInFlightRequests ?? null,
    requestTimeout: 30_000,
    enforceRequestTimeout: options.enforceRequestTimeout ?? false,
    isConnected: () => true,
    clientId: 'unit',
    broker: '127.0.0.1:9092',
    logger,
  });
}

let nextCorrelationId = 1;
/** Pushes a request that expects a response; `sent()` says whether it reached the socket. */
function push(queue: ReturnType<typeof newQueue>, requestTimeout?: number) {
  const correlationId = nextCorrelationId++;
  let sent = false;
  const response = new Promise((resolve, reject) => {
    queue.push({
      entry: { apiKey: 1, apiName: 'Fetch', apiVersion: 11, correlationId, resolve, reject },
      expectResponse: true,
      requestTimeout,
      sendRequest: () => {
        sent = true;
      },
    });
  });
  return {
    correlationId,
    sent: () => sent,
    response,
    fulfill: () => queue.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 }),
  };
}

describe('kafkajs RequestQueue (patched for tulios/kafkajs#1556)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('schedules no timer once a response arrives and nothing is pending', async () => {
    const queue = newQueue();
    const request = push(queue);
    expect(request.sent()).toBe(true);

    request.fulfill(); // -> checkPendingRequests -> scheduleCheckPendingRequests
    await request.response;

    // Unpatched: a timer with a negative delay that re-arms itself on every tick.
    expect(queue.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    queue.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still sends a request queued under client-side throttling when the throttle ends', async () => {
    const queue = newQueue();
    queue.maybeThrottle(100);
    const request = push(queue);
    expect(request.sent()).toBe(false);
    expect(jest.getTimerCount()).toBe(1);

    jest.advanceTimersByTime(99);
    expect(request.sent()).toBe(false);
    jest.advanceTimersByTime(1);
    expect(request.sent()).toBe(true);

    request.fulfill();
    await request.response;
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still drains requests held back by maxInFlightRequests', async () => {
    const queue = newQueue({ maxInFlightRequests: 1 });
    const first = push(queue);
    const second = push(queue);
    expect([first.sent(), second.sent()]).toEqual([true, false]);

    first.fulfill();
    expect(second.sent()).toBe(true);
    second.fulfill();
    await Promise.all([first.response, second.response]);

    jest.runOnlyPendingTimers(); // the 10 ms re-check armed while `second` waited
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('kafkajs RequestQueue request timeouts (patched: no 100 ms interval per connection)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps no timer on a connected queue with nothing in flight', () => {
    const queue = newQueue({ enforceRequestTimeout: true });
    queue.scheduleRequestTimeoutCheck(); // what Connection does once connected
    // Unpatched: setInterval(check, 100) for as long as the connection lives.
    expect(jest.getTimerCount()).toBe(0);
  });

  it('times a request out at its deadline, then keeps no timer', async () => {
    const queue = newQueue({ enforceRequestTimeout: true });
    queue.scheduleRequestTimeoutCheck();
    const request = push(queue);
    const outcome = request.response.then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(jest.getTimerCount()).toBe(1);

    jest.advanceTimersByTime(29_999);
    jest.advanceTimersByTime(2);
    await expect(outcome).resolves.toBe('KafkaJSRequestTimeoutError');
    expect(queue.inflight.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('wakes once per deadline, not ten times a second, while a request is in flight', () => {
    const queue = newQueue({ enforceRequestTimeout: true });
    queue.scheduleRequestTimeoutCheck();
    const request = push(queue);
    const runs = jest.spyOn(queue.inflight, 'forEach');
    jest.advanceTimersByTime(10_000);
    expect(runs).not.toHaveBeenCalled(); // unpatched: 100 checks by now
    request.fulfill();
    return request.response;
  });

  it('re-arms for an earlier deadline when a shorter request follows a longer one', async () => {
    const queue = newQueue({ enforceRequestTimeout: true });
    queue.scheduleRequestTimeoutCheck();
    const long = push(queue, 60_000); // a fetch's own timeout: maxWait + requestTimeout
    const short = push(queue);
    const shortOutcome = short.response.catch((error: Error) => error.name);

    jest.advanceTimersByTime(30_001);
    await expect(shortOutcome).resolves.toBe('KafkaJSRequestTimeoutError');
    expect(queue.inflight.has(long.correlationId)).toBe(true);
    expect(jest.getTimerCount()).toBe(1); // armed again for the long one

    long.fulfill();
    await long.response;
    jest.advanceTimersByTime(30_000); // its old deadline: one check that finds nothing, no re-arm
    expect(jest.getTimerCount()).toBe(0);
  });
});
