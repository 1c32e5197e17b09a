/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) as the admin API's documentation writes it.
 * A schema with a name (`defineSchema`) becomes a component and is referenced by `$ref`; any
 * other schema is written inline where it is used.
 */

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export interface SchemaObject {
  type?: JsonType | readonly JsonType[];
  description?: string;
  properties?: Readonly<Record<string, Schema>>;
  required?: readonly string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: readonly (string | number | boolean | null)[];
  const?: string | number | boolean | null;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  oneOf?: readonly Schema[];
  anyOf?: readonly Schema[];
  allOf?: readonly Schema[];
  default?: unknown;
  examples?: readonly unknown[];
  readOnly?: boolean;
  writeOnly?: boolean;
  deprecated?: boolean;
}

/** A schema published under `#/components/schemas/<name>`. */
export class NamedSchema {
  constructor(
    readonly name: string,
    readonly schema: SchemaObject,
  ) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`schema name ${name} is not a component name`);
  }

  get $ref(): string {
    return `#/components/schemas/${this.name}`;
  }
}

export type Schema = SchemaObject | NamedSchema;

/** Names a schema: it is written once under `components.schemas` and referenced everywhere else. */
export function defineSchema(name: string, schema: SchemaObject): NamedSchema {
  return new NamedSchema(name, schema);
}

/** An object with these properties; `required` lists the ones always present. */
export function object(
  properties: Record<string, Schema>,
  required: readonly string[] = Object.keys(properties),
  extra: SchemaObject = {},
): SchemaObject {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

/** The same schema, or `null`. */
export function nullable(schema: Schema): SchemaObject {
  if (schema instanceof NamedSchema || schema.type === undefined)
    return { anyOf: [schema, { type: 'null' }] };
  const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
  return { ...schema, type: [...types, 'null'] };
}

export function arrayOf(items: Schema, extra: SchemaObject = {}): SchemaObject {
  return { type: 'array', items, ...extra };
}

/** A string from a `RegExp` the code validates with, so the document says what the code checks. */
export function patterned(pattern: RegExp, extra: SchemaObject = {}): SchemaObject {
  return { type: 'string', pattern: pattern.source, ...extra };
}

export const ID: SchemaObject = {
  type: 'string',
  pattern: '^[1-9][0-9]*$',
  description: 'A numeric id, as a string (PostgreSQL bigint).',
  examples: ['42'],
};

export const TIME: SchemaObject = { type: 'string', format: 'date-time' };

/** `{id}`: what most creations answer. */
export const CREATED_ID = defineSchema('CreatedId', object({ id: ID }));

/** Serialises a schema tree: named schemas become `$ref`s and are collected into `components`. */
export function writeSchema(schema: Schema, components: Map<string, NamedSchema>): Record<string, unknown> {
  if (schema instanceof NamedSchema) {
    const known = components.get(schema.name);
    if (known !== undefined && known !== schema) throw new Error(`two schemas are named ${schema.name}`);
    if (known === undefined) components.set(schema.name, schema);
    return { $ref: schema.$ref };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = writeKeyword(key, value, components);
  }
  return out;
}

function writeKeyword(key: string, value: unknown, components: Map<string, NamedSchema>): unknown {
  switch (key) {
    case 'properties':
      return Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, child]) => [
          name,
          writeSchema(child, components),
        ]),
      );
    case 'items':
      return writeSchema(value as Schema, components);
    case 'additionalProperties':
      return typeof value === 'boolean' ? value : writeSchema(value as Schema, components);
    case 'oneOf':
    case 'anyOf':
    case 'allOf':
      return (value as Schema[]).map((child) => writeSchema(child, components));
    default:
      return value;
  }
}
