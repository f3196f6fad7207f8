import { ErrorCode } from '@omni/contracts';
import {
  checkAccountAgreement,
  checkCapabilities,
  checkEvent,
  checkHandshake,
  checkInspect,
  checkInterpretError,
  checkInterpretSuccess,
  checkOutboundSample,
  checkParse,
  checkPostIsNotHandshake,
  checkRejectsMalformed,
  checkSignature,
  checkUnsupported,
  DEFAULT_NOW,
  GENERIC_MALFORMED_BODIES,
} from './checks';
import type { ProviderRequest } from '../adapter';
import type { ConformanceSubject } from './fixtures';
import { generatedSamples, withContent, type OutboundSample } from './samples';

export * from './fixtures';
export * from './checks';
export { generatedSamples, withContent, CONFORMANCE_LAST_INBOUND_ID, type OutboundSample } from './samples';

/**
 * The channel conformance kit: a jest suite every channel runs against its own fixtures.
 *
 * It checks, without knowing the provider: the handshake; that every signed fixture verifies and
 * that wrong secrets and missing headers are refused (401/403), plus what fits the declared auth
 * kind (a body signature refuses tampered bytes; a header secret must match exactly); that
 * `inspect` names an account and a thread for every valid body, the same account `parse` gives
 * the events, and refuses garbage with MalformedPayloadError (→ 400); that `parse` gives ≥ 1 well-formed, serialisable, uniquely keyed,
 * deterministic event per body and turns unknown kinds into `unsupported`; that `format` respects
 * the declared capabilities on inputs sitting on and past each limit, keeps credentials out, and
 * `toHttp` yields a concrete request; and that `interpret` maps successes and errors.
 *
 * Call it at the top level of a spec file:
 *
 *   describeChannelConformance('messenger', { adapter, parser: messengerParser, fixtures });
 */
/** What interpret checks run against while `format` cannot produce a request yet. */
const PROBE_REQUEST: ProviderRequest = { method: 'POST', path: '/conformance-probe', json: {}, purpose: 'conformance probe' };

export function describeChannelConformance(name: string, subject: ConformanceSubject): void {
  const { adapter, fixtures } = subject;

  describe(`${name} channel conformance`, () => {
    it('declares sane capabilities and webhook paths', () => checkCapabilities(adapter));

    describe('handshake', () => {
      it(adapter.handshake ? 'answers the provider challenge and refuses a wrong token' : 'has none, and no fixture claims one', () =>
        checkHandshake(adapter, fixtures),
      );
      if (adapter.handshake && fixtures.signedWebhooks[0]) {
        it('treats a signed POST as an event delivery, not a handshake', () => checkPostIsNotHandshake(adapter, fixtures, fixtures.signedWebhooks[0]!));
      }
    });

    const valid = [...fixtures.signedWebhooks, ...(fixtures.unsupportedWebhooks ?? [])];

    describe('verify', () => {
      it('has fixtures to check', () => expect(fixtures.signedWebhooks.length).toBeGreaterThan(0));
      const refuses =
        adapter.auth?.kind === 'header-secret'
          ? `a wrong, longer, shorter or re-cased ${adapter.auth.header}, or none`
          : `a tampered body${adapter.auth?.coversUrl ? ' or URL' : ''}, a wrong secret, a missing header`;
      it.each(valid.map((w) => [w.name, w] as const))(`%s: verifies, and refuses ${refuses}`, (_n, webhook) => checkSignature(adapter, fixtures, webhook));
    });

    describe('inspect', () => {
      it.each(valid.map((w) => [w.name, w] as const))('%s: names the account and the thread', (_n, webhook) => checkInspect(adapter, fixtures, webhook));
      it.each(valid.map((w) => [w.name, w] as const))('%s: names the account parse gives its events', (_n, webhook) => checkAccountAgreement(subject, fixtures, webhook));
      const malformed = [...GENERIC_MALFORMED_BODIES, ...(fixtures.malformedBodies ?? [])];
      it.each(malformed.map((m) => [m.name, m] as const))('refuses %s with MalformedPayloadError (inspect and parse)', (_n, body) =>
        checkRejectsMalformed(adapter, fixtures, body),
      );
    });

    describe('parse', () => {
      it.each(fixtures.signedWebhooks.map((w) => [w.name, w] as const))('%s: well-formed, keyed, deterministic events', (_n, webhook) => {
        checkParse(subject, fixtures, webhook);
      });
      if (fixtures.unsupportedWebhooks?.length) {
        it.each(fixtures.unsupportedWebhooks.map((w) => [w.name, w] as const))('%s: kept as unsupported content', (_n, webhook) =>
          checkUnsupported(subject, fixtures, webhook),
        );
      }
      it('every fixture event passes the structural rules on its own', () => {
        for (const webhook of fixtures.signedWebhooks) for (const event of checkParse(subject, fixtures, webhook)) checkEvent(adapter, event);
      });
    });

    describe('format and toHttp', () => {
      const samples: OutboundSample[] = [
        ...generatedSamples(fixtures.outbound.base, adapter.capabilities),
        ...(fixtures.outbound.samples ?? []).map((s) => ({ name: s.name, approved: withContent(s.approved, s.approved.request?.content ?? {}) })),
      ];
      it.each(samples.map((s) => [s.name, s] as const))('%s: fits the declared capabilities and yields concrete HTTP', (_n, sample) => {
        checkOutboundSample(adapter, fixtures, sample);
      });
    });

    describe('interpret', () => {
      // A real request when format works; interpret's own checks do not wait for format otherwise.
      const firstRequest = (): ProviderRequest => {
        try {
          return adapter.format(withContent(fixtures.outbound.base, { text: 'Hello from the conformance kit.' }))[0] ?? PROBE_REQUEST;
        } catch {
          return PROBE_REQUEST;
        }
      };
      it('has at least one success and one error fixture', () => {
        expect(fixtures.successResponses.length).toBeGreaterThan(0);
        expect(fixtures.errorResponses.length).toBeGreaterThan(0);
      });
      if (fixtures.successResponses.length) {
        it.each(fixtures.successResponses.map((s) => [s.name, s] as const))('success: %s', (_n, success) =>
          checkInterpretSuccess(adapter, fixtures, firstRequest(), success),
        );
      }
      if (fixtures.errorResponses.length) {
        it.each(fixtures.errorResponses.map((e) => [e.name, e] as const))('error: %s', (_n, failure) =>
          checkInterpretError(adapter, fixtures, firstRequest(), failure),
        );
      }
      it('treats a bare 503 from a proxy as the provider being down, retryable', () =>
        checkInterpretError(adapter, fixtures, firstRequest(), {
          name: '503',
          response: { status: 503, headers: { 'content-type': 'text/html' }, body: '<html>Service Unavailable</html>' },
          expectedCode: ErrorCode.PROVIDER_DOWN,
          retryable: true,
        }),
      );
      it('never throws on an unexpected answer', () => {
        for (const body of [undefined, null, '', 'ok', 42, [], {}, { error: 'string' }]) {
          for (const status of [200, 400, 500]) {
            expect(() => adapter.interpret(firstRequest(), { status, headers: {}, body }, fixtures.now ?? DEFAULT_NOW)).not.toThrow();
          }
        }
      });
    });
  });
}
