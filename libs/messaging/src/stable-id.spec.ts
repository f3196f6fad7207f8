import { isUuid, uuidFrom } from './stable-id';

describe('ids', () => {
  it('uuidFrom: the same name gives the same UUID, another name another one', () => {
    expect(uuidFrom('consent:sms:acct:SM1')).toBe(uuidFrom('consent:sms:acct:SM1'));
    expect(uuidFrom('consent:sms:acct:SM1')).not.toBe(uuidFrom('consent:sms:acct:SM2'));
    expect(isUuid(uuidFrom('anything'))).toBe(true);
  });

  it.each([
    ['8f14e45f-ceea-467f-a0d6-6b0b1c7a7e1e', true],
    ['8F14E45F-CEEA-467F-A0D6-6B0B1C7A7E1E', true],
    ['8f14e45fceea467fa0d66b0b1c7a7e1e', false],
    ['8f14e45f-ceea-467f-a0d6-6b0b1c7a7e1', false],
    [' 8f14e45f-ceea-467f-a0d6-6b0b1c7a7e1e', false],
    ['contact-1', false],
    ['', false],
    [undefined, false],
    [42, false],
  ])('isUuid(%p) is %p', (value, expected) => {
    expect(isUuid(value)).toBe(expected);
  });
});
