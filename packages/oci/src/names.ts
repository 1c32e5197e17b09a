import { RegistryError } from './errors.js';

/**
 * Repository name and tag grammar from the distribution-spec:
 *   name  [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
 *   tag   [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
 */
const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_PATTERN = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Distribution's limit; the spec lets registries choose and 255 is what clients expect. */
export const MAX_NAME_LENGTH = 255;

export function isValidRepositoryName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}

/** Throws `RegistryError('NAME_INVALID')` for a name outside the grammar. */
export function assertRepositoryName(name: string): string {
  if (!isValidRepositoryName(name)) {
    throw new RegistryError('NAME_INVALID', `invalid repository name ${JSON.stringify(name.slice(0, 300))}`);
  }
  return name;
}

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/** Throws `RegistryError('TAG_INVALID')` for a tag outside the grammar. */
export function assertTag(tag: string): string {
  if (!isValidTag(tag)) {
    throw new RegistryError('TAG_INVALID', `invalid tag ${JSON.stringify(tag.slice(0, 200))}`);
  }
  return tag;
}

/** The project of a repository: its first path segment (Harbor's model). */
export function projectOf(repository: string): string {
  const slash = repository.indexOf('/');
  return slash === -1 ? repository : repository.slice(0, slash);
}
