// Logging in with real clients: docker (an identity token, not the password, in config.json),
// podman, and skopeo with a user's and a robot's credentials. A robot that may only pull cannot push.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildOciLayout,
  dockerEnv,
  getManifest,
  podmanEnv,
  startRegistryUnderTest,
  type BuiltImage,
  type ClientEnv,
  type Credentials,
  type RegistryUnderTest,
} from '@berth/testing';
import { AdminApi, berthOf, type TestUser } from './access-fixtures.js';

const TIMEOUT = 120_000;
const PROJECT = 'cli';

let registry: RegistryUnderTest;
let admin: AdminApi;
let developer: TestUser;
let pushRobot: Credentials;
let pullRobot: Credentials;
let containers: ClientEnv;
let work: string;
let base: BuiltImage;

const ref = (name: string, tag = '1'): string => `${registry.host}/${PROJECT}/${name}:${tag}`;
const creds = (login: Credentials): string => `${login.username}:${login.password}`;

/** `skopeo copy` of an OCI layout to the registry with `--dest-creds`. */
const skopeoPush = (image: BuiltImage, target: string, login: Credentials) =>
  containers.run('skopeo', [
    'copy',
    '--preserve-digests',
    '--dest-tls-verify=false',
    `--dest-creds=${creds(login)}`,
    image.reference,
    `docker://${target}`,
  ]);

const adminManifest = (name: string, tag = '1') =>
  getManifest({ url: registry.url, fetch: registry.fetch }, `${PROJECT}/${name}`, tag);

beforeAll(async () => {
  registry = await startRegistryUnderTest();
  admin = new AdminApi(registry, berthOf(registry).admin);
  await admin.createProject(PROJECT, false);
  developer = await admin.createUser('dev');
  await admin.addMember(PROJECT, developer.username, 'developer');
  pushRobot = await admin.createProjectRobot(PROJECT, 'ci', ['pull', 'push']);
  pullRobot = await admin.createProjectRobot(PROJECT, 'reader', ['pull']);
  containers = await podmanEnv();
  // `podman pull oci:<dir>` names the image localhost/<dir>: the path must be lowercase
  work = path.join(tmpdir(), `berth-auth-clients-${randomBytes(6).toString('hex')}`);
  await mkdir(work);
  base = await buildOciLayout({
    dir: path.join(work, 'base'),
    tag: '1',
    seed: 'auth-clients-base',
    layerSizes: [2048],
  });
  const pushed = await skopeoPush(base, ref('base'), berthOf(registry).admin);
  expect(pushed.code).toBe(0);
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await containers?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('docker CLI', () => {
  let docker: ClientEnv;
  beforeAll(async () => {
    docker = await dockerEnv();
  });
  afterAll(async () => {
    await docker?.cleanup();
  });

  it(
    'docker login stores an identity token, not the password, and docker manifest inspect uses it',
    async () => {
      const { admin: login } = berthOf(registry);
      const result = await docker.run(
        'docker',
        ['login', registry.host, '-u', login.username, '--password-stdin'],
        {
          input: login.password,
        },
      );
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      const file = await readFile(path.join(docker.dir, 'config.json'), 'utf8');
      const entry = (JSON.parse(file) as { auths: Record<string, { identitytoken?: string; auth?: string }> })
        .auths[registry.host];
      expect(entry?.identitytoken).toEqual(expect.any(String));
      expect(entry!.identitytoken!.length).toBeGreaterThan(10);
      expect(file).not.toContain(login.password);
      expect(file).not.toContain(Buffer.from(`${login.username}:${login.password}`).toString('base64'));

      const inspect = await docker.run('docker', ['manifest', 'inspect', '--insecure', ref('base')]);
      expect({ code: inspect.code, stderr: inspect.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(inspect.stdout)).toEqual(JSON.parse(base.manifest.toString()));
    },
    TIMEOUT,
  );

  it(
    "skopeo reuses docker's stored identity token (the OAuth2 refresh_token grant of containers/image)",
    async () => {
      // runs after the docker login above: config.json holds an identitytoken
      const inspect = await containers.run('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        `--authfile=${path.join(docker.dir, 'config.json')}`,
        `docker://${ref('base')}`,
      ]);
      expect({ code: inspect.code, stderr: inspect.stderr }).toEqual({ code: 0, stderr: '' });
      expect(inspect.stdoutBytes).toEqual(base.manifest);
    },
    TIMEOUT,
  );

  it(
    'docker login with a wrong password fails and stores nothing',
    async () => {
      const fresh = await dockerEnv();
      try {
        const result = await fresh.run('docker', ['login', registry.host, '-u', 'dev', '--password-stdin'], {
          input: 'not-the-password',
        });
        expect(result.code).not.toBe(0);
        expect(result.stderr.toLowerCase()).toMatch(/unauthorized|denied|incorrect|invalid/);
        const file = JSON.parse(await readFile(path.join(fresh.dir, 'config.json'), 'utf8')) as {
          auths: Record<string, unknown>;
        };
        expect(file.auths[registry.host]).toBeUndefined();
      } finally {
        await fresh.cleanup();
      }
    },
    TIMEOUT,
  );
});

describe('podman', () => {
  it(
    'logs in, pushes and pulls back',
    async () => {
      const login = await containers.run(
        'podman',
        ['login', '--tls-verify=false', '-u', developer.username, '--password-stdin', registry.host],
        { input: developer.password },
      );
      expect({ code: login.code, stderr: login.stderr }).toEqual({ code: 0, stderr: '' });
      const image = await buildOciLayout({
        dir: path.join(work, 'podman'),
        tag: '1',
        seed: 'auth-podman',
        layerSizes: [4096],
      });
      const id = (await containers.runOk('podman', ['pull', '-q', image.reference])).stdout.trim();
      await containers.runOk('podman', ['tag', id, ref('podman')]);
      const push = await containers.run('podman', ['push', '--tls-verify=false', ref('podman')]);
      expect({ code: push.code, stderr: push.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      expect((await adminManifest('podman')).status).toBe(200);

      await containers.runOk('podman', ['rmi', '-f', id]);
      const pull = await containers.run('podman', ['pull', '-q', '--tls-verify=false', ref('podman')]);
      expect({ code: pull.code, stderr: pull.stderr }).toEqual({ code: 0, stderr: '' });
      expect(pull.stdout.trim()).toBe(id);

      await containers.runOk('podman', ['logout', registry.host]);
      const anonymous = await containers.run('podman', ['pull', '-q', '--tls-verify=false', ref('base')]);
      expect(anonymous.code).not.toBe(0);
    },
    TIMEOUT,
  );
});

describe('skopeo', () => {
  it(
    'copies and inspects with --creds of a project member',
    async () => {
      const image = await buildOciLayout({
        dir: path.join(work, 'user'),
        tag: '1',
        seed: 'auth-skopeo-user',
        layerSizes: [1000],
      });
      const push = await skopeoPush(image, ref('by-user'), developer);
      expect({ code: push.code, stderr: push.stderr }).toEqual({ code: 0, stderr: '' });
      const inspect = await containers.run('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        `--creds=${creds(developer)}`,
        `docker://${ref('by-user')}`,
      ]);
      expect(inspect.code).toBe(0);
      expect(inspect.stdoutBytes).toEqual(image.manifest);
    },
    TIMEOUT,
  );

  it(
    'copies and inspects with --creds of a robot (robot$<project>+<name>:<secret>)',
    async () => {
      expect(pushRobot.username).toBe(`robot$${PROJECT}+ci`);
      const image = await buildOciLayout({
        dir: path.join(work, 'robot'),
        tag: '1',
        seed: 'auth-skopeo-robot',
        layerSizes: [1000],
      });
      const push = await skopeoPush(image, ref('by-robot'), pushRobot);
      expect({ code: push.code, stderr: push.stderr }).toEqual({ code: 0, stderr: '' });
      const inspect = await containers.run('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        `--creds=${creds(pushRobot)}`,
        `docker://${ref('by-robot')}`,
      ]);
      expect(inspect.code).toBe(0);
      expect(inspect.stdoutBytes).toEqual(image.manifest);
    },
    TIMEOUT,
  );

  it(
    'a robot with pull only can pull but cannot push',
    async () => {
      const inspect = await containers.run('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        `--creds=${creds(pullRobot)}`,
        `docker://${ref('base')}`,
      ]);
      expect({ code: inspect.code, stderr: inspect.stderr }).toEqual({ code: 0, stderr: '' });
      expect(inspect.stdoutBytes).toEqual(base.manifest);

      const image = await buildOciLayout({
        dir: path.join(work, 'denied'),
        tag: '1',
        seed: 'auth-skopeo-denied',
        layerSizes: [1000],
      });
      const push = await skopeoPush(image, ref('denied'), pullRobot);
      expect(push.code).not.toBe(0);
      expect(push.stderr.toLowerCase()).toMatch(/denied|unauthorized/);
      expect((await adminManifest('denied')).status).toBe(404);
    },
    TIMEOUT,
  );
});
