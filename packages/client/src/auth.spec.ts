import { describe, expect, it } from '@jest/globals';
import { digestOf } from '@berth/oci';
import { Authenticator } from './auth.js';
import { RegistryClientError } from './errors.js';
import { empty, fakeFetch, json } from './fake-registry.spec-helper.js';
import { RegistryClient } from './registry-client.js';

const REGISTRY = 'https://registry.example.com';
const REALM = 'https://auth.example.com/token';
const credentials = { username: 'robot', password: 's3cret-Pa55' };
const digest = digestOf(Buffer.from('blob'));
const challenge = (scope: string, error?: string) =>
  `Bearer realm="${REALM}",service="registry.example.com",scope="${scope}"${error ? `,error="${error}"` : ''}`;

/** A registry that wants a token naming exactly the scopes in `grants` (token = scopes). */
function tokenRegistry() {
  let issued = 0;
  const fetch = fakeFetch(({ url, headers }) => {
    if (url.origin === 'https://auth.example.com') {
      if (headers.get('authorization') !== `Basic ${Buffer.from('robot:s3cret-Pa55').toString('base64')}`) {
        return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
      }
      issued += 1;
      return json(200, {
        token: `t${issued}:${url.searchParams.getAll('scope').join(' ')}`,
        expires_in: 300,
      });
    }
    const repository = url.pathname.split('/blobs/')[0]!.slice(4);
    const needed = url.pathname.includes('/uploads/')
      ? `repository:${repository}:pull,push`
      : `repository:${repository}:pull`;
    const token = headers.get('authorization')?.replace(/^Bearer t\d+:/, '') ?? '';
    if (!headers.get('authorization')?.startsWith('Bearer '))
      return json(401, {}, { 'www-authenticate': challenge(needed) });
    if (!token.split(' ').includes(needed)) {
      return json(401, {}, { 'www-authenticate': challenge(needed, 'insufficient_scope') });
    }
    return empty(200, { 'content-length': '4' });
  });
  return fetch;
}

describe('Bearer token flow', () => {
  it('answers a challenge with service and scope, then reuses the cached token', async () => {
    const fetch = tokenRegistry();
    const client = new RegistryClient({ url: REGISTRY, credentials, fetch });
    expect(await client.headBlob('team/app', digest)).toBe(4);
    expect(await client.headBlob('team/app', digest)).toBe(4);
    const tokenRequests = fetch.seen.filter((request) => request.url.origin === 'https://auth.example.com');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.url.searchParams.get('service')).toBe('registry.example.com');
    expect(tokenRequests[0]!.url.searchParams.getAll('scope')).toEqual(['repository:team/app:pull']);
    // First request unauthenticated (401), retried with the token, then the cached token straight away.
    expect(
      fetch.seen.map((request) => request.url.origin === REGISTRY && request.headers.has('authorization')),
    ).toEqual([false, false, true, true]);
  });

  it('fetches a token up front for a new scope once the realm is known', async () => {
    const fetch = tokenRegistry();
    const client = new RegistryClient({ url: REGISTRY, credentials, fetch });
    await client.headBlob('team/app', digest);
    fetch.seen.length = 0;
    await client.headBlob('team/other', digest);
    expect(
      fetch.seen.map(
        (request) => `${request.url.host} ${request.url.searchParams.getAll('scope').join(' ')}`,
      ),
    ).toEqual(['auth.example.com repository:team/other:pull', 'registry.example.com ']);
  });

  it('re-challenges on insufficient_scope with the union of the scopes', async () => {
    const fetch = fakeFetch(({ url, headers }) => {
      if (url.origin === 'https://auth.example.com') {
        return json(200, { access_token: `tok:${url.searchParams.getAll('scope').join(' ')}` });
      }
      const token = headers.get('authorization') ?? '';
      if (!token.includes('repository:team/app:pull,push')) {
        return json(
          401,
          {},
          { 'www-authenticate': challenge('repository:team/app:pull,push', 'insufficient_scope') },
        );
      }
      return empty(200, { 'content-length': '0' });
    });
    const client = new RegistryClient({ url: REGISTRY, credentials, fetch });
    await client.headBlob('team/app', digest);
    const scopes = fetch.seen
      .filter((request) => request.url.origin === 'https://auth.example.com')
      .map((request) => request.url.searchParams.getAll('scope'));
    expect(scopes).toEqual([['repository:team/app:pull,push']]);
  });

  it('reports refused credentials as a 401 naming the realm, never the password', async () => {
    const fetch = tokenRegistry();
    const client = new RegistryClient({
      url: REGISTRY,
      credentials: { ...credentials, password: 'wrong-Pa55' },
      fetch,
    });
    const error = (await client.headBlob('team/app', digest).catch((e: unknown) => e)) as RegistryClientError;
    expect(error).toBeInstanceOf(RegistryClientError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED', url: `${REALM}` });
    expect(error.message).toContain('robot');
    expect(error.message).not.toContain('wrong-Pa55');
  });

  it('stops using a token shortly before expires_in and fetches another', async () => {
    let now = 1_000_000;
    let issued = 0;
    const send = (url: string) => {
      issued += 1;
      return Promise.resolve(json(200, { token: `t${issued}`, expires_in: 60, url }));
    };
    const auth = new Authenticator(send, credentials, () => now);
    await auth.answer(
      empty(401, { 'www-authenticate': challenge('repository:a:pull') }),
      ['repository:a:pull'],
      undefined,
    );
    expect(await auth.authorization(['repository:a:pull'])).toBe('Bearer t1');
    now += 49_000;
    expect(await auth.authorization(['repository:a:pull'])).toBe('Bearer t1');
    now += 6_000;
    expect(await auth.authorization(['repository:a:pull'])).toBe('Bearer t2');
  });
});

describe('Basic', () => {
  it('sends the credentials after a Basic challenge and gives up when they are refused', async () => {
    const good = `Basic ${Buffer.from('robot:s3cret-Pa55').toString('base64')}`;
    const fetch = fakeFetch(({ headers }) =>
      headers.get('authorization') === good
        ? empty(200, { 'content-length': '7' })
        : json(
            401,
            { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
            { 'www-authenticate': 'Basic realm="distribution"' },
          ),
    );
    expect(await new RegistryClient({ url: REGISTRY, credentials, fetch }).headBlob('a', digest)).toBe(7);
    const wrong = new RegistryClient({
      url: REGISTRY,
      credentials: { username: 'robot', password: 'nope-nope' },
      fetch,
    });
    const error = (await wrong.headBlob('a', digest).catch((e: unknown) => e)) as RegistryClientError;
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(error.message).not.toContain('nope-nope');
  });
});

describe('redirects', () => {
  it('follows a blob redirect to storage without sending the registry credentials there', async () => {
    const bytes = Buffer.from('blob');
    const fetch = fakeFetch(({ url, headers }) => {
      if (url.host === 'storage.example.com') return new Response(bytes, { status: 200 });
      if (!headers.has('authorization')) return empty(401, { 'www-authenticate': 'Basic realm="r"' });
      return empty(307, { location: 'https://storage.example.com/signed?sig=1' });
    });
    const client = new RegistryClient({ url: REGISTRY, credentials, fetch });
    const chunks: Buffer[] = [];
    for await (const chunk of await client.getBlob('a', digest)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    const storage = fetch.seen.find((request) => request.url.host === 'storage.example.com')!;
    expect(storage.headers.has('authorization')).toBe(false);
  });

  it('refuses plain http to a remote host unless insecure, and credentials in the URL', () => {
    expect(() => new RegistryClient({ url: 'http://registry.example.com' })).toThrow(/insecure/);
    expect(new RegistryClient({ url: 'http://registry.example.com', insecure: true }).url).toBe(
      'http://registry.example.com/',
    );
    expect(new RegistryClient({ url: 'http://127.0.0.1:5000' }).url).toBe('http://127.0.0.1:5000/');
    expect(() => new RegistryClient({ url: 'https://u:p@registry.example.com' })).toThrow(/credentials/);
  });
});
