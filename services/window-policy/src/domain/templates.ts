import Ajv from 'ajv';
import type { TemplateRef } from '@omni/contracts';

/** Parameter kinds a registered template declares, one per placeholder, in order. */
export const PARAMETER_KINDS = ['text', 'currency', 'date_time', 'image', 'video', 'document', 'payload', 'coupon_code'] as const;
export type ParameterKind = (typeof PARAMETER_KINDS)[number];
export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;

export interface RegisteredComponent {
  /** "header", "body" or "button". */
  type: string;
  /** Buttons: "quick_reply" or "url". */
  subType?: string;
  /** Buttons: position on the template. */
  index?: number;
  parameters: ParameterKind[];
}

/** A template as approved by the provider (WhatsApp), entered in the registry by an operator. */
export interface RegisteredTemplate {
  name: string;
  language: string;
  category: (typeof TEMPLATE_CATEGORIES)[number];
  components: RegisteredComponent[];
}

const ajv = new Ajv({ allErrors: true });
const validateRegistry = ajv.compile({
  type: 'array',
  maxItems: 1000,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'language', 'category', 'components'],
    properties: {
      name: { type: 'string', pattern: '^[a-z0-9_]{1,512}$' },
      language: { type: 'string', pattern: '^[a-z]{2,3}(_[A-Za-z]{2,4})?$' },
      category: { enum: [...TEMPLATE_CATEGORIES] },
      components: {
        type: 'array',
        maxItems: 20,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'parameters'],
          properties: {
            type: { enum: ['header', 'body', 'button'] },
            subType: { enum: ['quick_reply', 'url'] },
            index: { type: 'integer', minimum: 0, maximum: 9 },
            parameters: { type: 'array', maxItems: 100, items: { enum: [...PARAMETER_KINDS] } },
          },
        },
      },
    },
  },
});

/** Parses WINDOW_POLICY_TEMPLATES (JSON); throws a message naming what is wrong. */
export function parseTemplateRegistry(json: string): RegisteredTemplate[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  if (!validateRegistry(value)) throw new Error(ajv.errorsText(validateRegistry.errors, { dataVar: 'templates' }));
  const templates = value as RegisteredTemplate[];
  const seen = new Set<string>();
  for (const t of templates) {
    const key = `${t.name}/${t.language}`;
    if (seen.has(key)) throw new Error(`template ${key} is listed twice`);
    seen.add(key);
  }
  return templates;
}

export type TemplateCheck = { ok: true; template: RegisteredTemplate } | { ok: false; problem: string };

const componentKey = (type: string, subType = '', index = 0) => (type === 'button' ? `button/${subType}/${index}` : type);

/** What a parameter of each kind must look like (the WhatsApp formatter reads them the same way). */
const VALUE_CHECKS: Record<ParameterKind, (value: string) => boolean> = {
  text: (v) => v.trim().length > 0,
  payload: (v) => v.length > 0,
  coupon_code: (v) => v.trim().length > 0,
  date_time: (v) => v.trim().length > 0,
  currency: (v) => /^[A-Z]{3}\s+-?\d+(?:\.\d+)?$/.test(v.trim()),
  image: (v) => /^https:\/\/\S+$/.test(v),
  video: (v) => /^https:\/\/\S+$/.test(v),
  document: (v) => /^https:\/\/\S+$/.test(v),
};

/**
 * A template request is sendable only if the registry has it under that name and language, the
 * category (when given) matches, and every component has exactly the registered parameters: the
 * same count and kinds, each value well-formed for its kind.
 */
export function checkTemplate(registry: readonly RegisteredTemplate[], ref: TemplateRef): TemplateCheck {
  const registered = registry.find((t) => t.name === ref.name && t.language === ref.language);
  if (!registered) return { ok: false, problem: `template "${ref.name}" (${ref.language || 'no language'}) is not in the registry` };
  if (ref.category && ref.category.toUpperCase() !== registered.category) {
    return { ok: false, problem: `template "${ref.name}" is ${registered.category}, not ${ref.category}` };
  }
  const given = new Map(ref.components.map((c) => [componentKey(c.type, c.subType, c.index), c]));
  if (given.size !== ref.components.length) return { ok: false, problem: 'a template component is given twice' };
  for (const component of registered.components) {
    const key = componentKey(component.type, component.subType, component.index);
    const actual = given.get(key);
    const params = actual?.parameters ?? [];
    if (params.length !== component.parameters.length) {
      return { ok: false, problem: `${key} of "${ref.name}" takes ${component.parameters.length} parameter(s), got ${params.length}` };
    }
    for (let i = 0; i < params.length; i++) {
      const kind = component.parameters[i]!;
      const param = params[i]!;
      if ((param.type || 'text') !== kind) return { ok: false, problem: `${key} parameter ${i + 1} of "${ref.name}" must be ${kind}, got ${param.type || 'text'}` };
      if (!VALUE_CHECKS[kind](param.value)) return { ok: false, problem: `${key} parameter ${i + 1} of "${ref.name}" is not a valid ${kind} value` };
    }
    given.delete(key);
  }
  const extra = [...given.keys()];
  if (extra.length) return { ok: false, problem: `"${ref.name}" has no ${extra.join(', ')} component` };
  return { ok: true, template: registered };
}

/** Registered templates worth suggesting for a purpose: the category that fits first. */
export function suggestTemplates(registry: readonly RegisteredTemplate[], marketing: boolean, limit = 3): RegisteredTemplate[] {
  const wanted = marketing ? 'MARKETING' : 'UTILITY';
  return registry.filter((t) => t.category === wanted).slice(0, limit);
}
