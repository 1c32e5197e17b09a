import { describe, expect, it } from '@jest/globals';
import { InvalidOffsetError, PathNotFoundError } from '../errors.js';
import { type CurrentDriver, putText, readAll } from './driver-fixture.js';

const TEXT = '0123456789abcdefghij';

/** `reader`: offsets, lengths and their edges. */
export function describeReader(current: CurrentDriver): void {
  describe('reader', () => {
    async function read(offset?: number, length?: number): Promise<string> {
      return (await readAll(await current().reader('/object', offset, length))).toString();
    }

    async function withObject(): Promise<void> {
      await putText(current(), '/object', TEXT);
    }

    it('streams the whole object by default, as Buffer chunks', async () => {
      await withObject();
      const stream = await current().reader('/object');
      for await (const chunk of stream as AsyncIterable<unknown>) expect(Buffer.isBuffer(chunk)).toBe(true);
      expect(await read()).toBe(TEXT);
    });

    it('starts at an offset and stops after a length', async () => {
      await withObject();
      expect(await read(5)).toBe(TEXT.slice(5));
      expect(await read(5, 3)).toBe('567');
      expect(await read(0, 1)).toBe('0');
      expect(await read(TEXT.length - 1)).toBe('j');
    });

    it('clamps a length that runs past the end', async () => {
      await withObject();
      expect(await read(15, 100)).toBe('fghij');
    });

    it('gives an empty stream for length 0 and for offset == size', async () => {
      await withObject();
      expect(await read(3, 0)).toBe('');
      expect(await read(TEXT.length)).toBe('');
      expect(await read(TEXT.length, 10)).toBe('');
    });

    it('reads an empty object at offset 0', async () => {
      await current().putContent('/object', Buffer.alloc(0));
      expect(await read(0)).toBe('');
      await expect(current().reader('/object', 1)).rejects.toThrow(InvalidOffsetError);
    });

    it('throws InvalidOffsetError for an offset past the end', async () => {
      await withObject();
      await expect(current().reader('/object', TEXT.length + 1)).rejects.toThrow(InvalidOffsetError);
      await expect(current().reader('/object', 1e12)).rejects.toThrow(InvalidOffsetError);
    });

    it('throws InvalidOffsetError for a negative or fractional offset or length', async () => {
      await withObject();
      const driver = current();
      await expect(driver.reader('/object', -1)).rejects.toThrow(InvalidOffsetError);
      await expect(driver.reader('/object', 1.5)).rejects.toThrow(InvalidOffsetError);
      await expect(driver.reader('/object', Number.NaN)).rejects.toThrow(InvalidOffsetError);
      await expect(driver.reader('/object', 0, -1)).rejects.toThrow(InvalidOffsetError);
      await expect(driver.reader('/object', 0, 2.5)).rejects.toThrow(InvalidOffsetError);
    });

    it('throws PathNotFoundError for a missing object or a directory', async () => {
      const driver = current();
      await putText(driver, '/dir/object', 'x');
      await expect(driver.reader('/missing')).rejects.toThrow(PathNotFoundError);
      await expect(driver.reader('/missing', 10)).rejects.toThrow(PathNotFoundError);
      await expect(driver.reader('/dir')).rejects.toThrow(PathNotFoundError);
      await expect(driver.reader('/dir/object/below')).rejects.toThrow(PathNotFoundError);
    });
  });

  describe('rangeReader', () => {
    /** Reads the whole range through a buffer of `size` bytes, as a sender reusing it would. */
    async function readThrough(size: number, offset?: number, length?: number): Promise<string> {
      const reader = await current().rangeReader('/object', offset, length);
      try {
        const target = Buffer.alloc(size);
        let text = '';
        for (let position = 0; ;) {
          const n = await reader.read(target, position);
          if (n === 0) break;
          text += target.subarray(0, n).toString();
          position += n;
        }
        expect(text.length).toBe(reader.length);
        return text;
      } finally {
        await reader.close();
      }
    }

    it('reads the range into a buffer the caller reuses, in any buffer size', async () => {
      await putText(current(), '/object', TEXT);
      expect(await readThrough(7)).toBe(TEXT);
      expect(await readThrough(64)).toBe(TEXT);
      expect(await readThrough(1, 5, 3)).toBe('567');
      expect(await readThrough(4, 15, 100)).toBe('fghij');
      expect(await readThrough(4, TEXT.length)).toBe('');
    });

    it('reads at any position, and never past the range', async () => {
      await putText(current(), '/object', TEXT);
      const reader = await current().rangeReader('/object', 10, 5);
      const target = Buffer.alloc(8, '.');
      expect(await reader.read(target, 2)).toBe(3);
      expect(target.toString()).toBe('cde.....');
      expect(await reader.read(target, 5)).toBe(0);
      await reader.close();
      await reader.close();
    });

    it('refuses what reader refuses', async () => {
      const driver = current();
      await putText(driver, '/dir/object', TEXT);
      await expect(driver.rangeReader('/missing')).rejects.toThrow(PathNotFoundError);
      await expect(driver.rangeReader('/dir')).rejects.toThrow(PathNotFoundError);
      await expect(driver.rangeReader('/dir/object', TEXT.length + 1)).rejects.toThrow(InvalidOffsetError);
      await expect(driver.rangeReader('/dir/object', -1)).rejects.toThrow(InvalidOffsetError);
      await expect(driver.rangeReader('/dir/object', 0, 1.5)).rejects.toThrow(InvalidOffsetError);
    });
  });
}
