/**
 * SQL fragments shared by the content listings. `m` is the alias of a `manifests` row.
 */

/**
 * A top-level artifact: not an accessory (no `subject`) and not the child of an index in its
 * repository (only children have a `repository_id` in `manifest_references`). Harbor lists
 * artifacts the same way. Written as a scalar subquery so that it stays one probe of
 * `manifest_references_child` per row scanned: as an anti-join, the planner is tempted by
 * merge joins over every reference of the registry.
 */
export const TOP_LEVEL = (m: string) => `${m}.subject_digest IS NULL AND (
  SELECT 1 FROM manifest_references child
  WHERE child.repository_id = ${m}.repository_id AND child.digest = ${m}.digest LIMIT 1) IS NULL`;

/**
 * How many top-level artifacts repository `r` (an id expression) holds, without counting its
 * manifests: the trigger-kept count of manifests without a subject, less the children of its
 * indexes among them, each child once (walked in index order; one probe per child).
 */
export const TOP_LEVEL_COUNT = (r: string) => `(
  coalesce((SELECT counts.unattached FROM repository_manifest_counts counts WHERE counts.repository_id = ${r}), 0)
  - (SELECT count(*) FROM (
       SELECT ref.digest, lag(ref.digest) OVER (ORDER BY ref.digest) AS previous
       FROM manifest_references ref WHERE ref.repository_id = ${r}) d
     WHERE d.previous IS DISTINCT FROM d.digest
       AND (SELECT true FROM manifests c
            WHERE c.repository_id = ${r} AND c.digest = d.digest AND c.subject_digest IS NULL LIMIT 1)))`;

/** Every manifest of repository `r`, accessories and children included (trigger-kept). */
export const MANIFEST_COUNT = (r: string) =>
  `coalesce((SELECT counts.manifests FROM repository_manifest_counts counts WHERE counts.repository_id = ${r}), 0)`;

/** The tags of repository `r` (trigger-kept). */
export const TAG_COUNT = (r: string) =>
  `coalesce((SELECT counts.tags FROM repository_tag_counts counts WHERE counts.repository_id = ${r}), 0)`;

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
