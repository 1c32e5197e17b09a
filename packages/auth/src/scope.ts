/**
 * Docker token scopes (distribution `docs/spec/auth/scope.md`):
 *
 *   scope          := resourcescope [ ' ' resourcescope ]*
 *   resourcescope  := resourcetype ":" resourcename ":" action [ ',' action ]*
 *   resourcetype   := /[a-z0-9]+/ [ '(' /[a-z0-9]+/ ')' ]      the class in parentheses is dropped
 *   resourcename   := [ hostname '/' ] component [ '/' component ]*
 *   hostname       := hostcomponent [ '.' hostcomponent ]* [ ':' port ]
 *
 * A name may carry one `:` (a port), so the type ends at the FIRST colon and the actions start after
 * the LAST one.
 */

/** One resource and the actions asked for or granted on it; also the JWT `access` entry shape. */
export interface ResourceScope {
  /** `repository` or `registry` for the scopes Berth understands; the class suffix is never kept. */
  type: string;
  /** A repository name (`project/path`, possibly `host:port/…`) or `catalog`. */
  name: string;
  /** Deduplicated, in the order given. `*` means every action on the resource. */
  actions: string[];
}

export type InvalidScopeReason =
  'malformed' | 'unknown_type' | 'invalid_name' | 'invalid_actions' | 'too_many';

/** A scope that was ignored, for the caller to log. `value` is cut to 200 characters. */
export interface InvalidScope {
  value: string;
  reason: InvalidScopeReason;
}

export interface ParsedScopes {
  /** Valid scopes, one entry per resource: repeated resources have their actions merged. */
  scopes: ResourceScope[];
  /** Ignored scopes. Per the token spec these are not errors: they simply grant nothing. */
  invalid: InvalidScope[];
}

export const REPOSITORY = 'repository';
export const REGISTRY = 'registry';
/** `registry:catalog:*`: the only `registry` scope, needed for `GET /v2/_catalog`. */
export const CATALOG_SCOPE: Readonly<ResourceScope> = Object.freeze({
  type: REGISTRY,
  name: 'catalog',
  actions: ['*'],
});

/** Longest single resource scope accepted: a 255-character name plus type and actions, with room. */
export const MAX_SCOPE_LENGTH = 512;
/** Most resources one token request may name; a push with cross-repository mounts names two or three. */
export const MAX_SCOPES = 64;
/** The reference grammar's limit on a full name, hostname included. */
const MAX_NAME_LENGTH = 255;

const TYPE_PATTERN = /^([a-z0-9]+)(?:\([a-z0-9]+\))?$/;
const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOSTNAME = `${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?`;
const COMPONENT = '[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*';
const NAME_PATTERN = new RegExp(`^(?:${HOSTNAME}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const ACTION_PATTERN = /^(?:\*|[a-z]+)$/;

type ParseResult = { ok: true; scope: ResourceScope } | { ok: false; reason: InvalidScopeReason };

/** Whether `name` is a scope resource name (the spec grammar, which allows a `host[:port]/` prefix). */
export function isValidScopeName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}

function parseActions(value: string): string[] | undefined {
  const actions: string[] = [];
  for (const action of value.split(',')) {
    if (action === '') continue; // `pull,` and `pull,,push` are tolerated
    if (!ACTION_PATTERN.test(action)) return undefined;
    if (!actions.includes(action)) actions.push(action);
  }
  return actions.length > 0 ? actions : undefined;
}

function parseOne(value: string): ParseResult {
  if (value.length > MAX_SCOPE_LENGTH) return { ok: false, reason: 'malformed' };
  const first = value.indexOf(':');
  const last = value.lastIndexOf(':');
  if (first <= 0 || last === first) return { ok: false, reason: 'malformed' };
  const typeMatch = TYPE_PATTERN.exec(value.slice(0, first));
  if (!typeMatch) return { ok: false, reason: 'malformed' };
  const type = typeMatch[1]!;
  const name = value.slice(first + 1, last);
  const actions = parseActions(value.slice(last + 1));
  if (type === REPOSITORY) {
    if (!isValidScopeName(name)) return { ok: false, reason: 'invalid_name' };
  } else if (type === REGISTRY) {
    if (name !== 'catalog') return { ok: false, reason: 'invalid_name' };
  } else {
    return { ok: false, reason: 'unknown_type' };
  }
  if (!actions) return { ok: false, reason: 'invalid_actions' };
  return { ok: true, scope: { type, name, actions } };
}

/**
 * Parses one resource scope (no spaces). Returns undefined for anything but a well-formed
 * `repository` or `registry:catalog` scope; use `parseScopes` to learn why.
 */
export function parseScope(value: string): ResourceScope | undefined {
  const result = parseOne(value);
  return result.ok ? result.scope : undefined;
}

function invalid(value: string, reason: InvalidScopeReason): InvalidScope {
  return { value: value.slice(0, 200), reason };
}

/**
 * Parses the `scope` parameter(s) of a token request: a single value or the repeated query
 * parameter, each possibly a space-separated list. Never throws. Repeated resources are merged
 * (actions unioned, first-seen order kept); past `MAX_SCOPES` resources the rest are `too_many`.
 */
export function parseScopes(values: string | readonly string[] | undefined | null): ParsedScopes {
  const list = values == null ? [] : typeof values === 'string' ? [values] : values;
  const scopes: ResourceScope[] = [];
  const invalidScopes: InvalidScope[] = [];
  for (const value of list) {
    if (typeof value !== 'string') continue;
    for (const item of value.split(/[ \t]+/)) {
      if (item === '') continue;
      const result = parseOne(item);
      if (!result.ok) {
        invalidScopes.push(invalid(item, result.reason));
        continue;
      }
      const existing = scopes.find((s) => s.type === result.scope.type && s.name === result.scope.name);
      if (existing) {
        for (const action of result.scope.actions) {
          if (!existing.actions.includes(action)) existing.actions.push(action);
        }
      } else if (scopes.length >= MAX_SCOPES) {
        invalidScopes.push(invalid(item, 'too_many'));
      } else {
        scopes.push(result.scope);
      }
    }
  }
  return { scopes, invalid: invalidScopes };
}

/** `type:name:a,b`. Does not validate: format only scopes that were parsed or built by the code. */
export function formatScope(scope: ResourceScope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

/** Space-separated, as in a challenge's `scope` parameter or the OAuth2 response's `scope`. */
export function formatScopes(scopes: readonly ResourceScope[]): string {
  return scopes.map(formatScope).join(' ');
}

/**
 * Whether the granted access (a verified token's `access` claim) allows `action` on the
 * resource. A granted `*` allows every action. Type and name compare exactly: Berth issues
 * only class-less types, so `repository(plugin)` in a claim grants nothing.
 */
export function accessAllows(
  access: readonly ResourceScope[],
  type: string,
  name: string,
  action: string,
): boolean {
  return access.some(
    (entry) =>
      entry.type === type &&
      entry.name === name &&
      (entry.actions.includes(action) || entry.actions.includes('*')),
  );
}
