// The token service against the Docker token spec (distribution docs/spec/auth/token.md, oauth.md,
// jwt.md) and the api's verification of what it issues: every forged or misdirected token is a
// 401 whose challenge says `error="invalid_token"` (or `insufficient_scope`).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ALL_MANIFEST_TYPES, startRegistryUnderTest, type RegistryUnderTest } from '@berth/testing';
import {
  AdminApi,
  bearer,
  berthOf,
  decodeJwt,
  postToken,
  pushImage,
  requestToken,
  tinyImage,
  tokenFor,
  uploadBlob,
  type ApiAnswer,
  type JwtPayload,
  type TestUser,
} from './access-fixtures.js';

const PROJECT = 'tok';
const REPO = `${PROJECT}/app`;

let registry: RegistryUnderTest;
let admin: AdminApi;
let alice: TestUser; // developer of tok
let bob: TestUser; // guest of tok

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminApi(registry, berthOf(registry).admin);
  await admin.createProject(PROJECT, false);
  alice = await admin.createUser('alice');
  bob = await admin.createUser('bob');
  await admin.addMember(PROJECT, alice.username, 'developer');
  await admin.addMember(PROJECT, bob.username, 'guest');
  await pushImage(registry, berthOf(registry).admin, REPO, 'v1', tinyImage('tokens'));
}, 60_000);

afterAll(async () => {
  await registry?.close();
});

interface TokenBody {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  refresh_token?: string;
}

async function tokenBody(response: Response): Promise<TokenBody> {
  const text = await response.text();
  expect([response.status, text]).toEqual([200, expect.any(String)]);
  return JSON.parse(text) as TokenBody;
}

const pullManifest = (token: string | undefined, repository = REPO) =>
  fetch(`${registry.url}/v2/${repository}/manifests/v1`, {
    headers: { ...bearer(token), accept: ALL_MANIFEST_TYPES },
  });

describe('GET /service/token', () => {
  it('answers token, access_token, expires_in and issued_at, with the granted access in the JWT', async () => {
    const before = Math.floor(Date.now() / 1000);
    const body = await tokenBody(await requestToken(registry, alice, [`repository:${REPO}:pull`]));
    expect(body.token).toEqual(expect.any(String));
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBeGreaterThanOrEqual(60);
    expect(new Date(body.issued_at).toISOString()).toBe(body.issued_at);
    expect(body.refresh_token).toBeUndefined();
    const { header, payload } = decodeJwt(body.token);
    expect(['ES256', 'RS256']).toContain(header.alg);
    expect(header.kid).toEqual(expect.any(String));
    expect(payload).toEqual(
      expect.objectContaining({
        iss: expect.any(String),
        sub: 'alice',
        aud: registry.host,
        access: [{ type: 'repository', name: REPO, actions: ['pull'] }],
      }),
    );
    expect(payload.iat).toBeGreaterThanOrEqual(before - 5);
    expect(payload.exp - payload.iat).toBe(body.expires_in);
    expect(Math.floor(new Date(body.issued_at).getTime() / 1000)).toBe(payload.iat);
    expect((await pullManifest(body.token)).status).toBe(200);
  });

  it('gives a refresh_token with offline_token=true to a logged-in caller, never to an anonymous one', async () => {
    const offline = await tokenBody(
      await requestToken(registry, alice, [`repository:${REPO}:pull`], {
        offline_token: 'true',
        client_id: 'e2e',
      }),
    );
    expect(offline.refresh_token).toEqual(expect.any(String));
    const anonymous = await tokenBody(await requestToken(registry, undefined, [], { offline_token: 'true' }));
    expect(anonymous.refresh_token).toBeUndefined();
  });

  it('grants every repeated scope in one token', async () => {
    const body = await tokenBody(
      await requestToken(registry, alice, [
        `repository:${REPO}:pull`,
        `repository:${PROJECT}/other:pull,push`,
      ]),
    );
    expect(decodeJwt(body.token).payload.access).toEqual([
      { type: 'repository', name: REPO, actions: ['pull'] },
      { type: 'repository', name: `${PROJECT}/other`, actions: ['pull', 'push'] },
    ]);
  });

  it('grants the intersection of requested and allowed actions: a partial grant is not an error', async () => {
    const body = await tokenBody(
      await requestToken(registry, bob, [
        `repository:${REPO}:pull,push,delete`,
        'repository:elsewhere/app:pull',
      ]),
    );
    expect(decodeJwt(body.token).payload.access).toEqual([
      { type: 'repository', name: REPO, actions: ['pull'] },
      { type: 'repository', name: 'elsewhere/app', actions: [] },
    ]);
    expect((await pullManifest(body.token)).status).toBe(200);
    const push = await uploadBlob(registry, REPO, Buffer.from('guest'), bearer(body.token));
    expect(push.status).toBe(403);
  });

  it('reads `repository(plugin):…` as `repository:…`', async () => {
    const body = await tokenBody(await requestToken(registry, alice, [`repository(plugin):${REPO}:pull`]));
    expect(decodeJwt(body.token).payload.access).toEqual([
      { type: 'repository', name: REPO, actions: ['pull'] },
    ]);
    expect((await pullManifest(body.token)).status).toBe(200);
  });

  it('refuses wrong credentials with 401 and an unknown service with 400', async () => {
    const wrong = await requestToken(registry, { username: 'bob', password: 'not-bobs-password' }, []);
    expect(wrong.status).toBe(401);
    const url = new URL(`${berthOf(registry).tokenUrl}/service/token`);
    url.searchParams.set('service', 'registry.example.com');
    expect((await fetch(url)).status).toBe(400);
  });
});

describe('POST /service/token (OAuth2)', () => {
  /** A successful grant: any 2xx with a token body (the status itself is checked once, below). */
  function granted(answer: ApiAnswer): TokenBody {
    expect({ success: answer.status >= 200 && answer.status < 300, text: answer.text }).toEqual({
      success: true,
      text: expect.stringContaining('access_token'),
    });
    return answer.body as TokenBody;
  }

  const passwordGrant = (user: TestUser, extra: Record<string, string> = {}) =>
    postToken(registry, {
      grant_type: 'password',
      username: user.username,
      password: user.password,
      ...extra,
    });

  it('password grant with access_type=offline, then refresh_token grant, round trip', async () => {
    const first = granted(
      await passwordGrant(alice, { scope: `repository:${REPO}:pull`, access_type: 'offline' }),
    );
    expect(first).toEqual(
      expect.objectContaining({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        expires_in: expect.any(Number),
      }),
    );
    expect((await pullManifest(first.access_token)).status).toBe(200);

    const second = granted(
      await postToken(registry, {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        scope: `repository:${REPO}:pull,push`,
      }),
    );
    expect(decodeJwt(second.access_token).payload).toEqual(
      expect.objectContaining({
        sub: 'alice',
        access: [{ type: 'repository', name: REPO, actions: ['pull', 'push'] }],
      }),
    );
    expect((await pullManifest(second.access_token)).status).toBe(200);
  });

  it('answers a successful grant with 200 OK, as RFC 6749 section 5.1 and containers/image require', async () => {
    const password = await passwordGrant(alice, { access_type: 'offline' });
    const refresh = await postToken(registry, {
      grant_type: 'refresh_token',
      refresh_token: (password.body as TokenBody).refresh_token ?? '',
    });
    expect({ password: password.status, refresh: refresh.status }).toEqual({ password: 200, refresh: 200 });
  });

  it('refuses a wrong password, an unknown refresh token and an unknown grant type', async () => {
    const wrong = await postToken(registry, {
      grant_type: 'password',
      username: 'bob',
      password: 'wrong-password',
    });
    expect([wrong.status, (wrong.body as { error?: string }).error]).toEqual([401, 'invalid_grant']);
    const unknown = await postToken(registry, { grant_type: 'refresh_token', refresh_token: 'made-up' });
    expect([unknown.status, (unknown.body as { error?: string }).error]).toEqual([401, 'invalid_grant']);
    const grant = await postToken(registry, { grant_type: 'client_credentials' });
    expect([grant.status, (grant.body as { error?: string }).error]).toEqual([400, 'unsupported_grant_type']);
  });

  /** A refresh token of `user` that works now. */
  async function refreshTokenOf(user: TestUser): Promise<string> {
    const refresh = granted(await passwordGrant(user, { access_type: 'offline' })).refresh_token!;
    granted(await postToken(registry, { grant_type: 'refresh_token', refresh_token: refresh }));
    return refresh;
  }

  it('revokes refresh tokens when the password changes', async () => {
    const carol = await admin.createUser('carol');
    const refresh = await refreshTokenOf(carol);
    await admin.expect(204, 'PUT', `/users/${carol.id}/password`, { newPassword: 'carol-new-Passw0rd!' });
    const after = await postToken(registry, { grant_type: 'refresh_token', refresh_token: refresh });
    expect([after.status, (after.body as { error?: string }).error]).toEqual([401, 'invalid_grant']);
    // the new password logs in; the old one does not
    expect(
      (await requestToken(registry, { username: 'carol', password: 'carol-new-Passw0rd!' }, [])).status,
    ).toBe(200);
    expect((await requestToken(registry, carol, [])).status).toBe(401);
  });

  it('revokes refresh tokens when the user is disabled', async () => {
    const dave = await admin.createUser('dave');
    const refresh = await refreshTokenOf(dave);
    await admin.expect(200, 'PUT', `/users/${dave.id}/disabled`, { disabled: true });
    const after = await postToken(registry, { grant_type: 'refresh_token', refresh_token: refresh });
    expect([after.status, (after.body as { error?: string }).error]).toEqual([401, 'invalid_grant']);
    expect((await requestToken(registry, dave, [])).status).toBe(401);
    // re-enabling does not bring the revoked refresh token back
    await admin.expect(200, 'PUT', `/users/${dave.id}/disabled`, { disabled: false });
    const reenabled = await postToken(registry, { grant_type: 'refresh_token', refresh_token: refresh });
    expect(reenabled.status).toBe(401);
  });
});

describe('robot accounts', () => {
  async function projectRobot(
    name: string,
  ): Promise<{ id: string; login: { username: string; password: string } }> {
    const created = await admin.expect<{ id: string; name: string; secret: string }>(
      201,
      'POST',
      `/projects/${PROJECT}/robots`,
      { name, permissions: ['pull'] },
    );
    return { id: created.id, login: { username: created.name, password: created.secret } };
  }

  it('a robot logs in with its secret and gets exactly its permissions', async () => {
    const robot = await projectRobot('reader');
    const body = await tokenBody(await requestToken(registry, robot.login, [`repository:${REPO}:pull,push`]));
    expect(decodeJwt(body.token).payload).toEqual(
      expect.objectContaining({
        sub: `robot$${PROJECT}+reader`,
        access: [{ type: 'repository', name: REPO, actions: ['pull'] }],
      }),
    );
  });

  it('rotating the secret refuses the old one and revokes its refresh tokens', async () => {
    const robot = await projectRobot('rotated');
    const offline = await tokenBody(await requestToken(registry, robot.login, [], { offline_token: 'true' }));
    expect(offline.refresh_token).toEqual(expect.any(String));
    const rotated = await admin.expect<{ secret: string }>(
      200,
      'POST',
      `/projects/${PROJECT}/robots/${robot.id}/secret`,
    );
    expect((await requestToken(registry, robot.login, [])).status).toBe(401);
    expect((await requestToken(registry, { ...robot.login, password: rotated.secret }, [])).status).toBe(200);
    const refresh = await postToken(registry, {
      grant_type: 'refresh_token',
      refresh_token: offline.refresh_token!,
    });
    expect(refresh.status).toBe(401);
  });

  it('a disabled robot cannot log in, and its refresh tokens are revoked', async () => {
    const robot = await projectRobot('disabled');
    const offline = await tokenBody(await requestToken(registry, robot.login, [], { offline_token: 'true' }));
    await admin.expect(200, 'PUT', `/projects/${PROJECT}/robots/${robot.id}/disabled`, { disabled: true });
    expect((await requestToken(registry, robot.login, [])).status).toBe(401);
    const refresh = await postToken(registry, {
      grant_type: 'refresh_token',
      refresh_token: offline.refresh_token!,
    });
    expect(refresh.status).toBe(401);
  });
});

describe('GET /service/keys', () => {
  it('publishes a JWKS whose key verifies the issued token, without private members', async () => {
    const token = await tokenFor(registry, alice, [`repository:${REPO}:pull`]);
    const response = await fetch(`${berthOf(registry).tokenUrl}/service/keys`);
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: (Record<string, unknown> & { kid: string })[] };
    const { header } = decodeJwt(token);
    const jwk = jwks.keys.find((key) => key.kid === header.kid);
    expect(jwk).toBeDefined();
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(secret);
    const key = createPublicKey({ key: jwk as never, format: 'jwk' });
    const [head, payload, signature] = token.split('.') as [string, string, string];
    const valid = verify(
      'sha256',
      Buffer.from(`${head}.${payload}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    expect(valid).toBe(true);
    // and the key verifies only what it signed
    const tampered = Buffer.from(`${head}.${payload.slice(0, -2)}AA`);
    expect(
      verify('sha256', tampered, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url')),
    ).toBe(false);
  });
});

describe('the api refuses forged tokens with 401 invalid_token', () => {
  let realKey: KeyObject;
  let template: { header: Record<string, unknown>; payload: JwtPayload };

  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  function signWith(key: KeyObject, header: Record<string, unknown>, payload: unknown): string {
    const input = `${encode(header)}.${encode(payload)}`;
    // ES256 and RS256 both hash with SHA-256; ECDSA signatures are raw r||s in a JWS
    return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (changes: Partial<JwtPayload> = {}): JwtPayload => ({
    ...template.payload,
    iat: now(),
    nbf: now(),
    exp: now() + 300,
    ...changes,
  });

  beforeAll(async () => {
    // The token service's signing key, from the data dir it shares with the api: tokens signed
    // with it but carrying wrong claims must still be refused.
    realKey = createPrivateKey(await readFile(path.join(registry.api!.dataDir, 'token-signing-key.pem')));
    const issued = decodeJwt(await tokenFor(registry, alice, [`repository:${REPO}:pull`]));
    template = { header: { ...issued.header }, payload: issued.payload };
  });

  async function expectInvalidToken(token: string): Promise<void> {
    const response = await pullManifest(token);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const body = await response.text();
    expect({
      status: response.status,
      invalidToken: challenge.includes('error="invalid_token"'),
      body,
    }).toEqual({
      status: 401,
      invalidToken: true,
      body: expect.stringContaining('"UNAUTHORIZED"'),
    });
    expect(challenge).toContain(`scope="repository:${REPO}:pull"`);
  }

  it('accepts a token signed with the real key and the right claims (the control case)', async () => {
    expect((await pullManifest(signWith(realKey, template.header, claims()))).status).toBe(200);
  });

  it('refuses a signature by another key under the real kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expectInvalidToken(signWith(privateKey, template.header, claims()));
  });

  it('refuses a token signed by another key under its own kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expectInvalidToken(signWith(privateKey, { ...template.header, kid: 'attacker-key' }, claims()));
  });

  it('refuses alg none', async () => {
    const header = { ...template.header, alg: 'none' };
    await expectInvalidToken(`${encode(header)}.${encode(claims())}.`);
    await expectInvalidToken(`${encode(header)}.${encode(claims())}`);
  });

  it('refuses HS256 keyed with the public key', async () => {
    const publicPem = createPublicKey(realKey).export({ format: 'pem', type: 'spki' });
    const header = { ...template.header, alg: 'HS256' };
    const input = `${encode(header)}.${encode(claims())}`;
    const mac = createHmac('sha256', publicPem).update(input).digest('base64url');
    await expectInvalidToken(`${input}.${mac}`);
  });

  it('refuses a wrong audience', async () => {
    await expectInvalidToken(signWith(realKey, template.header, claims({ aud: 'registry.example.com' })));
  });

  it('refuses a wrong issuer', async () => {
    await expectInvalidToken(signWith(realKey, template.header, claims({ iss: 'someone-else' })));
  });

  it('refuses an expired token', async () => {
    await expectInvalidToken(
      signWith(realKey, template.header, claims({ iat: now() - 900, nbf: now() - 900, exp: now() - 300 })),
    );
  });

  it('refuses a token not valid yet (nbf in the future)', async () => {
    await expectInvalidToken(
      signWith(realKey, template.header, claims({ nbf: now() + 600, exp: now() + 900 })),
    );
  });

  it('refuses garbage', async () => {
    await expectInvalidToken('garbage');
    await expectInvalidToken('a.b.c');
  });

  it('answers a token for another repository with 401 insufficient_scope naming the scope needed', async () => {
    const token = await tokenFor(registry, alice, [`repository:${REPO}:pull`]);
    const response = await pullManifest(token, `${PROJECT}/other`);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain(`scope="repository:${PROJECT}/other:pull"`);
  });
});
