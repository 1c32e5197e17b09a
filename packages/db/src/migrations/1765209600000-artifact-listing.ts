import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the admin API's repository and artifact listings need to stay fast at 100k artifacts per
 * repository and 10k repositories per project (docs/benchmarks.md):
 *
 * - Pull counters: `manifests.pull_count`, `manifests.last_pulled_at`, `repositories.pull_count`.
 *   Pulls are counted in memory and added in batches (`PullRecords`), never on the pull's path.
 * - `manifest_references.repository_id` for the children of an index (`kind = 'manifest'`), so
 *   "is this manifest the child of an index in its repository" is one probe of
 *   `manifest_references_child`. A trigger fills it from the parent manifest, so every writer
 *   (pushes, copies, replication) keeps it right without knowing it exists.
 * - Keyset indexes: artifacts by push time (`manifests_pushed`, only manifests without a subject:
 *   accessories are not listed at the top level; `digest` included so counting is index-only),
 *   repositories in byte order (`repositories_name_bytes`: a project's repositories are the
 *   range [`<project>/`, `<project>0`)), tags and digests by prefix (`tags_name_prefix`,
 *   `manifests_digest_prefix`: byte-wise, whatever the database's collation).
 */
export class ArtifactListing1765209600000 implements MigrationInterface {
  name = 'ArtifactListing1765209600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE manifests
        ADD COLUMN pull_count bigint NOT NULL DEFAULT 0,
        ADD COLUMN last_pulled_at timestamptz;
      ALTER TABLE repositories ADD COLUMN pull_count bigint NOT NULL DEFAULT 0;
      ALTER TABLE manifest_references ADD COLUMN repository_id bigint;

      CREATE FUNCTION berth_child_reference_repository() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT repository_id INTO NEW.repository_id FROM manifests WHERE id = NEW.manifest_id;
        RETURN NEW;
      END $$;
      CREATE TRIGGER manifest_references_child_repository BEFORE INSERT ON manifest_references
        FOR EACH ROW WHEN (NEW.kind = 'manifest') EXECUTE FUNCTION berth_child_reference_repository();

      UPDATE manifest_references ref SET repository_id = m.repository_id
      FROM manifests m WHERE m.id = ref.manifest_id AND ref.kind = 'manifest';

      CREATE INDEX manifest_references_child ON manifest_references (repository_id, digest)
        WHERE kind = 'manifest';
      CREATE INDEX manifests_pushed ON manifests (repository_id, created_at, id) INCLUDE (digest)
        WHERE subject_digest IS NULL;
      CREATE INDEX repositories_name_bytes ON repositories (name COLLATE "C");
      CREATE INDEX tags_name_prefix ON tags (repository_id, name text_pattern_ops);
      CREATE INDEX manifests_digest_prefix ON manifests (repository_id, digest text_pattern_ops);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP INDEX manifests_digest_prefix; DROP INDEX tags_name_prefix; DROP INDEX repositories_name_bytes; DROP INDEX manifests_pushed;
      DROP INDEX manifest_references_child;
      DROP TRIGGER manifest_references_child_repository ON manifest_references;
      DROP FUNCTION berth_child_reference_repository();
      ALTER TABLE manifest_references DROP COLUMN repository_id;
      ALTER TABLE repositories DROP COLUMN pull_count;
      ALTER TABLE manifests DROP COLUMN last_pulled_at, DROP COLUMN pull_count;
    `);
  }
}
