import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { type CurrentDriver, getText, putText, readAll } from './driver-fixture.js';

const MiB = 1024 * 1024;
const SLOW = 60_000;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Large streams and concurrency: what a registry does all day. */
export function describeLoad(current: CurrentDriver): void {
  describe('streams and concurrency', () => {
    it(
      'streams multi-megabyte content in uneven chunks, byte-exact, whole and by range',
      async () => {
        const driver = current();
        const content = randomBytes(8 * MiB + 12345);
        const writer = await driver.writer('/blobs/big/data', false);
        for (let offset = 0, step = 1; offset < content.length; step = (step * 7919) % 300_000) {
          const next = Math.min(content.length, offset + step + 1);
          await writer.write(content.subarray(offset, next));
          offset = next;
        }
        expect(writer.size).toBe(content.length);
        await writer.commit();

        expect((await driver.stat('/blobs/big/data')).size).toBe(content.length);
        expect(sha256(await readAll(await driver.reader('/blobs/big/data')))).toBe(sha256(content));
        const [start, length] = [3 * MiB + 17, 2 * MiB + 3];
        const range = await readAll(await driver.reader('/blobs/big/data', start, length));
        expect(sha256(range)).toBe(sha256(content.subarray(start, start + length)));
      },
      SLOW,
    );

    it(
      'resumes a multi-megabyte upload across writers, as chunked uploads do',
      async () => {
        const driver = current();
        const content = randomBytes(5 * MiB);
        const cuts = [0, 1 * MiB + 1, 3 * MiB - 7, content.length];
        for (let i = 0; i + 1 < cuts.length; i++) {
          const writer = await driver.writer('/uploads/one/data', i > 0);
          expect(writer.size).toBe(cuts[i]);
          await writer.write(content.subarray(cuts[i], cuts[i + 1]));
          await (i + 2 === cuts.length ? writer.commit() : writer.close());
        }
        await driver.move('/uploads/one/data', '/blobs/one/data');
        expect(sha256(await driver.getContent('/blobs/one/data'))).toBe(sha256(content));
      },
      SLOW,
    );

    it(
      'serves concurrent readers of one object at different offsets',
      async () => {
        const driver = current();
        const content = randomBytes(2 * MiB);
        await driver.putContent('/object', content);
        const offsets = Array.from({ length: 12 }, (_, i) => Math.floor((content.length * i) / 12));
        const reads = await Promise.all(
          offsets.map(async (offset) => readAll(await driver.reader('/object', offset))),
        );
        reads.forEach((read, i) => expect(read.equals(content.subarray(offsets[i]))).toBe(true));
      },
      SLOW,
    );

    it('keeps many small concurrent puts to different paths apart', async () => {
      const driver = current();
      const paths = Array.from({ length: 200 }, (_, i) => `/concurrent/dir-${i % 10}/object-${i}`);
      await Promise.all(paths.map((path) => putText(driver, path, `content of ${path}`)));
      const contents = await Promise.all(paths.map((path) => getText(driver, path)));
      expect(contents).toEqual(paths.map((path) => `content of ${path}`));
      expect(await driver.list('/concurrent/dir-3')).toHaveLength(20);
    });

    it('keeps many concurrent writers to different paths apart', async () => {
      const driver = current();
      const paths = Array.from({ length: 20 }, (_, i) => `/writers/${i % 4}/upload-${i}`);
      const writers = await Promise.all(paths.map((path) => driver.writer(path, false)));
      for (let round = 0; round < 25; round++) {
        await Promise.all(writers.map((writer, i) => writer.write(Buffer.from(`${i}:${round};`))));
      }
      await Promise.all(writers.map((writer) => writer.commit()));
      const expected = (i: number) => Array.from({ length: 25 }, (_, round) => `${i}:${round};`).join('');
      const contents = await Promise.all(paths.map((path) => getText(driver, path)));
      expect(contents).toEqual(paths.map((_, i) => expected(i)));
    });

    it('creates objects reliably while deletes empty and prune the same directories', async () => {
      const driver = current();
      // Many directories at once widen the window in which a prune meets a create.
      const dirs = Array.from({ length: 50 }, (_, i) => `/race/dir-${i}`);
      for (let round = 0; round < 4; round++) {
        await Promise.all(dirs.map((dir) => putText(driver, `${dir}/old`, 'old')));
        await Promise.all(
          dirs.map(async (dir) => {
            const writing = driver.writer(`${dir}/written`, false).then(async (writer) => {
              await writer.write(Buffer.from('written'));
              await writer.commit();
            });
            await Promise.all([driver.delete(`${dir}/old`), putText(driver, `${dir}/put`, 'put'), writing]);
            await driver.move(`${dir}/put`, `${dir}/moved`);
          }),
        );
        for (const dir of dirs) expect(await driver.list(dir)).toEqual([`${dir}/moved`, `${dir}/written`]);
        await Promise.all(
          dirs.flatMap((dir) => [driver.delete(`${dir}/moved`), driver.delete(`${dir}/written`)]),
        );
        expect(await driver.list('/')).toEqual([]);
      }
    });
  });
}
