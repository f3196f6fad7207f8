import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor';

describe('opaque cursors', () => {
  const position = { at: new Date('2026-01-15T10:00:00.123Z'), id: '0b8e5a5e-6f55-4a5e-9d6e-6f2b1c3d4e5f' };

  it('round-trip the sort key', () => {
    const cursor = encodeCursor(position, 'asc');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'asc')).toEqual(position);
  });

  it('refuse a cursor made for the other order', () => {
    expect(() => decodeCursor(encodeCursor(position, 'desc'), 'asc')).toThrow(InvalidCursorError);
  });

  it.each([['garbage'], ['e30'], [Buffer.from('{"v":1,"o":"asc","t":"nope","i":"0b8e5a5e-6f55-4a5e-9d6e-6f2b1c3d4e5f"}').toString('base64url')], [Buffer.from('{"v":1,"o":"asc","t":"2026-01-01T00:00:00Z","i":"1; DROP"}').toString('base64url')]])(
    'refuse %j',
    (cursor) => {
      expect(() => decodeCursor(cursor, 'asc')).toThrow(InvalidCursorError);
    },
  );
});
