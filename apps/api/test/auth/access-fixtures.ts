// What the auth end-to-end specs share: the admin API calls that set up users, projects,
// members and robots; raw token requests to the token service; a tiny image pushed over plain
// HTTP; and the exact refusals of the token spec (401 with a Bearer challenge, 403 DENIED).
import { expect } from '@jest/globals';
import {
  MediaType,
  basicHeader,
  seededBytes,
  sha256Digest,
  type Credentials,
  type RegistryUnderTest,
} from '@berth/testing';

export type Role = 'admin' | 'maintainer' | 'developer' | 'guest' | 'limited-guest';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** The Berth pieces an auth spec needs; refuses an external registry (these specs test Berth's own auth). */
export function berthOf(registry: RegistryUnderTest): { tokenUrl: string; admin: Credentials } {
  if (!registry.api || !registry.credentials)
    throw new Error('the auth specs need a Berth process they started');
  return { tokenUrl: registry.api.tokenUrl, admin: registry.credentials };
}

/** The admin REST API (`/api/v1`), as a given caller (Basic auth). */
export class AdminApi {
  constructor(
    private readonly registry: RegistryUnderTest,
    private readonly caller: Credentials,
  ) {}

  as(caller: Credentials): AdminApi {
    return new AdminApi(this.registry, caller);
  }

  async call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const response = await fetch(`${this.registry.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: basicHeader(this.caller),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  /** Like `call`, but fails with the request and answer unless the status is `expected`. */
  async expect<T = Record<string, unknown>>(
    expected: number,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const answer = await this.call(method, path, body);
    if (answer.status !== expected) {
      throw new Error(
        `${method} /api/v1${path} as ${this.caller.username}: expected ${expected}, got ${answer.status} ${answer.text}`,
      );
    }
    return answer.body as T;
  }

  /** `POST /api/v1/users`; returns the new user's id and credentials. */
  async createUser(username: string, password = `${username}-Passw0rd!`): Promise<TestUser> {
    const created = await this.expect<{ id: string }>(201, 'POST', '/users', { username, password });
    expect(created).toEqual(expect.objectContaining({ id: expect.any(String), username }));
    return { id: String(created.id), username, password };
  }

  /** `POST /api/v1/projects`; the caller becomes the project's `admin` member. */
  async createProject(name: string, isPublic: boolean): Promise<void> {
    await this.expect(201, 'POST', '/projects', { name, public: isPublic });
  }

  async addMember(project: string, username: string, role: Role): Promise<void> {
    await this.expect(201, 'POST', `/projects/${project}/members`, { username, role });
  }

  /** `POST /api/v1/projects/{p}/robots`; returns the robot's login (`robot$<project>+<name>`). */
  async createProjectRobot(project: string, name: string, permissions: string[]): Promise<Credentials> {
    const created = await this.expect<RobotSecret>(201, 'POST', `/projects/${project}/robots`, {
      name,
      permissions,
      expiresInDays: -1,
    });
    expect(created).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        name: `robot$${project}+${name}`,
        secret: expect.any(String),
      }),
    );
    return { username: created.name, password: created.secret };
  }

  /** `POST /api/v1/robots`: a system robot `robot$<name>` with per-project permissions. */
  async createSystemRobot(
    name: string,
    permissions: { project: string; actions: string[] }[],
  ): Promise<Credentials> {
    const created = await this.expect<RobotSecret>(201, 'POST', '/robots', {
      name,
      permissions,
      expiresInDays: -1,
    });
    expect(created).toEqual(expect.objectContaining({ name: `robot$${name}`, secret: expect.any(String) }));
    return { username: created.name, password: created.secret };
  }
}

interface RobotSecret {
  id: string;
  name: string;
  secret: string;
}

export interface TestUser extends Credentials {
  id: string;
}

/** `GET <tokenUrl>/service/token` with repeated `scope`s, Basic or anonymous. */
export async function requestToken(
  registry: RegistryUnderTest,
  credentials: Credentials | undefined,
  scopes: readonly string[],
  extra: Record<string, string> = {},
): Promise<Response> {
  const url = new URL(`${berthOf(registry).tokenUrl}/service/token`);
  url.searchParams.set('service', registry.host);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, value);
  return fetch(url, { headers: credentials ? { authorization: basicHeader(credentials) } : {} });
}

/** A registry token for `scopes`; fails the test unless the token service answers 200. */
export async function tokenFor(
  registry: RegistryUnderTest,
  credentials: Credentials | undefined,
  scopes: readonly string[],
): Promise<string> {
  const response = await requestToken(registry, credentials, scopes);
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(
      `token for ${credentials?.username ?? 'anonymous'} ${scopes.join(' ')}: ${response.status} ${text}`,
    );
  }
  return (JSON.parse(text) as { token: string }).token;
}

/** `POST <tokenUrl>/service/token` with an OAuth2 form. */
export async function postToken(
  registry: RegistryUnderTest,
  form: Record<string, string>,
): Promise<ApiAnswer> {
  const response = await fetch(`${berthOf(registry).tokenUrl}/service/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ service: registry.host, client_id: 'berth-e2e', ...form }).toString(),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

export interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
}

export interface JwtPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: { type: string; name: string; actions: string[] }[];
}

export function decodeJwt(token: string): { header: JwtHeader; payload: JwtPayload } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as JwtHeader,
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as JwtPayload,
  };
}

export const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

/** A small single-layer OCI image whose bytes depend only on `seed`. */
export interface TinyImage {
  config: Buffer;
  configDigest: string;
  layer: Buffer;
  layerDigest: string;
  manifest: Buffer;
  digest: string;
}

export function tinyImage(seed: string, layer: Buffer = seededBytes(`${seed}/layer`, 512)): TinyImage {
  const layerDigest = sha256Digest(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { seed } },
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const configDigest = sha256Digest(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: config.length },
      layers: [{ mediaType: MediaType.ociLayer, digest: layerDigest, size: layer.length }],
    }),
  );
  return { config, configDigest, layer, layerDigest, manifest, digest: sha256Digest(manifest) };
}

/** `POST /v2/<repo>/blobs/uploads/?digest=…` with the whole blob (a monolithic upload). */
export function uploadBlob(
  registry: RegistryUnderTest,
  repository: string,
  bytes: Buffer,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${registry.url}/v2/${repository}/blobs/uploads/?digest=${sha256Digest(bytes)}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
}

export function putManifest(
  registry: RegistryUnderTest,
  repository: string,
  reference: string,
  manifest: Buffer,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': MediaType.ociManifest },
    body: manifest,
  });
}

/** Pushes `image` as `<repository>:<tag>` with a token for `credentials`; fails unless every step succeeds. */
export async function pushImage(
  registry: RegistryUnderTest,
  credentials: Credentials,
  repository: string,
  tag: string,
  image: TinyImage,
): Promise<void> {
  const token = await tokenFor(registry, credentials, [`repository:${repository}:pull,push`]);
  for (const blob of [image.layer, image.config]) {
    const response = await uploadBlob(registry, repository, blob, bearer(token));
    if (response.status !== 201)
      throw new Error(`blob upload to ${repository}: ${response.status} ${await response.text()}`);
  }
  const response = await putManifest(registry, repository, tag, image.manifest, bearer(token));
  if (response.status !== 201)
    throw new Error(`manifest PUT ${repository}:${tag}: ${response.status} ${await response.text()}`);
}

/**
 * How a /v2/ request ended, in the matrix's vocabulary: `ok` (2xx), `401` (a proper challenge:
 * UNAUTHORIZED body and `Bearer realm,service,scope` naming `scope`), `403` (DENIED body), or
 * anything else spelled out so a failing matrix shows what went wrong.
 */
export async function outcome(
  response: Response,
  registry: RegistryUnderTest,
  scope: string,
): Promise<string> {
  const text = await response.text();
  if (response.status >= 200 && response.status < 300) return 'ok';
  const code = (() => {
    try {
      return (JSON.parse(text) as { errors?: { code?: string }[] }).errors?.[0]?.code;
    } catch {
      return undefined;
    }
  })();
  if (response.status === 401 && code === 'UNAUTHORIZED') {
    const challenge = response.headers.get('www-authenticate') ?? '';
    const realm = `${berthOf(registry).tokenUrl}/service/token`;
    const wellFormed =
      challenge.startsWith('Bearer ') &&
      challenge.includes(`realm="${realm}"`) &&
      challenge.includes(`service="${registry.host}"`) &&
      challenge.includes(`scope="${scope}"`);
    return wellFormed ? '401' : `401 with challenge ${challenge}`;
  }
  if (response.status === 403 && code === 'DENIED') return '403';
  return `${response.status} ${text.slice(0, 300)}`;
}

/** The repositories `GET /v2/_catalog` shows with `token` (following `Link` pages). */
export async function catalogOf(
  registry: RegistryUnderTest,
  token: string | undefined,
  pageSize = 1000,
): Promise<{ status: number; repositories: string[]; pages: string[][]; text: string }> {
  let next: string | undefined = `/v2/_catalog?n=${pageSize}`;
  const pages: string[][] = [];
  while (next !== undefined) {
    const response = await fetch(new URL(next, registry.url), { headers: bearer(token) });
    const text = await response.text();
    if (response.status !== 200) return { status: response.status, repositories: [], pages, text };
    pages.push((JSON.parse(text) as { repositories: string[] }).repositories);
    const link = response.headers.get('link');
    next = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
    if (pages.length > 100) throw new Error('catalog paging does not end');
  }
  return { status: 200, repositories: pages.flat(), pages, text: '' };
}
