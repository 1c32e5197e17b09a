// `node --import ./scripts/ts-source-register.mjs some.ts`: runs workspace TypeScript sources
// without a build (see ts-source-hooks.mjs).
import { register } from 'node:module';

register('./ts-source-hooks.mjs', import.meta.url);
