import { describe, expect, it } from '@jest/globals';
import type { FileInfo } from '../driver.js';
import { PathConflictError, PathNotFoundError } from '../errors.js';
import { type CurrentDriver, getText, putText, walkedPaths } from './driver-fixture.js';

/** `move`, `delete`, `list` and `walk`: the operations that see directories. */
export function describeTree(current: CurrentDriver): void {
  describe('move', () => {
    it('moves an object, creating the destination directories and pruning emptied ones', async () => {
      const driver = current();
      await putText(driver, '/uploads/one/data', 'blob');
      await driver.move('/uploads/one/data', '/blobs/ab/abc/data');
      expect(await getText(driver, '/blobs/ab/abc/data')).toBe('blob');
      expect(await walkedPaths(driver)).toEqual([
        '/blobs/',
        '/blobs/ab/',
        '/blobs/ab/abc/',
        '/blobs/ab/abc/data',
      ]);
    });

    it('replaces an existing destination object', async () => {
      const driver = current();
      await putText(driver, '/source', 'new');
      await putText(driver, '/dest', 'old, and longer');
      await driver.move('/source', '/dest');
      expect(await getText(driver, '/dest')).toBe('new');
      await expect(driver.stat('/source')).rejects.toThrow(PathNotFoundError);
    });

    it('leaves an object moved onto itself as it was', async () => {
      const driver = current();
      await putText(driver, '/object', 'x');
      await driver.move('/object', '/object');
      expect(await getText(driver, '/object')).toBe('x');
    });

    it('throws PathNotFoundError when the source is missing or a directory, touching nothing', async () => {
      const driver = current();
      await putText(driver, '/dest', 'kept');
      await putText(driver, '/dir/object', 'x');
      await expect(driver.move('/missing', '/dest')).rejects.toThrow(PathNotFoundError);
      await expect(driver.move('/missing', '/new/dest')).rejects.toThrow(PathNotFoundError);
      await expect(driver.move('/dir', '/moved-dir')).rejects.toThrow(PathNotFoundError);
      expect(await walkedPaths(driver)).toEqual(['/dest', '/dir/', '/dir/object']);
    });

    it('refuses a destination that is a directory or lies below an object with PathConflictError', async () => {
      const driver = current();
      await putText(driver, '/source', 'x');
      await putText(driver, '/dir/object', 'y');
      await expect(driver.move('/source', '/dir')).rejects.toThrow(PathConflictError);
      await expect(driver.move('/source', '/dir/object/below')).rejects.toThrow(PathConflictError);
      await expect(driver.move('/source', '/source/below')).rejects.toThrow(PathConflictError);
      expect(await walkedPaths(driver)).toEqual(['/dir/', '/dir/object', '/source']);
    });
  });

  describe('delete', () => {
    it('deletes an object and prunes the directories it empties, not its siblings', async () => {
      const driver = current();
      await putText(driver, '/a/b/c/object', 'x');
      await putText(driver, '/a/sibling', 'y');
      await driver.delete('/a/b/c/object');
      await expect(driver.getContent('/a/b/c/object')).rejects.toThrow(PathNotFoundError);
      expect(await walkedPaths(driver)).toEqual(['/a/', '/a/sibling']);
    });

    it('deletes a whole tree', async () => {
      const driver = current();
      for (const path of ['/tree/a', '/tree/b/c', '/tree/b/d/e', '/other']) await putText(driver, path, path);
      await driver.delete('/tree');
      expect(await walkedPaths(driver)).toEqual(['/other']);
    });

    it('deletes only what is below the path segment-wise, not paths sharing its prefix', async () => {
      const driver = current();
      for (const path of ['/a/b', '/a/bc', '/a/b.c', '/a/b-c/d', '/x/y/z', '/x/yz'])
        await putText(driver, path, path);
      await driver.delete('/a/b');
      await driver.delete('/x/y');
      expect(await walkedPaths(driver)).toEqual([
        '/a/',
        '/a/b-c/',
        '/a/b-c/d',
        '/a/b.c',
        '/a/bc',
        '/x/',
        '/x/yz',
      ]);
    });

    it('throws PathNotFoundError for a missing path, or one below an object', async () => {
      const driver = current();
      await putText(driver, '/object', 'x');
      await expect(driver.delete('/missing')).rejects.toThrow(PathNotFoundError);
      await expect(driver.delete('/missing/deeper')).rejects.toThrow(PathNotFoundError);
      await expect(driver.delete('/object/below')).rejects.toThrow(PathNotFoundError);
      expect(await getText(driver, '/object')).toBe('x');
    });
  });

  describe('list', () => {
    it('returns the direct children as full paths, sorted, objects and directories alike', async () => {
      const driver = current();
      for (const path of ['/dir/c', '/dir/a/deep/object', '/dir/B', '/dir/b-2', '/dir/b.1', '/other']) {
        await putText(driver, path, path);
      }
      expect(await driver.list('/dir')).toEqual(['/dir/B', '/dir/a', '/dir/b-2', '/dir/b.1', '/dir/c']);
      expect(await driver.list('/dir/a')).toEqual(['/dir/a/deep']);
      expect(await driver.list('/')).toEqual(['/dir', '/other']);
    });

    it('does not mix in paths that only share the prefix', async () => {
      const driver = current();
      for (const path of ['/a/b/in', '/a/bc/out', '/a/b.c']) await putText(driver, path, path);
      expect(await driver.list('/a/b')).toEqual(['/a/b/in']);
    });

    it('lists the root of an empty driver as empty', async () => {
      expect(await current().list('/')).toEqual([]);
    });

    it('throws PathNotFoundError for a missing directory or an object', async () => {
      const driver = current();
      await putText(driver, '/object', 'x');
      await expect(driver.list('/missing')).rejects.toThrow(PathNotFoundError);
      await expect(driver.list('/object')).rejects.toThrow(PathNotFoundError);
      await expect(driver.list('/object/below')).rejects.toThrow(PathNotFoundError);
    });
  });

  describe('walk', () => {
    const tree = ['/a/x', '/a-b', '/b/c/d', '/b/c/e', '/b/f', '/c'];

    it('visits every object and directory depth first, siblings in lexical order', async () => {
      const driver = current();
      for (const path of tree) await putText(driver, path, path);
      const visited: FileInfo[] = [];
      await driver.walk('/', (info) => {
        visited.push(info);
      });
      expect(visited.map((info) => info.path)).toEqual([
        '/a',
        '/a/x',
        '/a-b',
        '/b',
        '/b/c',
        '/b/c/d',
        '/b/c/e',
        '/b/f',
        '/c',
      ]);
      expect(visited.find((info) => info.path === '/b/c')).toMatchObject({ isDir: true, size: 0 });
      expect(visited.find((info) => info.path === '/b/c/d')).toMatchObject({ isDir: false, size: 6 });
    });

    it('skips the children of a directory for which visit returns skip', async () => {
      const driver = current();
      for (const path of tree) await putText(driver, path, path);
      const visited: string[] = [];
      await driver.walk('/', (info) => {
        visited.push(info.path);
        return info.path === '/b/c' || info.path === '/a' ? 'skip' : undefined;
      });
      expect(visited).toEqual(['/a', '/a-b', '/b', '/b/c', '/b/f', '/c']);
    });

    it('walks a subtree, without visiting its starting directory', async () => {
      const driver = current();
      for (const path of tree) await putText(driver, path, path);
      expect(await walkedPaths(driver, '/b')).toEqual(['/b/c/', '/b/c/d', '/b/c/e', '/b/f']);
    });

    it('awaits each visit before going on, and stops at a rejected one', async () => {
      const driver = current();
      for (const path of tree) await putText(driver, path, path);
      const events: string[] = [];
      const failure = new Error('visitor failed');
      const walking = driver.walk('/', async (info) => {
        events.push(`start ${info.path}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
        events.push(`end ${info.path}`);
        if (info.path === '/a-b') throw failure;
      });
      await expect(walking).rejects.toBe(failure);
      expect(events).toEqual(['start /a', 'end /a', 'start /a/x', 'end /a/x', 'start /a-b', 'end /a-b']);
    });

    it('visits nothing in an empty driver', async () => {
      expect(await walkedPaths(current())).toEqual([]);
    });

    it('throws PathNotFoundError for a missing directory or an object', async () => {
      const driver = current();
      await putText(driver, '/object', 'x');
      await expect(driver.walk('/missing', () => undefined)).rejects.toThrow(PathNotFoundError);
      await expect(driver.walk('/object', () => undefined)).rejects.toThrow(PathNotFoundError);
    });
  });
}
