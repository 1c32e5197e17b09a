/**
 * SQL fragments shared by the content listings. `m` is the alias of a `manifests` row.
 */

/**
 * A top-level artifact: not an accessory (no `subject`) and not the child of an index in its
 * repository (one probe of `manifest_references_child`). Harbor lists artifacts the same way.
 */
export const TOP_LEVEL = (m: string) => `${m}.subject_digest IS NULL AND NOT EXISTS (
  SELECT 1 FROM manifest_references child
  WHERE child.repository_id = ${m}.repository_id AND child.kind = 'manifest' AND child.digest = ${m}.digest)`;

/**
 * The bytes an artifact stands for: the manifest, each config and layer blob it references, and
 * for an index its children's manifests and blobs (one level), each blob counted once.
 */
export const ARTIFACT_SIZE = (m: string) => `${m}.size
  + (SELECT coalesce(sum(c.size), 0) FROM manifest_references ref
     JOIN manifests c ON c.repository_id = ${m}.repository_id AND c.digest = ref.digest
     WHERE ref.manifest_id = ${m}.id AND ref.kind = 'manifest')
  + (SELECT coalesce(sum(b.size), 0) FROM blobs b WHERE b.digest IN (
       SELECT ref.digest FROM manifest_references ref WHERE ref.manifest_id = ${m}.id AND ref.kind <> 'manifest'
       UNION
       SELECT cref.digest FROM manifest_references ref
       JOIN manifests c ON c.repository_id = ${m}.repository_id AND c.digest = ref.digest
       JOIN manifest_references cref ON cref.manifest_id = c.id AND cref.kind <> 'manifest'
       WHERE ref.manifest_id = ${m}.id AND ref.kind = 'manifest'))`;

/** The artifact's tags as JSON `[{name, pushedAt}]`, by name. */
export const TAGS_JSON = (
  m: string,
) => `(SELECT coalesce(json_agg(json_build_object('name', t.name, 'pushedAt', t.updated_at)
    ORDER BY t.name COLLATE "C"), '[]') FROM tags t WHERE t.manifest_id = ${m}.id)`;

/** Its accessories (manifests of the repository whose subject it is) as JSON, oldest first. */
export const ACCESSORIES_JSON = (m: string) => `(SELECT coalesce(json_agg(json_build_object(
      'digest', a.digest, 'mediaType', a.media_type, 'artifactType', a.artifact_type, 'size', a.size)
    ORDER BY a.created_at, a.digest), '[]')
  FROM manifests a WHERE a.repository_id = ${m}.repository_id AND a.subject_digest = ${m}.digest)`;
