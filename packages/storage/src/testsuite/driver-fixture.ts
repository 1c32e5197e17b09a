import { afterEach, beforeEach } from '@jest/globals';
import type { Readable } from 'node:stream';
import type { StorageDriver } from '../driver.js';

/** A fresh, empty driver for one test, and how to dispose of it. */
export interface DriverFixture {
  driver: StorageDriver;
  cleanup(): Promise<void>;
}

export type MakeDriver = () => Promise<DriverFixture>;

/** The driver of the running test. Call it inside `it` bodies only. */
export type CurrentDriver = () => StorageDriver;

/** Gives every test of the enclosing `describe` its own empty driver. */
export function useDriver(makeDriver: MakeDriver): CurrentDriver {
  let fixture: DriverFixture | undefined;
  beforeEach(async () => {
    fixture = await makeDriver();
  });
  afterEach(async () => {
    await fixture?.cleanup();
    fixture = undefined;
  });
  return () => {
    if (!fixture) throw new Error('the driver under test exists only while a test runs');
    return fixture.driver;
  };
}

/**
 * A printable, one-line label for a possibly hostile input: control characters escaped, long
 * values cut, so failure messages and test names stay readable.
 */
export function showInput(value: unknown): string {
  if (typeof value !== 'string') return Array.isArray(value) ? `[${String(value)}]` : String(value);
  const shown = JSON.stringify(value);
  return shown.length > 80 ? `${shown.slice(0, 60)}…(${value.length} characters)` : shown;
}

/** Drains a reader into one buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

/** Stores a text object. */
export async function putText(driver: StorageDriver, path: string, text: string): Promise<void> {
  await driver.putContent(path, Buffer.from(text));
}

/** Reads a text object. */
export async function getText(driver: StorageDriver, path: string): Promise<string> {
  return (await driver.getContent(path)).toString();
}

/** Every path below `path`, in walk order: the easiest way to assert a whole tree. */
export async function walkedPaths(driver: StorageDriver, path = '/'): Promise<string[]> {
  const paths: string[] = [];
  await driver.walk(path, (info) => {
    paths.push(info.isDir ? `${info.path}/` : info.path);
  });
  return paths;
}
