import type { TemplateRef } from '@omni/contracts';

/**
 * A TemplateRef as the Cloud API `template` object (docs/channels/whatsapp.md):
 * `{name, language:{code}, components:[{type, sub_type?, index?, parameters:[…]}]}`.
 * The template must be approved under exactly this name and language, or Meta answers 132001.
 */
export function templateObject(template: TemplateRef): Record<string, unknown> {
  if (!template.name) throw new Error('whatsapp: template without a name');
  if (!template.language) throw new Error('whatsapp: template without a language code (approved templates are per language)');
  const object: Record<string, unknown> = { name: template.name, language: { code: template.language } };
  if (template.components.length > 0) {
    object.components = template.components.map((component) => {
      const out: Record<string, unknown> = { type: component.type };
      if (component.subType) out.sub_type = component.subType;
      // Button components are addressed by position; Meta takes the index as a string.
      if (component.type === 'button') out.index = String(component.index);
      out.parameters = component.parameters.map((p) => templateParameter(p.type, p.value));
      return out;
    });
  }
  return object;
}

function templateParameter(type: string, value: string): Record<string, unknown> {
  switch (type) {
    case 'payload':
      return { type: 'payload', payload: value };
    case 'image':
    case 'video':
    case 'document':
      return { type, [type]: { link: value } };
    case 'date_time':
      return { type: 'date_time', date_time: { fallback_value: value } };
    case 'coupon_code':
      return { type: 'coupon_code', coupon_code: value };
    case 'currency': {
      // TemplateRef carries one string: "EUR 12.50" gives code and amount, else only the fallback.
      const match = /^([A-Z]{3})\s+(-?\d+(?:\.\d+)?)$/.exec(value.trim());
      if (match) return { type: 'currency', currency: { fallback_value: value, code: match[1], amount_1000: Math.round(Number(match[2]) * 1000) } };
      return { type: 'text', text: value };
    }
    default:
      return { type: 'text', text: value };
  }
}
