import { assertTag, parseManifest, RegistryError } from '@berth/oci';
import type { ArtifactCatalog, RepositoryCatalog } from '@berth/db';
import { parseReference } from '../manifest-service.js';
import type { Registry } from '../registry.js';

/** A manifest stored in a repository by an operation, for its `manifest.pushed` event. */
export interface PushedManifest {
  digest: string;
  mediaType: string;
  tags: string[];
}

/** The tag is already in the repository (Harbor answers 409 too: move it by deleting it first). */
export class TagExistsError extends Error {
  override readonly name = 'TagExistsError';

  constructor(
    readonly tag: string,
    readonly digest: string,
  ) {
    super(`tag ${tag} already exists (on ${digest})`);
  }
}

/** No more manifests than this go with one copy or one delete (children and accessories). */
const MAX_RELATED = 1000;

/**
 * The admin API's changes to content, on top of the registry core: everything is stored through
 * `ManifestService.put` (so validation, the storage quota and the locking of
 * `ManifestRecords.save` apply) and deleted through `ManifestService.delete`, exactly as a
 * client's push or delete would be. Callers announce the results on `RegistryEvents`.
 */
export class ArtifactOperations {
  constructor(
    private readonly registry: Registry,
    private readonly artifacts: ArtifactCatalog,
    private readonly repositories: RepositoryCatalog,
  ) {}

  /**
   * Copies the artifact `reference` of `source` into `destination` (another project too) by
   * mounting its blobs: no bytes move. An index brings its children, and the artifact its
   * accessories (signatures, SBOMs). A tag reference tags the copy the same. Returns the
   * artifact's digest and every manifest stored, children first.
   */
  async copy(
    source: string,
    reference: string,
    destination: string,
  ): Promise<{ digest: string; pushed: PushedManifest[] }> {
    const top = await this.registry.manifests.get(source, reference);
    const target = parseReference(reference);
    const copier = new Copier(this.registry, this.artifacts, source, destination);
    await copier.manifest(top.digest, target.tag !== undefined ? [target.tag] : []);
    await copier.accessoriesOf(top.digest);
    return { digest: top.digest, pushed: copier.pushed };
  }

  /** Points a new tag at the artifact; `TagExistsError` when the tag is taken. */
  async addTag(repository: string, reference: string, tag: string): Promise<PushedManifest> {
    const name = assertTag(tag);
    const record = await this.registry.manifests.get(repository, reference);
    const existing = await this.registry.manifests.get(repository, name).catch((error: unknown) => {
      if (error instanceof RegistryError && error.kind === 'MANIFEST_UNKNOWN') return undefined;
      throw error;
    });
    if (existing) throw new TagExistsError(name, existing.digest);
    const result = await this.registry.manifests.put(repository, name, record.payload, record.mediaType);
    return { digest: result.digest, mediaType: result.mediaType, tags: result.tags };
  }

  /** Removes `tag` when it points at the artifact; `MANIFEST_UNKNOWN` otherwise. */
  async removeTag(
    repository: string,
    reference: string,
    tag: string,
  ): Promise<{ digest: string; tag: string }> {
    const name = assertTag(tag);
    const record = await this.registry.manifests.get(repository, reference);
    if (!(await this.artifacts.untag(repository, name, record.digest))) {
      throw new RegistryError('MANIFEST_UNKNOWN', `tag ${name} does not point at ${record.digest}`, {
        detail: { tag: name },
      });
    }
    return { digest: record.digest, tag: name };
  }

  /**
   * Deletes the artifact with its tags, its accessories (recursively) and, for an index, the
   * children no other index of the repository references and no tag names. Returns the digests
   * deleted, the artifact first.
   */
  async delete(repository: string, reference: string): Promise<string[]> {
    const record = await this.registry.manifests.get(repository, reference);
    const doomed = await this.deletionSet(repository, record.digest);
    const deleted: string[] = [];
    for (const digest of doomed) {
      try {
        await this.registry.manifests.delete(repository, digest);
        deleted.push(digest);
      } catch (error) {
        // Deleted meanwhile by someone else: the outcome is the same.
        if (!(error instanceof RegistryError && error.kind === 'MANIFEST_UNKNOWN')) throw error;
      }
    }
    return deleted;
  }

  /** Deletes the repository and all its artifacts; returns the manifests deleted. */
  async deleteRepository(name: string): Promise<string[]> {
    const deleted = await this.repositories.delete(name);
    if (deleted === undefined) {
      throw new RegistryError('NAME_UNKNOWN', `repository ${name} is not known`, { detail: { name } });
    }
    return deleted;
  }

  private async deletionSet(repository: string, digest: string): Promise<string[]> {
    const doomed = [digest];
    const known = new Set(doomed);
    for (let i = 0; i < doomed.length && doomed.length < MAX_RELATED; i++) {
      const dependents = await this.artifacts.dependents(repository, doomed[i]!);
      const exclusive = dependents.children
        .filter((child) => !child.tagged && child.parents.every((parent) => known.has(parent)))
        .map((child) => child.digest);
      for (const next of [...dependents.accessories, ...exclusive]) {
        if (!known.has(next)) {
          known.add(next);
          doomed.push(next);
        }
      }
    }
    return doomed;
  }
}

/** One copy: remembers what it stored, so shared children are copied once. */
class Copier {
  readonly pushed: PushedManifest[] = [];
  private readonly done = new Set<string>();

  constructor(
    private readonly registry: Registry,
    private readonly artifacts: ArtifactCatalog,
    private readonly source: string,
    private readonly destination: string,
  ) {}

  async manifest(digest: string, tags: string[]): Promise<void> {
    if (this.done.has(digest)) return;
    if (this.done.size >= MAX_RELATED) {
      throw new RegistryError('DENIED', `a copy takes at most ${MAX_RELATED} manifests`);
    }
    this.done.add(digest);
    const record = await this.registry.manifests.get(this.source, digest);
    const manifest = parseManifest(record.payload, record.mediaType);
    for (const ref of manifest.references) {
      if (ref.kind === 'manifest') {
        await this.manifest(ref.digest, []);
      } else if (
        ref.required &&
        !(await this.registry.blobs.mount(this.destination, ref.digest, this.source))
      ) {
        throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `blob ${ref.digest} of ${this.source} is missing`, {
          detail: { digest: ref.digest },
        });
      }
    }
    const result = await this.registry.manifests.put(
      this.destination,
      digest,
      record.payload,
      record.mediaType,
      tags,
    );
    this.pushed.push({ digest: result.digest, mediaType: result.mediaType, tags: result.tags });
  }

  async accessoriesOf(digest: string): Promise<void> {
    const { accessories } = await this.artifacts.dependents(this.source, digest);
    for (const accessory of accessories) {
      if (this.done.has(accessory)) continue;
      await this.manifest(accessory, []);
      await this.accessoriesOf(accessory);
    }
  }
}
