import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';

/** A JSON Schema (draft 2020-12) object; loose on purpose, it is serialised, not read. */
export type JsonSchema = { [key: string]: unknown };

/** Comments by protobuf full name (`omni.v1.ConversationAssigned`, `omni.v1.ConversationAssigned.queue`). */
export type CommentLookup = (fullName: string) => string | undefined;

const INT64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.FIXED64, ScalarType.SFIXED64, ScalarType.SINT64]);

function scalarSchema(scalar: ScalarType): JsonSchema {
  if (scalar === ScalarType.STRING) return { type: 'string' };
  if (scalar === ScalarType.BOOL) return { type: 'boolean' };
  if (scalar === ScalarType.BYTES) return { type: 'string', contentEncoding: 'base64' };
  if (scalar === ScalarType.DOUBLE || scalar === ScalarType.FLOAT) return { type: 'number' };
  // The proto3 JSON mapping writes 64-bit integers as strings (JavaScript numbers lose precision).
  if (INT64.has(scalar)) return { type: 'string', pattern: '^-?[0-9]+$' };
  return { type: 'integer' };
}

function enumSchema(desc: DescEnum, comments: CommentLookup): JsonSchema {
  return { type: 'string', enum: desc.values.map((v) => v.name), ...describe(comments(desc.typeName)) };
}

function describe(text: string | undefined): JsonSchema {
  return text ? { description: text } : {};
}

/**
 * JSON Schema of a protobuf message in the proto3 JSON mapping as Omni emits it (webhook bodies,
 * docs examples): lowerCamelCase names, enum value names, 64-bit integers and bytes as strings,
 * Timestamps as RFC 3339 strings, and every implicit-presence field present (so `priority: 0` is
 * a value, never "missing"). Message fields and oneof members appear only when set. Nested message
 * types go to `$defs`, so the schema stands alone.
 */
export function jsonSchemaOf(root: DescMessage, comments: CommentLookup = () => undefined, id?: string): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const ref = (desc: DescMessage): JsonSchema => {
    if (desc.typeName === 'google.protobuf.Timestamp') return { type: 'string', format: 'date-time' };
    if (!defs[desc.typeName] && desc !== root) {
      defs[desc.typeName] = {}; // placeholder first: recursive types terminate
      defs[desc.typeName] = objectSchema(desc);
    }
    return desc === root ? { $ref: '#' } : { $ref: `#/$defs/${desc.typeName}` };
  };
  const valueSchema = (field: DescField): JsonSchema => {
    switch (field.fieldKind) {
      case 'scalar':
        return scalarSchema(field.scalar);
      case 'enum':
        return enumSchema(field.enum, comments);
      case 'message':
        return ref(field.message);
      case 'list': {
        const items = field.listKind === 'scalar' ? scalarSchema(field.scalar) : field.listKind === 'enum' ? enumSchema(field.enum, comments) : ref(field.message);
        return { type: 'array', items };
      }
      case 'map': {
        const values = field.mapKind === 'scalar' ? scalarSchema(field.scalar) : field.mapKind === 'enum' ? enumSchema(field.enum, comments) : ref(field.message);
        return { type: 'object', additionalProperties: values };
      }
    }
  };
  const objectSchema = (desc: DescMessage): JsonSchema => {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of desc.fields) {
      properties[field.jsonName] = { ...valueSchema(field), ...describe(comments(`${desc.typeName}.${field.name}`)) };
      const alwaysPresent = field.fieldKind === 'list' || field.fieldKind === 'map' || ((field.fieldKind === 'scalar' || field.fieldKind === 'enum') && !field.oneof && field.presence === FeatureSet_FieldPresence.IMPLICIT);
      if (alwaysPresent) required.push(field.jsonName);
    }
    return { type: 'object', ...describe(comments(desc.typeName)), properties, required, additionalProperties: false };
  };
  const body = objectSchema(root);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...(id ? { $id: id } : {}),
    title: root.typeName,
    ...body,
    ...(Object.keys(defs).length ? { $defs: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b))) } : {}),
  };
}
