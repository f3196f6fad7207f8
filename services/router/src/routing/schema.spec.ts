import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTING_DOCUMENT_SCHEMA } from './schema';

const PUBLISHED = join(__dirname, '../../../../docs/routing.schema.json');

describe('the published JSON Schema', () => {
  it('docs/routing.schema.json is the schema the router validates with (regenerate: UPDATE_SCHEMA=1)', () => {
    const expected = `${JSON.stringify(ROUTING_DOCUMENT_SCHEMA, null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(PUBLISHED, expected);
    expect(readFileSync(PUBLISHED, 'utf8')).toBe(expected);
  });
});
