import { ConsentState } from '@omni/contracts';
import { consentSignal, keywordSignal } from './keywords';

describe('consent keywords', () => {
  it.each([
    ...['STOP', 'stop', ' Stop ', 'STOPALL', 'STOP ALL', 'stop   all', 'UNSUBSCRIBE', 'Cancel', 'END', 'quit', 'REVOKE', 'OptOut', 'Stop.', 'STOP!'].map(
      (body) => [body, ConsentState.OPTED_OUT] as const,
    ),
    ...['START', 'yes', 'Unstop'].map((body) => [body, ConsentState.OPTED_IN] as const),
    ...['HELP', 'info', ' Help? '].map((body) => [body, ConsentState.HELP_REQUESTED] as const),
  ])('%j → %s', (body, state) => {
    expect(keywordSignal(body)?.state).toBe(state);
  });

  it.each(['please stop texting me', 'stopped', 'STOP IT', 'yes please', 'help me', '', '1'])('%j is not a keyword', (body) => {
    expect(keywordSignal(body)).toBeUndefined();
  });

  it('normalises the keyword it reports', () => {
    expect(keywordSignal('  stop   all ')).toEqual({ state: ConsentState.OPTED_OUT, keyword: 'STOP ALL' });
  });

  it("lets Twilio's OptOutType decide, naming it when the body is a custom keyword", () => {
    expect(consentSignal('ARRET', 'STOP')).toEqual({ state: ConsentState.OPTED_OUT, keyword: 'STOP' });
    expect(consentSignal('unsubscribe', 'STOP')).toEqual({ state: ConsentState.OPTED_OUT, keyword: 'UNSUBSCRIBE' });
    expect(consentSignal('hello', undefined)).toBeUndefined();
    expect(consentSignal('stop', 'SOMETHING_NEW')).toEqual({ state: ConsentState.OPTED_OUT, keyword: 'STOP' });
  });
});
