/**
 * `npm run channel:new -- <name>`: scaffolds a channel.
 *
 * Writes libs/channels/<name> (the pure channel: a compiling adapter skeleton, one fixture, the
 * conformance spec) and services/gateway-<name> (config + GatewayModule), appends
 * CHANNEL_<NAME> to the Channel enum (proto/omni/v1/common.proto), adds the gateway and its
 * settings to the service catalog, then regenerates the protobuf code and the wiring. The result
 * builds; its conformance run fails exactly on what is left to write (inspect, parse, format and
 * the provider's answers), which docs/channels/adding-a-channel.md walks through.
 *
 * Options: `--port <n>` (default: the next free gateway port), `--root <dir>` (another checkout,
 * used by the scaffold test), `--no-gen` (skip proto:gen and wiring).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ScaffoldOptions {
  /** Lower-case channel name: the slug, folder names and CHANNEL_<NAME>. */
  name: string;
  port: number;
}

export interface ScaffoldFile {
  path: string;
  content: string;
}

const NAME = /^[a-z][a-z0-9]{1,30}$/;

/** `acme` → `Acme`, for exported names. */
function pascal(name: string): string {
  return name[0]!.toUpperCase() + name.slice(1);
}

/** The files of a new channel: its library and its gateway service. */
export function scaffoldFiles({ name }: Pick<ScaffoldOptions, 'name'>): ScaffoldFile[] {
  if (!NAME.test(name)) throw new Error(`channel name must match ${NAME} (lower-case letters and digits): got "${name}"`);
  const Name = pascal(name);
  const UPPER = name.toUpperCase();
  const lib = `libs/channels/${name}`;
  const svc = `services/gateway-${name}`;
  const project = (dir: string, projectName: string, type: 'library' | 'application', extra = '') => `{
  "name": "${projectName}",
  "$schema": "${dir.split('/').map(() => '..').join('/')}/node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "${dir}/src",
  "projectType": "${type}",
  "tags": [
    "${type === 'library' ? 'type:channel' : 'type:service'}"
  ],
  "targets": {
    "build": {
      "command": "node tools/build.mjs ${dir}",
      "options": {
        "cwd": "{workspaceRoot}"
      }
    },
    "test": {
      "command": "jest -c ${dir}/jest.config.js",
      "options": {
        "cwd": "{workspaceRoot}"
      }
    },
    "lint": {
      "command": "eslint ${dir}",
      "options": {
        "cwd": "{workspaceRoot}"
      }
    }${extra}
  }
}
`;
  return [
    // ---- the channel library ----
    { path: `${lib}/package.json`, content: `{\n  "name": "@omni/channel-${name}",\n  "version": "0.1.0",\n  "private": true,\n  "main": "./dist/index.js",\n  "types": "./src/index.ts"\n}\n` },
    { path: `${lib}/project.json`, content: project(lib, `channel-${name}`, 'library') },
    { path: `${lib}/jest.config.js`, content: `module.exports = { ...require('../../../jest.preset'), displayName: 'channel-${name}', rootDir: __dirname };\n` },
    {
      path: `${lib}/src/index.ts`,
      content: `export { create${Name}Adapter, ${name}Parser, type ${Name}AdapterOptions } from './adapter';\n`,
    },
    {
      path: `${lib}/src/adapter.ts`,
      content: `import {
  MalformedPayloadError,
  parseJsonObject,
  verifyHexHmacHeader,
  type ChannelAdapter,
  type ChannelEvent,
  type ChannelParser,
  type ProviderRequest,
  type RawWebhook,
  type SendOutcome,
  type WebhookEnvelope,
  type WebhookRequest,
} from '@omni/channel-sdk';
import { Channel, ErrorCode, type OutboundApproved } from '@omni/contracts';

/**
 * The ${name} channel, scaffolded by \`npm run channel:new\`. Work through
 * docs/channels/adding-a-channel.md: each step turns failing conformance checks green
 * (\`npm run test:unit -- ${lib}\`). Keep it pure: no network, no clock reads.
 */
export interface ${Name}AdapterOptions {
  /** Authenticates API calls (\`toHttp\`). */
  apiToken: string;
  /** Verifies webhooks (\`verify\`). */
  webhookSecret: string;
}

export const ${UPPER}_WEBHOOK_PATH = '/webhooks/${name}';
/** Step 2: the header your provider signs with, and how (see \`auth\` below). */
export const ${UPPER}_SIGNATURE_HEADER = 'x-${name}-signature';

/** Step 3: the provider's JSON shape; throw MalformedPayloadError for anything else. */
function readBody(body: Buffer): Record<string, unknown> {
  const json = parseJsonObject(body);
  throw new MalformedPayloadError(\`${name}: body shape not modelled yet (\${Object.keys(json).length} fields)\`);
}

/** Step 3: which business account and thread a webhook belongs to (the raw record key). */
function inspect${Name}(request: WebhookRequest): WebhookEnvelope {
  readBody(request.rawBody);
  throw new MalformedPayloadError('${name}: inspect not written yet');
}

/** Step 4: one webhook → canonical events (unknown kinds as \`unsupported\`, never dropped). */
function parse${Name}(raw: RawWebhook): ChannelEvent[] {
  readBody(raw.body);
  throw new MalformedPayloadError('${name}: parse not written yet');
}

/** Step 5: an approved outbound → the provider requests, within \`capabilities\`. */
function format${Name}(approved: OutboundApproved): ProviderRequest[] {
  throw new Error(\`${name}: format not written yet (outbound \${approved.id})\`);
}

/** Step 6: the provider's answer → its message id, or a canonical error. */
function interpret${Name}(response: { status: number; body: unknown }): SendOutcome {
  const body = response.body as { id?: unknown } | null;
  if (response.status < 300 && typeof body?.id === 'string') return { ok: true, providerMessageId: body.id };
  if (response.status === 429) return { ok: false, error: { code: ErrorCode.RATE_LIMITED, retryable: true, providerCode: '429', message: 'rate limited' } };
  if (response.status >= 500) return { ok: false, error: { code: ErrorCode.PROVIDER_DOWN, retryable: true, providerCode: String(response.status), message: '${name} unavailable' } };
  return { ok: false, error: { code: ErrorCode.UNKNOWN, retryable: false, providerCode: String(response.status), message: 'unrecognised answer' } };
}

export const ${name}Parser: ChannelParser = { channel: Channel.${UPPER}, slug: '${name}', parse: parse${Name} };

export function create${Name}Adapter(options: ${Name}AdapterOptions): ChannelAdapter {
  return {
    ...${name}Parser,
    webhookPaths: [${UPPER}_WEBHOOK_PATH],
    // Step 1: the provider's real limits and reply window.
    capabilities: {
      textLimit: 1000,
      quickReplyLimit: 0,
      quickReplyTitleLimit: 0,
      buttonLimit: 0,
      carouselLimit: 0,
      mediaKinds: [],
      templates: false,
      receipts: { delivery: false, read: false },
      typingIndicator: false,
      markSeen: false,
      echoes: false,
      window: { kind: 'none', hours: 0, outside: 'none' },
    },
    // Step 2: 'body-signature' (an HMAC over the raw body) or 'header-secret' (a fixed secret in one header).
    auth: { kind: 'body-signature' },
    verify: (request) => verifyHexHmacHeader(request.headers[${UPPER}_SIGNATURE_HEADER], 'sha256=', options.webhookSecret, request.rawBody),
    inspect: inspect${Name},
    format: format${Name},
    toHttp: (request) => ({
      method: request.method,
      pathAndQuery: request.path + (request.query ? \`?\${new URLSearchParams(request.query).toString()}\` : ''),
      headers: { authorization: \`Bearer \${options.apiToken}\`, 'content-type': 'application/json' },
      body: request.json === undefined ? undefined : JSON.stringify(request.json),
    }),
    interpret: (_request, response) => interpret${Name}(response),
  };
}
`,
    },
    {
      path: `${lib}/fixtures/text.json`,
      content: `{"account":"business-1","events":[{"id":"m-1","from":"customer-1","timestamp":1717171717000,"text":"Hello"}]}\n`,
    },
    {
      path: `${lib}/fixtures/index.ts`,
      content: `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hmacHex, type ProviderRequest } from '@omni/channel-sdk';
import type { ConformanceFixtures, RequestSummary } from '@omni/channel-sdk/testing';

/**
 * ${Name} webhooks as the provider sends them (replace text.json with a real recorded body; add
 * one file per kind you parse) and the conformance-kit fixtures built on them.
 */
export const TEST_API_TOKEN = '${name}-test-api-token';
export const TEST_WEBHOOK_SECRET = '${name}-test-webhook-secret';

export function loadFixture(name: string): Buffer {
  return readFileSync(join(__dirname, \`\${name}.json\`));
}

/** Step 5: read one formatted request back into channel-neutral terms. */
function describeRequest(request: ProviderRequest): RequestSummary {
  const json = (request.json ?? {}) as { text?: string };
  return { texts: json.text !== undefined ? [json.text] : [], quickReplyTitles: [], buttonTitles: [], cards: 0 };
}

export const ${name}ConformanceFixtures: ConformanceFixtures = {
  secret: TEST_WEBHOOK_SECRET,
  // Step 2: sign exactly as the provider does.
  sign: (request, secret) => ({ 'x-${name}-signature': \`sha256=\${hmacHex('sha256', secret, request.rawBody)}\` }),
  signedWebhooks: [{ name: 'text', body: loadFixture('text') }],
  outbound: {
    base: { id: 'approved-1', request: { id: 'out-1', accountId: 'business-1', recipient: { channelUserId: 'customer-1' } } },
    describeRequest,
  },
  // Step 6: the provider's real success and error answers, with the canonical error each maps to.
  successResponses: [],
  errorResponses: [],
  credentials: [TEST_API_TOKEN, TEST_WEBHOOK_SECRET],
};
`,
    },
    {
      path: `${lib}/src/conformance.spec.ts`,
      content: `import { describeChannelConformance } from '@omni/channel-sdk/testing';
import { ${name}ConformanceFixtures, TEST_API_TOKEN, TEST_WEBHOOK_SECRET } from '../fixtures';
import { create${Name}Adapter, ${name}Parser } from './index';

describeChannelConformance('${name}', {
  adapter: create${Name}Adapter({ apiToken: TEST_API_TOKEN, webhookSecret: TEST_WEBHOOK_SECRET }),
  parser: ${name}Parser,
  fixtures: ${name}ConformanceFixtures,
});
`,
    },
    // ---- the gateway service ----
    { path: `${svc}/package.json`, content: `{\n  "name": "@omni/gateway-${name}",\n  "version": "0.1.0",\n  "private": true,\n  "main": "./dist/main.js",\n  "types": "./src/index.ts"\n}\n` },
    {
      path: `${svc}/project.json`,
      content: project(
        svc,
        `gateway-${name}`,
        'application',
        `,
    "serve": {
      "command": "node ${svc}/dist/main.js",
      "dependsOn": [
        "build"
      ],
      "options": {
        "cwd": "{workspaceRoot}"
      }
    }`,
      ),
    },
    { path: `${svc}/jest.config.js`, content: `module.exports = { ...require('../../jest.preset'), displayName: 'gateway-${name}', rootDir: __dirname };\n` },
    { path: `${svc}/src/index.ts`, content: `export { gateway${Name}, ${Name}GatewayConfig } from './gateway-${name}';\n` },
    { path: `${svc}/src/main.ts`, content: `import '@omni/service-kit/telemetry';\nimport { runService } from '@omni/service-kit';\nimport { gateway${Name} } from './gateway-${name}';\n\nrunService(gateway${Name});\n` },
    {
      path: `${svc}/src/gateway-${name}.ts`,
      content: `import { IsNotEmpty, IsString, IsUrl } from 'class-validator';
import { create${Name}Adapter } from '@omni/channel-${name}';
import { GATEWAY_DATABASE, GatewayModule, GatewayServiceConfig } from '@omni/gateway-kit';
import type { ServiceDefinition } from '@omni/service-kit';

/** Every variable here is listed, with its kind and placeholders, in libs/service-kit/src/catalog.ts. */
export class ${Name}GatewayConfig extends GatewayServiceConfig {
  @IsString() @IsNotEmpty() ${UPPER}_API_TOKEN!: string;
  @IsString() @IsNotEmpty() ${UPPER}_WEBHOOK_SECRET!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) ${UPPER}_API_BASE_URL = 'https://api.${name}.example';
}

export const gateway${Name}: ServiceDefinition<${Name}GatewayConfig> = {
  name: 'gateway-${name}',
  description: '${Name} webhooks in, ${Name} API out.',
  configClass: ${Name}GatewayConfig,
  module: (c) =>
    GatewayModule.forChannel(create${Name}Adapter({ apiToken: c.${UPPER}_API_TOKEN, webhookSecret: c.${UPPER}_WEBHOOK_SECRET }), {
      apiBaseUrl: c.${UPPER}_API_BASE_URL,
      retryBaseMs: c.GATEWAY_RETRY_BASE_MS,
    }),
  database: () => GATEWAY_DATABASE,
};
`,
    },
  ];
}

/** Appends CHANNEL_<NAME> = <next number> to `enum Channel` (additive: numbers are never reused). */
export function addToChannelEnum(proto: string, name: string): string {
  const match = /enum Channel \{([^}]*)\}/.exec(proto);
  if (!match) throw new Error('proto/omni/v1/common.proto has no `enum Channel { … }`');
  const constant = `CHANNEL_${name.toUpperCase()}`;
  if (match[1]!.includes(`${constant} =`)) throw new Error(`${constant} already exists in enum Channel`);
  const next = Math.max(...[...match[1]!.matchAll(/=\s*(\d+)\s*;/g)].map((m) => Number(m[1]))) + 1;
  const body = `${match[1]!.replace(/\s*$/, '')}\n  ${constant} = ${next};\n`;
  return proto.replace(match[0], `enum Channel {${body}}`);
}

/** Adds the gateway entry (after the last gateway) and its settings to the catalog source. */
export function addToCatalog(source: string, { name, port }: ScaffoldOptions): string {
  const UPPER = name.toUpperCase();
  if (source.includes(`name: 'gateway-${name}'`)) throw new Error(`the catalog already has gateway-${name}`);
  const envAnchor = '} as const satisfies Record<string, EnvSpec>;';
  const serviceAnchor = "  { name: 'normalizer',";
  if (!source.includes(envAnchor) || !source.includes(serviceAnchor)) throw new Error('libs/service-kit/src/catalog.ts: anchors for ENV and SERVICES not found');
  const env = `  ${UPPER}_API_TOKEN: { secret: 'omni-${name}', required: true, dev: 'dev-${name}-api-token' },
  ${UPPER}_WEBHOOK_SECRET: { secret: 'omni-${name}', required: true, dev: 'dev-${name}-webhook-secret' },
  ${UPPER}_API_BASE_URL: { default: 'https://api.${name}.example' },
`;
  const entry = `  {
    name: 'gateway-${name}',
    schema: 'gateway_${name}',
    port: ${port},
    kind: 'gateway',
    env: ['${UPPER}_API_TOKEN', '${UPPER}_WEBHOOK_SECRET', '${UPPER}_API_BASE_URL', 'GATEWAY_RETRY_BASE_MS'],
    definition: 'gateway${pascal(name)}',
    channel: { slug: '${name}', parser: '${name}Parser' },
  },
`;
  return source.replace(envAnchor, `${env}${envAnchor}`).replace(serviceAnchor, `${entry}${serviceAnchor}`);
}

/** The next gateway port after the catalog's highest one. */
export function nextGatewayPort(source: string): number {
  const ports = [...source.matchAll(/port: (31\d\d),/g)].map((m) => Number(m[1]));
  return Math.max(3100, ...ports) + 1;
}

/** Scaffolds into `root`; returns the paths written or changed. */
export function scaffoldChannel(root: string, name: string, options: { port?: number; generate?: boolean } = {}): string[] {
  const catalogPath = join(root, 'libs/service-kit/src/catalog.ts');
  const protoPath = join(root, 'proto/omni/v1/common.proto');
  const catalog = readFileSync(catalogPath, 'utf8');
  const port = options.port ?? nextGatewayPort(catalog);
  const files = scaffoldFiles({ name });
  for (const dir of [`libs/channels/${name}`, `services/gateway-${name}`]) if (existsSync(join(root, dir))) throw new Error(`${dir} already exists`);
  // Compute every edit before writing anything: a refusal leaves the checkout untouched.
  const proto = addToChannelEnum(readFileSync(protoPath, 'utf8'), name);
  const newCatalog = addToCatalog(catalog, { name, port });
  for (const file of files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
  writeFileSync(protoPath, proto);
  writeFileSync(catalogPath, newCatalog);
  if (options.generate !== false) {
    execFileSync(process.execPath, [join(root, 'tools/proto-gen.mjs')], { cwd: root, stdio: 'inherit' });
    execFileSync(process.execPath, ['-r', '@swc-node/register', join(root, 'tools/wiring/cli.ts')], { cwd: root, stdio: 'inherit' });
  }
  return [...files.map((f) => f.path), 'proto/omni/v1/common.proto', 'libs/service-kit/src/catalog.ts'];
}

function main(): void {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const name = args.find((a, i) => !a.startsWith('--') && !['--port', '--root'].includes(args[i - 1] ?? ''));
  if (!name) {
    process.stderr.write('usage: npm run channel:new -- <name> [--port <n>] [--no-gen]\n');
    process.exit(2);
  }
  const root = value('--root') ?? join(__dirname, '../..');
  const port = value('--port') ? Number(value('--port')) : undefined;
  const written = scaffoldChannel(root, name, { port, generate: !args.includes('--no-gen') });
  process.stdout.write(`channel:new: scaffolded ${name}:\n${written.map((p) => `  ${p}`).join('\n')}
Next:
  npm install                                  # links @omni/channel-${name} and @omni/gateway-${name} (records them in the lockfile)
  npm run test:unit -- libs/channels/${name}      # the conformance kit: what is left to write fails
  then follow docs/channels/adding-a-channel.md step by step.
`);
}

if (require.main === module) main();
