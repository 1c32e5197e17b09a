// Chunked blob uploads that outlive the api process they started on: scale-out (two processes on
// one database and data dir, the upload moving between them) and restarts (graceful stop and
// SIGKILL). Against an external registry (BERTH_E2E_URL) the same HTTP flows run on one
// process, without the stop/kill/second-process part.
//
// Every request carries a token. Each api process has its own token service, on the same
// database and data dir (so the same signing key). A token's audience (`service`) is the public
// host, so the second process gets the first one's BERTH_PUBLIC_URL, as replicas behind one
// address (or a restarted process) would have it: then a token from the first process's token
// service is valid on the second, and the tests use the first process's credentials for both.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  authenticatedFetch,
  createProject,
  createSharedState,
  externalCredentials,
  externalRegistryUrl,
  locationOf,
  onHost,
  seededBytes,
  sha256Digest,
  withQuery,
  type ApiProcess,
  type AuthenticatedFetch,
  type SharedState,
} from '@berth/testing';

const TIMEOUT = 120_000;
const nonce = randomBytes(3).toString('hex');
const external = externalRegistryUrl();
const project = `e2e-${nonce}`;
const repo = (name: string): string => `${project}/uploads/${name}`;

const states: SharedState[] = [];
/** A fresh database + data dir (closed after all tests), or undefined against an external registry. */
async function sharedState(): Promise<SharedState | undefined> {
  if (external) return undefined;
  const state = await createSharedState();
  states.push(state);
  return state;
}

beforeAll(() => {
  if (external) console.log(`uploads: external registry ${external}: one process, no scale-out/restart part`);
});

afterAll(async () => {
  await Promise.all(states.map((state) => state.close()));
}, 60_000);

/** Start options for another process behind the same public address as `api`. */
function samePublicUrl(api: ApiProcess): { env: Record<string, string> } {
  return { env: { BERTH_PUBLIC_URL: api.url } };
}

/**
 * A fetch with the admin credentials of `api` (the first process of a shared state), after
 * creating the test's project through it; for an external registry, BERTH_E2E_CREDS if set.
 */
async function clientFor(api: ApiProcess | undefined): Promise<AuthenticatedFetch> {
  if (!api) return authenticatedFetch(externalCredentials());
  const credentials = { username: 'admin', password: api.adminPassword };
  await createProject(api.url, credentials, project);
  return authenticatedFetch(credentials);
}

async function startUpload(send: typeof fetch, base: string, repository: string): Promise<string> {
  const response = await send(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await response.arrayBuffer();
  expect(response.status).toBe(202);
  return locationOf(response, base);
}

/** PATCHes one chunk at `offset`; expects 202 with Range covering everything so far; returns the next Location. */
async function patchChunk(
  send: typeof fetch,
  location: string,
  chunk: Buffer,
  offset: number,
): Promise<string> {
  const response = await send(location, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/octet-stream',
      'content-range': `${offset}-${offset + chunk.length - 1}`,
    },
    body: chunk,
  });
  await response.arrayBuffer();
  expect({ status: response.status, range: response.headers.get('range') }).toEqual({
    status: 202,
    range: `0-${offset + chunk.length - 1}`,
  });
  return locationOf(response, location);
}

/** GET on the upload URL: 204 and the Range received so far; returns the Location to continue with. */
async function uploadStatus(send: typeof fetch, location: string, received: number): Promise<string> {
  const response = await send(location);
  await response.arrayBuffer();
  expect({ status: response.status, range: response.headers.get('range') }).toEqual({
    status: 204,
    range: `0-${received - 1}`,
  });
  return response.headers.get('location') ? locationOf(response, location) : location;
}

async function finishUpload(
  send: typeof fetch,
  location: string,
  base: string,
  repository: string,
  digest: string,
): Promise<void> {
  const response = await send(withQuery(location, { digest }), { method: 'PUT' });
  await response.arrayBuffer();
  expect({ status: response.status, digest: response.headers.get('docker-content-digest') }).toEqual({
    status: 201,
    digest,
  });
  expect(new URL(locationOf(response, base)).pathname).toBe(`/v2/${repository}/blobs/${digest}`);
}

async function expectBlob(send: typeof fetch, base: string, repository: string, blob: Buffer): Promise<void> {
  const digest = sha256Digest(blob);
  const head = await send(`${base}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
  await head.arrayBuffer();
  expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({
    status: 200,
    length: String(blob.length),
  });
  const response = await send(`${base}/v2/${repository}/blobs/${digest}`);
  expect(response.status).toBe(200);
  const body = Buffer.from(await response.arrayBuffer());
  expect({ length: body.length, digest: sha256Digest(body) }).toEqual({ length: blob.length, digest });
  expect(body.equals(blob)).toBe(true);
}

/** Two chunks of odd sizes (not multiples of any buffer size), and their concatenation. */
function chunks(name: string): { first: Buffer; second: Buffer; blob: Buffer; digest: string } {
  const first = seededBytes(`${name}-1-${nonce}`, 1024 * 1024 + 17);
  const second = seededBytes(`${name}-2-${nonce}`, 700 * 1024 + 3);
  const blob = Buffer.concat([first, second]);
  return { first, second, blob, digest: sha256Digest(blob) };
}

describe('chunked uploads', () => {
  it(
    'scale-out: POST and PATCH on A, PATCH and PUT on B, GET from A',
    async () => {
      const state = await sharedState();
      const apiA = state ? await state.start() : undefined;
      const apiB = state && apiA ? await state.start(samePublicUrl(apiA)) : undefined;
      const a = apiA?.url ?? external!;
      const b = apiB?.url ?? external!;
      // A's credentials and tokens for both processes
      const send = await clientFor(apiA);
      const repository = repo('scale-out');
      const { first, second, blob, digest } = chunks('scale-out');

      let location = await startUpload(send, a, repository);
      location = await patchChunk(send, location, first, 0);
      location = await patchChunk(send, onHost(location, b), second, first.length);
      await uploadStatus(send, location, blob.length);
      await finishUpload(send, location, b, repository, digest);
      await expectBlob(send, a, repository, blob);
      await expectBlob(send, b, repository, blob);

      if (apiA) {
        // a token that A's token service issued (fresh client: challenged by A) is good on B
        const fromA = authenticatedFetch({ username: 'admin', password: apiA.adminPassword });
        const authorization = await fromA.authorize(`${a}/v2/${repository}/tags/list`);
        expect(authorization.authorization).toMatch(/^Bearer /);
        const onB = await fetch(`${b}/v2/${repository}/blobs/${digest}`, {
          method: 'HEAD',
          headers: authorization,
        });
        expect(onB.status).toBe(200);
      }
    },
    TIMEOUT,
  );

  for (const how of ['stop', 'kill'] as const) {
    it(
      `restart (${how === 'stop' ? 'SIGTERM' : 'SIGKILL'}): an upload continues on a new process over the same state`,
      async () => {
        const state = await sharedState();
        const before = state ? await state.start() : undefined;
        const repository = repo(`restart-${how}`);
        const { first, second, blob, digest } = chunks(`restart-${how}`);

        // the first process's credentials and tokens, also after it is gone
        const send = await clientFor(before);
        let base = before?.url ?? external!;
        let location = await startUpload(send, base, repository);
        location = await patchChunk(send, location, first, 0);
        if (state && before) {
          // a token that the first process's token service issued (fresh client) …
          const early = await authenticatedFetch({
            username: 'admin',
            password: before.adminPassword,
          }).authorize(location);
          expect(early.authorization).toMatch(/^Bearer /);
          await before[how]();
          const after = await state.start(samePublicUrl(before));
          base = after.url;
          location = onHost(location, base);
          // … is still good after the restart
          const status = await fetch(location, { headers: early });
          await status.arrayBuffer();
          expect({ status: status.status, range: status.headers.get('range') }).toEqual({
            status: 204,
            range: `0-${first.length - 1}`,
          });
        }
        location = await uploadStatus(send, location, first.length);
        location = await patchChunk(send, location, second, first.length);
        await finishUpload(send, location, base, repository, digest);
        await expectBlob(send, base, repository, blob);
      },
      TIMEOUT,
    );
  }
});
