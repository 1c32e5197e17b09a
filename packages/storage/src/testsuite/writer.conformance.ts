import { describe, expect, it } from '@jest/globals';
import { PathConflictError, PathNotFoundError } from '../errors.js';
import { type CurrentDriver, getText, putText, walkedPaths } from './driver-fixture.js';

/** `writer` and the `FileWriter` life cycle. */
export function describeWriter(current: CurrentDriver): void {
  describe('writer', () => {
    it('creates the object and its directories at once, and counts the bytes written', async () => {
      const driver = current();
      const writer = await driver.writer('/uploads/one/data', false);
      expect(writer.size).toBe(0);
      expect(await driver.stat('/uploads/one/data')).toMatchObject({ size: 0, isDir: false });
      await writer.write(Buffer.from('hello '));
      expect(writer.size).toBe(6);
      await writer.write(Buffer.from('world'));
      expect(writer.size).toBe(11);
      await writer.commit();
      expect(await getText(driver, '/uploads/one/data')).toBe('hello world');
      expect((await driver.stat('/uploads/one/data')).size).toBe(11);
    });

    it('truncates an existing object when not appending', async () => {
      const driver = current();
      await putText(driver, '/object', 'old content');
      const writer = await driver.writer('/object', false);
      expect(writer.size).toBe(0);
      await writer.write(Buffer.from('new'));
      await writer.commit();
      expect(await getText(driver, '/object')).toBe('new');
    });

    it('appends after the existing bytes and counts them in size', async () => {
      const driver = current();
      await putText(driver, '/object', 'first ');
      const writer = await driver.writer('/object', true);
      expect(writer.size).toBe(6);
      await writer.write(Buffer.from('second'));
      expect(writer.size).toBe(12);
      await writer.commit();
      expect(await getText(driver, '/object')).toBe('first second');
    });

    it('appends to an empty object', async () => {
      const driver = current();
      await driver.putContent('/object', Buffer.alloc(0));
      const writer = await driver.writer('/object', true);
      expect(writer.size).toBe(0);
      await writer.write(Buffer.from('bytes'));
      await writer.commit();
      expect(await getText(driver, '/object')).toBe('bytes');
    });

    it('keeps the bytes on close, so a later append resumes the object', async () => {
      const driver = current();
      const first = await driver.writer('/upload', false);
      await first.write(Buffer.from('chunk one, '));
      await first.close();
      expect(await getText(driver, '/upload')).toBe('chunk one, ');
      const second = await driver.writer('/upload', true);
      expect(second.size).toBe(11);
      await second.write(Buffer.from('chunk two'));
      await second.commit();
      expect(await getText(driver, '/upload')).toBe('chunk one, chunk two');
    });

    it('removes the object on cancel, with the directories it leaves empty', async () => {
      const driver = current();
      await putText(driver, '/keep', 'x');
      const writer = await driver.writer('/uploads/one/data', false);
      await writer.write(Buffer.from('partial'));
      await writer.cancel();
      await expect(driver.stat('/uploads/one/data')).rejects.toThrow(PathNotFoundError);
      expect(await walkedPaths(driver)).toEqual(['/keep']);
    });

    it('removes the whole object on cancel of an append, bytes from before included', async () => {
      const driver = current();
      await putText(driver, '/object', 'committed earlier');
      const writer = await driver.writer('/object', true);
      await writer.write(Buffer.from(' and more'));
      await writer.cancel();
      await expect(driver.getContent('/object')).rejects.toThrow(PathNotFoundError);
    });

    it('still cancels after close, to clean up', async () => {
      const driver = current();
      const writer = await driver.writer('/object', false);
      await writer.write(Buffer.from('x'));
      await writer.close();
      await writer.cancel();
      await expect(driver.stat('/object')).rejects.toThrow(PathNotFoundError);
    });

    it('lands writes issued without awaiting in call order', async () => {
      const driver = current();
      const writer = await driver.writer('/object', false);
      const parts = Array.from({ length: 50 }, (_, i) => `${i},`);
      await Promise.all(parts.map((part) => writer.write(Buffer.from(part))));
      expect(writer.size).toBe(parts.join('').length);
      await writer.commit();
      expect(await getText(driver, '/object')).toBe(parts.join(''));
    });

    it('lets the caller reuse a chunk once its write resolved', async () => {
      const driver = current();
      const writer = await driver.writer('/object', false);
      const chunk = Buffer.from('abc');
      await writer.write(chunk);
      chunk.write('xyz');
      await writer.write(chunk);
      await writer.commit();
      expect(await getText(driver, '/object')).toBe('abcxyz');
    });

    it('ends at the first commit, cancel or close: later writes and commits reject', async () => {
      const driver = current();
      for (const end of ['commit', 'cancel', 'close'] as const) {
        const writer = await driver.writer(`/ended-by-${end}`, false);
        await writer[end]();
        await expect(writer.write(Buffer.from('late'))).rejects.toThrow();
        await expect(writer.commit()).rejects.toThrow();
        // Safe in a `finally` after any ending.
        await writer.close();
      }
      const committed = await driver.writer('/committed', false);
      await committed.commit();
      await expect(committed.cancel()).rejects.toThrow();
      expect(await getText(driver, '/committed')).toBe('');
    });

    it('throws PathNotFoundError when appending to a missing object or a directory', async () => {
      const driver = current();
      await putText(driver, '/dir/object', 'x');
      await expect(driver.writer('/missing', true)).rejects.toThrow(PathNotFoundError);
      await expect(driver.writer('/missing/deeper/object', true)).rejects.toThrow(PathNotFoundError);
      await expect(driver.writer('/dir', true)).rejects.toThrow(PathNotFoundError);
      expect(await walkedPaths(driver)).toEqual(['/dir/', '/dir/object']);
    });

    it('refuses to write below an object or in place of a directory with PathConflictError', async () => {
      const driver = current();
      await putText(driver, '/dir/object', 'x');
      await expect(driver.writer('/dir/object/below', false)).rejects.toThrow(PathConflictError);
      await expect(driver.writer('/dir', false)).rejects.toThrow(PathConflictError);
      expect(await walkedPaths(driver)).toEqual(['/dir/', '/dir/object']);
    });
  });
}
