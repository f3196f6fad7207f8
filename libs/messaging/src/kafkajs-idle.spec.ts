/**
 * kafkajs's RequestQueue as patched by patches/kafkajs+2.2.4.patch (tulios/kafkajs#1556, the fix of
 * the unreleased PR #1667): no timer while nothing is pending, and throttling / in-flight limits
 * still drain the queue. kafkajs-idle.int-spec.ts checks the same on a real broker.
 */
// kafkajs ships its sources without types for this internal module.
const RequestQueue = require('kafkajs/src/network/requestQueue');

const noop = () => undefined;
const logger = { debug: noop, info: noop, warn: noop, error: noop };

function newQueue(options: { maxInFlightRequests?: number } = {}) {
  return new RequestQueue({
    instrumentationEmitter: { emit: jest.fn() },
    maxInFlightRequests: options.maxInFlightRequests ?? null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'unit',
    broker: '127.0.0.1:9092',
    logger,
  });
}

let nextCorrelationId = 1;
/** Pushes a request that expects a response; `sent()` says whether it reached the socket. */
function push(queue: ReturnType<typeof newQueue>) {
  const correlationId = nextCorrelationId++;
  let sent = false;
  const response = new Promise((resolve, reject) => {
    queue.push({
      entry: { apiKey: 1, apiName: 'Fetch', apiVersion: 11, correlationId, resolve, reject },
      expectResponse: true,
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
