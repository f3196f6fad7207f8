import { Writable } from 'node:stream';
import { createLogger, MAX_ERROR_TEXT_CHARS, redactLogValue, scrubErrorText } from './index';

function capture(): { stream: Writable; text: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return { stream, text, lines: () => text().trim().split('\n').map((l) => JSON.parse(l)) };
}

const SECRET_TEXT = 'my card is 4111 1111 1111 1111';
const PHONE = '+33612345678';

describe('log redaction', () => {
  it('redacts sensitive keys at any depth: message.content.text, from, channelUserId, signature headers', () => {
    const { stream, text, lines } = capture();
    const logger = createLogger({ service: 'redaction-test', destination: stream });
    logger.info(
      {
        rawId: 'r-1',
        event: { message: { content: { kind: { value: { text: SECRET_TEXT } } }, sender: { channelUserId: PHONE, displayName: 'Ana Ruiz' } } },
        form: { From: PHONE, To: '+14155550101', Body: SECRET_TEXT },
        request: { headers: { 'X-Twilio-Signature': 'c2lnbmF0dXJl', 'x-hub-signature-256': 'sha256=abc', 'X-Telegram-Bot-Api-Secret-Token': 'tg-secret' } },
        deep: [[[[{ password: 'hunter2', accessToken: 'EAAG' }]]]],
      },
      'handled',
    );
    const out = text();
    for (const leaked of [SECRET_TEXT, PHONE, 'Ana Ruiz', 'c2lnbmF0dXJl', 'sha256=abc', 'tg-secret', 'hunter2', 'EAAG', '+14155550101']) expect({ leaked, found: out.includes(leaked) }).toEqual({ leaked, found: false });
    expect(lines()[0]).toMatchObject({ rawId: 'r-1', msg: 'handled', form: { From: '[redacted]', Body: '[redacted]' } });
  });

  it('scrubs and truncates error text in fields, Error objects and the message itself', () => {
    const { stream, text, lines } = capture();
    const logger = createLogger({ service: 'redaction-test', destination: stream });
    const quoted = `Unexpected token 'x', "{\\"text\\":\\"${SECRET_TEXT} call ${PHONE}\\"}" is not valid JSON ${'y'.repeat(5_000)}`;
    logger.error({ err: new SyntaxError(quoted), reason: quoted }, `handler failed: ${quoted}`);
    const out = text();
    expect(out).not.toContain(SECRET_TEXT);
    expect(out).not.toContain(PHONE);
    const [line] = lines();
    expect(String(line!.reason).length).toBeLessThanOrEqual(MAX_ERROR_TEXT_CHARS + 1);
    expect((line!.err as { type: string }).type).toBe('SyntaxError');
    expect(String(line!.msg).length).toBeLessThanOrEqual(1_001);
  });

  it('bounds the walk: deep objects and long arrays cannot make a log call expensive', () => {
    let deep: unknown = { text: SECRET_TEXT };
    for (let i = 0; i < 10_000; i++) deep = { child: deep };
    expect(JSON.stringify(redactLogValue({ deep }))).toContain('[depth]');
    const long = redactLogValue({ items: Array.from({ length: 10_000 }, (_, i) => i) }) as { items: unknown[] };
    expect(long.items.length).toBe(51);
  });

  it('scrubErrorText keeps short quoted names, elides long quoted fragments, masks phones and e-mails', () => {
    expect(scrubErrorText('header does not start with "sha256="')).toBe('header does not start with "sha256="');
    expect(scrubErrorText(`bad "${'z'.repeat(40)}" from jo@example.com`)).toBe('bad "[…40 chars]" from [email]');
  });
});
