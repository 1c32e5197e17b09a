// Validates JSON bodies against the schemas of the OpenAPI document, with Ajv's JSON Schema
// 2020-12 dialect (the one OpenAPI 3.1 uses), in strict mode: a schema Ajv cannot compile is
// a broken document, not a passing test.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a parsed document
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export class DocumentSchemas {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    this.ajv = addFormats(new Ajv2020({ strict: true, strictTypes: false, allErrors: true }));
    // `#/components/schemas/X` becomes `doc#/$defs/X`: Ajv knows $defs, not OpenAPI's components.
    const defs = JSON.parse(
      JSON.stringify(document.components.schemas).replaceAll('"#/components/schemas/', '"doc#/$defs/'),
    ) as Json;
    this.ajv.addSchema({ $id: 'doc', $defs: defs });
  }

  /** Compiles every component schema; throws on the first that is not valid JSON Schema. */
  compileAll(): string[] {
    return Object.keys(this.document.components.schemas as Json).map((name) => {
      this.ajv.getSchema(`doc#/$defs/${name}`);
      return name;
    });
  }

  /** The errors of `body` against the component schema `name` (e.g. `Problem`); [] when it conforms. */
  schemaErrors(name: string, body: unknown): string[] {
    const validate = this.ajv.getSchema(`doc#/$defs/${name}`);
    if (!validate) throw new Error(`the document has no schema ${name}`);
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }

  /** The errors of `body` against the JSON answer of `method path` with `status`; [] when it conforms. */
  errors(method: string, path: string, status: number, body: unknown): string[] {
    const key = `${method} ${path} ${status}`;
    let validate = this.cache.get(key);
    if (validate === undefined) {
      const operation = this.document.paths[path]?.[method.toLowerCase()] as Json | undefined;
      if (!operation) throw new Error(`the document has no ${method} ${path}`);
      const response = operation.responses[String(status)] as Json | undefined;
      const schema = response?.content?.['application/json']?.schema as Json | undefined;
      if (!schema) throw new Error(`the document has no JSON answer ${status} for ${method} ${path}`);
      validate = this.ajv.compile(
        JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"doc#/$defs/')) as Json,
      );
      this.cache.set(key, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }
}
