import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import type { StorageDriver } from '../driver.js';
import { InvalidPathError } from '../errors.js';
import { type CurrentDriver, getText, putText, showInput, walkedPaths } from './driver-fixture.js';

/**
 * Paths no driver may accept. Each would escape the root, alias another path, or differ between
 * platforms if a driver let it through.
 */
export const HOSTILE_PATHS: readonly unknown[] = [
  '',
  'relative',
  'a/b',
  './a',
  '../a',
  '/..',
  '/.',
  '/a/..',
  '/a/.',
  '/a/../b',
  '/a/./b',
  '/../../etc/passwd',
  '//',
  '//a',
  '/a//b',
  '/a/',
  '/a\\b',
  '\\a',
  '/..\\..\\x',
  'C:\\Windows',
  'C:/Windows',
  '/C:/Windows',
  '//server/share',
  '/%2e%2e/x',
  '/a/%2e%2e',
  '/%2e',
  '/..%2f',
  '/a%2fb',
  '/a\0b',
  '/a\0',
  '/a b',
  '/a\nb',
  '/a\tb',
  '/~',
  '/a?b',
  '/a#b',
  '/a:b',
  '/a*',
  '/é',
  '/\uff0e\uff0e/x', // fullwidth dots
  '/a\u2215b', // division slash
  `/${'a'.repeat(256)}`,
  `/${'abcdefgh/'.repeat(120)}x`,
  `${`/${'a'.repeat(200)}`.repeat(5)}/${'b'.repeat(19)}`, // 1025 characters, one too many
  undefined,
  null,
  42,
  ['/a'],
  { toString: () => '/a' },
];

type Call = (driver: StorageDriver, path: string) => Promise<unknown>;

const CALLS: [string, Call][] = [
  ['getContent', (driver, path) => driver.getContent(path)],
  ['putContent', (driver, path) => driver.putContent(path, Buffer.from('x'))],
  ['reader', (driver, path) => driver.reader(path)],
  ['rangeReader', (driver, path) => driver.rangeReader(path)],
  ['writer (truncate)', (driver, path) => driver.writer(path, false)],
  ['writer (append)', (driver, path) => driver.writer(path, true)],
  ['stat', (driver, path) => driver.stat(path)],
  ['list', (driver, path) => driver.list(path)],
  ['move (source)', (driver, path) => driver.move(path, '/target')],
  ['move (destination)', (driver, path) => driver.move('/target', path)],
  ['delete', (driver, path) => driver.delete(path)],
  ['walk', (driver, path) => driver.walk(path, () => undefined)],
  ['redirectURL', (driver, path) => driver.redirectURL(path, 'GET')],
];

// Only the directory operations may name the root.
const OBJECT_CALLS = CALLS.filter(([name]) => !['stat', 'list', 'walk'].includes(name));

/** Calls `call` with every path and describes each that did not reject with `InvalidPathError`. */
async function misbehaviours(
  driver: StorageDriver,
  call: Call,
  paths: readonly unknown[],
): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const shown = showInput(path);
    let pending: Promise<unknown>;
    try {
      pending = call(driver, path as string);
    } catch {
      found.push(`${shown}: threw synchronously instead of rejecting`);
      continue;
    }
    try {
      await pending;
      found.push(`${shown}: accepted`);
    } catch (error) {
      if (!(error instanceof InvalidPathError)) found.push(`${shown}: rejected with ${String(error)}`);
    }
  }
  return found;
}

/** Path validation in every method, and the optional direct-access methods. */
export function describeHostilePaths(current: CurrentDriver): void {
  describe('hostile paths', () => {
    it.each(CALLS)(
      '%s rejects every hostile path with InvalidPathError and touches nothing',
      async (_name, call) => {
        const driver = current();
        await putText(driver, '/target', 'kept');
        expect(await misbehaviours(driver, call, HOSTILE_PATHS)).toEqual([]);
        expect(await walkedPaths(driver)).toEqual(['/target']);
        expect(await getText(driver, '/target')).toBe('kept');
      },
    );

    it.each(OBJECT_CALLS)('%s rejects the root with InvalidPathError', async (_name, call) => {
      const driver = current();
      await putText(driver, '/target', 'kept');
      expect(await misbehaviours(driver, call, ['/'])).toEqual([]);
      expect(await walkedPaths(driver)).toEqual(['/target']);
    });

    it('accepts every character of the segment alphabet, and long paths up to the limit', async () => {
      const driver = current();
      const alphabet = '/ABCXYZ/abcxyz/0189/.../a.b-c_d/_/-/.hidden';
      const long = `${`/${'a'.repeat(200)}`.repeat(5)}/${'b'.repeat(18)}`; // 1024 characters
      for (const path of [alphabet, long, `/${'z'.repeat(255)}`]) {
        await putText(driver, path, path);
        expect(await getText(driver, path)).toBe(path);
      }
    });
  });

  describe('redirectURL and localPath', () => {
    it('redirectURL gives a URL or undefined', async () => {
      const driver = current();
      await putText(driver, '/object', 'x');
      const url = await driver.redirectURL('/object', 'GET');
      if (url !== undefined) expect(() => new URL(url)).not.toThrow();
    });

    it('localPath, where supported, names a file holding the object bytes', async () => {
      const driver = current();
      if (!driver.localPath) return;
      await putText(driver, '/dir/object', 'local bytes');
      const local = driver.localPath('/dir/object');
      if (local !== undefined) expect((await readFile(local)).toString()).toBe('local bytes');
    });

    it('localPath, where supported, throws InvalidPathError for every hostile path and the root', () => {
      const driver = current();
      if (!driver.localPath) return;
      const localPath = driver.localPath.bind(driver);
      for (const path of [...HOSTILE_PATHS, '/']) {
        expect(() => localPath(path as string)).toThrow(InvalidPathError);
      }
    });
  });
}
