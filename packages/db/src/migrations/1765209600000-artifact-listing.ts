import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the admin API's repository and artifact listings need to stay fast at 100k artifacts per
 * repository and 10k repositories per project (docs/benchmarks.md):
 *
 * - Pull counters: `manifests.pull_count`, `manifests.last_pulled_at`, `repositories.pull_count`.
 *   Pulls are counted in memory and added in batches (`PullRecords`), never on the pull's path.
 * - `manifest_references.repository_id`, set for the children of an index only (`kind =
 *   'manifest'`), so "is this manifest the child of an index in its repository" is one probe of
 *   `manifest_references_child`. A trigger fills it from the parent manifest, so every writer
 *   (pushes, copies, replication) keeps it right without knowing it exists. Queries name only
 *   `repository_id` (not `kind`): the planner would multiply the two selectivities and pick a
 *   plan for 17 children where there are thousands.
 * - Counters per repository, so a listing's `X-Total-Count` does not count 100k rows:
 *   `repository_manifest_counts` (manifests, and those without a subject) and
 *   `repository_tag_counts`, kept by deferred row triggers: they run at commit, so every
 *   counter lock is taken after all the locks of the change itself (manifest rows, the quota's
 *   usage row, tags), whatever the path (push, delete, garbage collection, repository
 *   deletion): counters never enter a lock cycle. A transaction touching one repository locks
 *   one counter row of each kind.
 * - Keyset indexes: artifacts by push time (`manifests_pushed`, only manifests without a subject:
 *   accessories are not listed at the top level), repositories in byte order
 *   (`repositories_name_bytes`: a project's repositories are the range [`<project>/`,
 *   `<project>0`)), tags and digests by prefix (`tags_name_prefix`, `manifests_digest_prefix`:
 *   byte-wise, whatever the database's collation).
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

      -- No foreign keys: TRUNCATE of the content tables must keep working. A trigger on
      -- repositories removes a repository's counters with it.
      CREATE TABLE repository_manifest_counts (
        repository_id bigint PRIMARY KEY,
        manifests bigint NOT NULL DEFAULT 0,
        -- Manifests without a subject: the top-level artifacts, and the children of indexes.
        unattached bigint NOT NULL DEFAULT 0
      );
      CREATE TABLE repository_tag_counts (
        repository_id bigint PRIMARY KEY,
        tags bigint NOT NULL DEFAULT 0
      );
      INSERT INTO repository_manifest_counts (repository_id, manifests, unattached)
      SELECT repository_id, count(*), count(*) FILTER (WHERE subject_digest IS NULL) FROM manifests GROUP BY 1;
      INSERT INTO repository_tag_counts (repository_id, tags) SELECT repository_id, count(*) FROM tags GROUP BY 1;

      CREATE FUNCTION berth_count_manifest() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_row manifests%ROWTYPE;
        v_delta bigint;
      BEGIN
        IF TG_OP = 'INSERT' THEN v_row := NEW; v_delta := 1; ELSE v_row := OLD; v_delta := -1; END IF;
        -- By commit time the repository may be gone (deleted with its counters): nothing to keep.
        IF NOT EXISTS (SELECT 1 FROM repositories WHERE id = v_row.repository_id) THEN
          RETURN NULL;
        END IF;
        INSERT INTO repository_manifest_counts AS c (repository_id, manifests, unattached)
        VALUES (v_row.repository_id, v_delta, CASE WHEN v_row.subject_digest IS NULL THEN v_delta ELSE 0 END)
        ON CONFLICT (repository_id) DO UPDATE
          SET manifests = c.manifests + EXCLUDED.manifests, unattached = c.unattached + EXCLUDED.unattached;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER artifact_count_manifest_changed AFTER INSERT OR DELETE ON manifests
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION berth_count_manifest();

      CREATE FUNCTION berth_count_tag() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_repository bigint := CASE WHEN TG_OP = 'INSERT' THEN NEW.repository_id ELSE OLD.repository_id END;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM repositories WHERE id = v_repository) THEN
          RETURN NULL;
        END IF;
        INSERT INTO repository_tag_counts AS c (repository_id, tags)
        VALUES (v_repository, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END)
        ON CONFLICT (repository_id) DO UPDATE SET tags = c.tags + EXCLUDED.tags;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER artifact_count_tag_changed AFTER INSERT OR DELETE ON tags
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION berth_count_tag();

      CREATE FUNCTION berth_count_repository_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM repository_manifest_counts WHERE repository_id = OLD.id;
        DELETE FROM repository_tag_counts WHERE repository_id = OLD.id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER artifact_count_repository_deleted AFTER DELETE ON repositories
        FOR EACH ROW EXECUTE FUNCTION berth_count_repository_deleted();

      CREATE FUNCTION berth_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME <> 'tags' THEN DELETE FROM repository_manifest_counts; END IF;
        DELETE FROM repository_tag_counts;
        RETURN NULL;
      END $$;
      CREATE TRIGGER artifact_count_repositories_truncated AFTER TRUNCATE ON repositories
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_truncated();
      CREATE TRIGGER artifact_count_manifests_truncated AFTER TRUNCATE ON manifests
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_truncated();
      CREATE TRIGGER artifact_count_tags_truncated AFTER TRUNCATE ON tags
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_truncated();

      CREATE INDEX manifest_references_child ON manifest_references (repository_id, digest)
        WHERE repository_id IS NOT NULL;
      CREATE INDEX manifests_pushed ON manifests (repository_id, created_at, id) WHERE subject_digest IS NULL;
      CREATE INDEX repositories_name_bytes ON repositories (name COLLATE "C");
      CREATE INDEX tags_name_prefix ON tags (repository_id, name text_pattern_ops);
      CREATE INDEX manifests_digest_prefix ON manifests (repository_id, digest text_pattern_ops);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP INDEX manifests_digest_prefix; DROP INDEX tags_name_prefix; DROP INDEX repositories_name_bytes;
      DROP INDEX manifests_pushed; DROP INDEX manifest_references_child;
      DROP TRIGGER artifact_count_tags_truncated ON tags;
      DROP TRIGGER artifact_count_repositories_truncated ON repositories;
      DROP TRIGGER artifact_count_repository_deleted ON repositories;
      DROP TRIGGER artifact_count_manifests_truncated ON manifests;
      DROP TRIGGER artifact_count_tag_changed ON tags;
      DROP TRIGGER artifact_count_manifest_changed ON manifests;
      DROP FUNCTION berth_count_truncated(); DROP FUNCTION berth_count_repository_deleted();
      DROP FUNCTION berth_count_tag(); DROP FUNCTION berth_count_manifest();
      DROP TABLE repository_tag_counts; DROP TABLE repository_manifest_counts;
      DROP TRIGGER manifest_references_child_repository ON manifest_references;
      DROP FUNCTION berth_child_reference_repository();
      ALTER TABLE manifest_references DROP COLUMN repository_id;
      ALTER TABLE repositories DROP COLUMN pull_count;
      ALTER TABLE manifests DROP COLUMN last_pulled_at, DROP COLUMN pull_count;
    `);
  }
}
