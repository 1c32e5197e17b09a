// Module hooks that run the workspace's TypeScript sources directly, as jest does: `@berth/<pkg>`
// maps to `packages/<pkg>/src/index.ts`, a relative `./x.js` import to `./x.ts` when that exists,
// and `.ts` files are compiled by SWC with the same options as jest.config.mjs (legacy decorators
// with their metadata, for Nest). No type checking: a broken type elsewhere does not stop it.
// Registered by scripts/ts-source-register.mjs.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from '@swc/core';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export async function resolve(specifier, context, next) {
  const workspace = /^@berth\/([a-z-]+)$/.exec(specifier);
  if (workspace) {
    const entry = path.join(root, 'packages', workspace[1], 'src/index.ts');
    if (existsSync(entry)) return { url: pathToFileURL(entry).href, shortCircuit: true };
  }
  if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const source = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(source))) return { url: source.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const filename = fileURLToPath(url);
  const { code } = await transform(await readFile(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'es6' },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
