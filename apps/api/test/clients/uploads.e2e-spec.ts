// Chunked blob uploads that outlive the api process they started on: scale-out (two processes on
// one database and data dir, the upload moving between them) and restarts (graceful stop and
// SIGKILL). Against an external registry (BERTH_E2E_URL) the same HTTP flows run on one
// process, without the stop/kill/second-process part.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  createSharedState,
  externalRegistryUrl,
  locationOf,
  onHost,
  seededBytes,
  sha256Digest,
  withQuery,
  type SharedState,
} from '@berth/testing';

const TIMEOUT = 120_000;
const nonce = randomBytes(3).toString('hex');
const external = externalRegistryUrl();
const repo = (name: string): string => `e2e-${nonce}/uploads/${name}`;

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

async function startUpload(base: string, repository: string): Promise<string> {
  const response = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await response.arrayBuffer();
  expect(response.status).toBe(202);
  return locationOf(response, base);
}

/** PATCHes one chunk at `offset`; expects 202 with Range covering everything so far; returns the next Location. */
async function patchChunk(location: string, chunk: Buffer, offset: number): Promise<string> {
  const response = await fetch(location, {
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
async function uploadStatus(location: string, received: number): Promise<string> {
  const response = await fetch(location);
  await response.arrayBuffer();
  expect({ status: response.status, range: response.headers.get('range') }).toEqual({
    status: 204,
    range: `0-${received - 1}`,
  });
  return response.headers.get('location') ? locationOf(response, location) : location;
}

async function finishUpload(
  location: string,
  base: string,
  repository: string,
  digest: string,
): Promise<void> {
  const response = await fetch(withQuery(location, { digest }), { method: 'PUT' });
  await response.arrayBuffer();
  expect({ status: response.status, digest: response.headers.get('docker-content-digest') }).toEqual({
    status: 201,
    digest,
  });
  expect(new URL(locationOf(response, base)).pathname).toBe(`/v2/${repository}/blobs/${digest}`);
}

async function expectBlob(base: string, repository: string, blob: Buffer): Promise<void> {
  const digest = sha256Digest(blob);
  const head = await fetch(`${base}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
  await head.arrayBuffer();
  expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({
    status: 200,
    length: String(blob.length),
  });
  const response = await fetch(`${base}/v2/${repository}/blobs/${digest}`);
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
      const a = state ? (await state.start()).url : external!;
      const b = state ? (await state.start()).url : external!;
      const repository = repo('scale-out');
      const { first, second, blob, digest } = chunks('scale-out');

      let location = await startUpload(a, repository);
      location = await patchChunk(location, first, 0);
      location = await patchChunk(onHost(location, b), second, first.length);
      await uploadStatus(location, blob.length);
      await finishUpload(location, b, repository, digest);
      await expectBlob(a, repository, blob);
      await expectBlob(b, repository, blob);
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

        let base = before?.url ?? external!;
        let location = await startUpload(base, repository);
        location = await patchChunk(location, first, 0);
        if (state && before) {
          await before[how]();
          const after = await state.start();
          base = after.url;
          location = onHost(location, base);
        }
        location = await uploadStatus(location, first.length);
        location = await patchChunk(location, second, first.length);
        await finishUpload(location, base, repository, digest);
        await expectBlob(base, repository, blob);
      },
      TIMEOUT,
    );
  }
});
