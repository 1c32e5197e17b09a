import { describe, expect, it } from '@jest/globals';
import { PathConflictError, PathNotFoundError } from '../errors.js';
import { type CurrentDriver, getText, putText, walkedPaths } from './driver-fixture.js';

/** `getContent`, `putContent` and `stat`. */
export function describeContent(current: CurrentDriver): void {
  describe('getContent and putContent', () => {
    it('round-trips every byte value, and empty content', async () => {
      const driver = current();
      const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
      await driver.putContent('/bytes', bytes);
      await driver.putContent('/empty', Buffer.alloc(0));
      expect((await driver.getContent('/bytes')).equals(bytes)).toBe(true);
      expect((await driver.getContent('/empty')).length).toBe(0);
    });

    it('replaces an object on overwrite, longer or shorter', async () => {
      const driver = current();
      await putText(driver, '/a/object', 'first version');
      await putText(driver, '/a/object', 'second, longer version');
      expect(await getText(driver, '/a/object')).toBe('second, longer version');
      await putText(driver, '/a/object', 'short');
      expect(await getText(driver, '/a/object')).toBe('short');
    });

    it('creates parent directories and leaves nothing else behind', async () => {
      const driver = current();
      await putText(driver, '/a/b/c/object', 'x');
      expect(await walkedPaths(driver)).toEqual(['/a/', '/a/b/', '/a/b/c/', '/a/b/c/object']);
    });

    it('hands out a copy: changing the returned buffer does not change the object', async () => {
      const driver = current();
      const source = Buffer.from('original');
      await driver.putContent('/object', source);
      source.fill(0);
      (await driver.getContent('/object')).fill(0);
      expect(await getText(driver, '/object')).toBe('original');
    });

    it('is atomic: concurrent readers see the whole old or the whole new content', async () => {
      const driver = current();
      const size = 1024 * 1024;
      const versions = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
      await driver.putContent('/atomic', versions[0]!);
      const reads: Promise<Buffer>[] = [];
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        writes.push(driver.putContent('/atomic', versions[(i + 1) % 2]!));
        reads.push(driver.getContent('/atomic'), driver.getContent('/atomic'));
      }
      const seen = await Promise.all(reads);
      await Promise.all(writes);
      for (const content of seen) {
        expect(versions.some((version) => version.equals(content))).toBe(true);
      }
      expect(await driver.list('/')).toEqual(['/atomic']);
    });

    it('throws PathNotFoundError for a missing object, below a missing directory, or a directory', async () => {
      const driver = current();
      await putText(driver, '/dir/object', 'x');
      await expect(driver.getContent('/missing')).rejects.toThrow(PathNotFoundError);
      await expect(driver.getContent('/missing/deeper/object')).rejects.toThrow(PathNotFoundError);
      await expect(driver.getContent('/dir/object/below')).rejects.toThrow(PathNotFoundError);
      await expect(driver.getContent('/dir')).rejects.toThrow(PathNotFoundError);
    });

    it('refuses an object below an object or in place of a directory with PathConflictError', async () => {
      const driver = current();
      await putText(driver, '/dir/object', 'x');
      await expect(putText(driver, '/dir/object/below', 'y')).rejects.toThrow(PathConflictError);
      await expect(putText(driver, '/dir', 'y')).rejects.toThrow(PathConflictError);
      expect(await walkedPaths(driver)).toEqual(['/dir/', '/dir/object']);
      expect(await getText(driver, '/dir/object')).toBe('x');
    });
  });

  describe('stat', () => {
    it('reports an object with its size and modification time', async () => {
      const driver = current();
      const before = Date.now();
      await driver.putContent('/dir/object', Buffer.alloc(1234));
      const info = await driver.stat('/dir/object');
      expect(info).toMatchObject({ path: '/dir/object', size: 1234, isDir: false });
      // Generous: filesystem timestamps may be coarser than the clock.
      expect(info.modTime.getTime()).toBeGreaterThanOrEqual(before - 5000);
      expect(info.modTime.getTime()).toBeLessThanOrEqual(Date.now() + 5000);
    });

    it('reports directories, including the root, as size 0', async () => {
      const driver = current();
      await driver.putContent('/dir/sub/object', Buffer.alloc(10));
      expect(await driver.stat('/dir')).toMatchObject({ path: '/dir', size: 0, isDir: true });
      expect(await driver.stat('/dir/sub')).toMatchObject({ path: '/dir/sub', size: 0, isDir: true });
      expect(await driver.stat('/')).toMatchObject({ path: '/', size: 0, isDir: true });
    });

    it('reports the root of an empty driver as a directory', async () => {
      expect(await current().stat('/')).toMatchObject({ path: '/', isDir: true });
    });

    it('throws PathNotFoundError for a missing path, or one below an object', async () => {
      const driver = current();
      await putText(driver, '/object', 'x');
      await expect(driver.stat('/missing')).rejects.toThrow(PathNotFoundError);
      await expect(driver.stat('/object/below')).rejects.toThrow(PathNotFoundError);
    });
  });
}
