import { readFileSync } from 'node:fs';

let version: string | undefined;

/** The api's version from its package.json, read once. */
export function apiVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return version;
}
