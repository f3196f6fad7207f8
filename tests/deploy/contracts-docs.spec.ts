import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import Ajv2020 from 'ajv/dist/2020';
import { ALL_TOPICS, WEBHOOK_TOPICS } from '@omni/contracts';
import { staleContractDocs } from '../../tools/contracts/cli';
import { generateContractDocs } from '../../tools/contracts/generate';
import { SAMPLES } from '../../tools/contracts/samples';

const root = join(__dirname, '../..');
const files = generateContractDocs();

describe('contract docs generated from the topic registry and the proto', () => {
  it('are up to date (run `npm run contracts:docs` when this fails)', () => {
    expect(staleContractDocs(files)).toEqual([]);
  });

  it('has a JSON Schema per topic and an example per webhook event type', () => {
    for (const topic of ALL_TOPICS) expect(files.map((f) => f.path)).toContain(`docs/schemas/${topic.ceType}.schema.json`);
    for (const topic of WEBHOOK_TOPICS) expect(SAMPLES.map((s) => s.topic.ceType)).toContain(topic.ceType);
  });

  it('examples validate against their generated schemas, and a wrong one does not', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    for (const sample of SAMPLES) {
      const schema = JSON.parse(readFileSync(join(root, `docs/schemas/${sample.topic.ceType}.schema.json`), 'utf8')) as object;
      const example = JSON.parse(readFileSync(join(root, `docs/examples/${sample.topic.ceType}.json`), 'utf8')) as { data: Record<string, unknown> };
      const validate = ajv.getSchema((schema as { $id: string }).$id) ?? ajv.compile(schema);
      expect({ type: sample.topic.ceType, valid: validate(example.data), errors: validate.errors ?? null }).toEqual({ type: sample.topic.ceType, valid: true, errors: null });
      // A field with the wrong type, and an unknown one, are refused: the schemas are not vacuous.
      expect(validate({ ...example.data, id: 42 })).toBe(false);
      expect(validate({ ...example.data, surprise: true })).toBe(false);
    }
    // priority is always present (0 included): absence is an error, not "unset".
    const assigned = ajv.getSchema('https://omni.dev/schemas/omni.v1.ConversationAssigned.schema.json')!;
    const example = JSON.parse(readFileSync(join(root, 'docs/examples/omni.v1.ConversationAssigned.json'), 'utf8')) as { data: Record<string, unknown> };
    expect(example.data.priority).toBe(0);
    const { priority: _p, ...withoutPriority } = example.data;
    expect(assigned(withoutPriority)).toBe(false);
  });

  it('the AsyncAPI 3 document validates with the AsyncAPI parser and covers every topic, its DLQ and the webhooks', async () => {
    const source = readFileSync(join(root, 'docs/asyncapi.yaml'), 'utf8');
    const { document, diagnostics } = await new Parser().parse(source);
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const addresses = document!.channels().all().map((c) => c.address());
    for (const topic of ALL_TOPICS) {
      expect(addresses).toContain(topic.name);
      expect(addresses).toContain(`${topic.name}.dlq`);
    }
    expect(addresses).toContain('{subscriptionUrl}');
    const assigned = document!.channels().all().find((c) => c.address() === 'omni.conversation.assigned.v1')!;
    const operations = assigned.operations().all().map((o) => `${o.action()} ${o.tags().all().map((t) => t.name()).join(',')}`);
    expect(operations).toEqual(expect.arrayContaining(['send assignment', 'receive crm-webhooks']));
  }, 60_000);
});
