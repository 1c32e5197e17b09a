import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-project storage usage, kept by triggers so that every way a manifest comes or goes moves
 * it in the same transaction: a push, a v2 DELETE, the deletion of a repository or of a
 * project's content (by cascade), garbage collection. Nothing waits for GC to correct it.
 *
 * A project is the first segment of a repository name (no foreign key: usage exists for a
 * namespace whether or not a `projects` row names it, so a project created later sees it).
 * Usage counts each digest once per project: the manifest's own bytes and the config and
 * layer blobs it references. `project_content_refs.refs` counts the manifests of the project
 * that hold the digest; bytes are added when it goes 0 → 1 and released when it goes 1 → 0.
 *
 * Lock order (so pushes and deletions cannot deadlock): manifest rows, then the project's
 * `project_storage_usage` row, then tags. Several usage rows are locked in name order.
 * Deleting several manifests of a project in one statement therefore locks them all first
 * (`FOR UPDATE`), as GC, repository deletion (the trigger below) and
 * `RepositoryRecords.deleteByProject` do.
 *
 * Invariants the triggers rely on: a manifest's references are inserted in one statement, and
 * `manifests.repository_id`, `digest` and `size` never change.
 */
export class Quotas1765296000000 implements MigrationInterface {
  name = 'Quotas1765296000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE project_storage_usage (
        project text PRIMARY KEY,
        used_bytes bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0)
      );
      CREATE TABLE project_content_refs (
        project text NOT NULL,
        digest text NOT NULL,
        -- The size charged when the digest entered the project; released exactly as charged.
        size bigint NOT NULL CHECK (size >= 0),
        refs integer NOT NULL CHECK (refs > 0),
        PRIMARY KEY (project, digest)
      );

      -- Creates the missing usage rows and locks them all, in name order.
      CREATE FUNCTION berth_quota_lock(p_projects text[]) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO project_storage_usage (project)
          SELECT DISTINCT project FROM unnest(p_projects) AS project ORDER BY project
          ON CONFLICT DO NOTHING;
        PERFORM 1 FROM project_storage_usage WHERE project = ANY (p_projects) ORDER BY project FOR UPDATE;
      END $$;

      -- One array element per (manifest, distinct digest) entering a project.
      CREATE FUNCTION berth_quota_charge(p_projects text[], p_digests text[], p_sizes bigint[])
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF coalesce(cardinality(p_projects), 0) = 0 THEN RETURN; END IF;
        PERFORM berth_quota_lock(p_projects);
        WITH grouped AS (
          SELECT item.project, item.digest, max(item.size) AS size, count(*)::int AS refs
          FROM unnest(p_projects, p_digests, p_sizes) AS item(project, digest, size)
          GROUP BY item.project, item.digest ORDER BY item.project, item.digest
        ), upserted AS (
          INSERT INTO project_content_refs AS c (project, digest, size, refs)
          SELECT g.project, g.digest, g.size, g.refs FROM grouped g
          ON CONFLICT (project, digest) DO UPDATE SET refs = c.refs + EXCLUDED.refs
          RETURNING c.project, c.size, (c.xmax = 0) AS created
        ), added AS (
          SELECT u.project, sum(u.size) AS bytes FROM upserted u WHERE u.created GROUP BY u.project
        )
        UPDATE project_storage_usage s SET used_bytes = s.used_bytes + a.bytes
        FROM added a WHERE s.project = a.project AND a.bytes > 0;
      END $$;

      -- The distinct digests of one manifest leaving a project.
      CREATE FUNCTION berth_quota_release(p_project text, p_digests text[])
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM berth_quota_lock(ARRAY[p_project]);
        WITH items AS (
          SELECT DISTINCT digest FROM unnest(p_digests) AS digest
        ), freed AS (
          DELETE FROM project_content_refs c USING items i
          WHERE c.project = p_project AND c.digest = i.digest AND c.refs = 1
          RETURNING c.size
        ), kept AS (
          UPDATE project_content_refs c SET refs = c.refs - 1 FROM items i
          WHERE c.project = p_project AND c.digest = i.digest AND c.refs > 1
          RETURNING 1
        )
        UPDATE project_storage_usage SET used_bytes = used_bytes - (SELECT coalesce(sum(size), 0) FROM freed)
        WHERE project = p_project;
      END $$;

      CREATE FUNCTION berth_quota_manifests_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM berth_quota_charge(
          array_agg(split_part(r.name, '/', 1)), array_agg(a.digest), array_agg(a.size::bigint))
        FROM added a JOIN repositories r ON r.id = a.repository_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER quota_manifests_inserted AFTER INSERT ON manifests
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION berth_quota_manifests_inserted();

      -- Blobs a manifest references: its config and layers (children of an index are manifests
      -- of the repository, counted by themselves). A blob not stored here (a foreign layer) is 0.
      CREATE FUNCTION berth_quota_references_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM berth_quota_charge(array_agg(item.project), array_agg(item.digest), array_agg(item.size))
        FROM (
          SELECT DISTINCT a.manifest_id, split_part(r.name, '/', 1) AS project, a.digest,
                 coalesce(b.size, 0)::bigint AS size
          FROM added a
          JOIN manifests m ON m.id = a.manifest_id
          JOIN repositories r ON r.id = m.repository_id
          LEFT JOIN blobs b ON b.digest = a.digest
          WHERE a.kind IN ('config', 'layer') AND a.digest <> m.digest
        ) item;
        RETURN NULL;
      END $$;
      CREATE TRIGGER quota_references_inserted AFTER INSERT ON manifest_references
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION berth_quota_references_inserted();

      -- BEFORE, so the manifest's references and repository are still there. It fires for every
      -- deletion path, cascades included.
      CREATE FUNCTION berth_quota_manifest_deleting() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_project text;
      BEGIN
        SELECT split_part(name, '/', 1) INTO v_project FROM repositories WHERE id = OLD.repository_id;
        IF v_project IS NULL THEN
          RAISE EXCEPTION 'quota accounting: manifest % deleted after its repository', OLD.id;
        END IF;
        PERFORM berth_quota_release(v_project, ARRAY(
          SELECT OLD.digest
          UNION
          SELECT r.digest FROM manifest_references r
          WHERE r.manifest_id = OLD.id AND r.kind IN ('config', 'layer')));
        RETURN OLD;
      END $$;
      CREATE TRIGGER quota_manifest_deleting BEFORE DELETE ON manifests
        FOR EACH ROW EXECUTE FUNCTION berth_quota_manifest_deleting();

      -- The cascade from repositories to manifests runs after the repository row is gone, when
      -- its name (the project) can no longer be read: delete the manifests first, locked first.
      CREATE FUNCTION berth_quota_repository_deleting() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM manifests WHERE repository_id = OLD.id ORDER BY id FOR UPDATE;
        DELETE FROM manifests WHERE repository_id = OLD.id;
        RETURN OLD;
      END $$;
      CREATE TRIGGER quota_repository_deleting BEFORE DELETE ON repositories
        FOR EACH ROW EXECUTE FUNCTION berth_quota_repository_deleting();

      CREATE FUNCTION berth_quota_manifests_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM project_content_refs;
        UPDATE project_storage_usage SET used_bytes = 0 WHERE used_bytes <> 0;
        RETURN NULL;
      END $$;
      CREATE TRIGGER quota_manifests_truncated AFTER TRUNCATE ON manifests
        FOR EACH STATEMENT EXECUTE FUNCTION berth_quota_manifests_truncated();
    `);
    // The triggers above lock manifests, manifest_references and repositories against writers
    // until this migration commits, so the backfill sees content no push can change meanwhile.
    await runner.query(`
      INSERT INTO project_content_refs (project, digest, size, refs)
      SELECT project, digest, max(size), count(*)::int FROM (
        SELECT m.id, split_part(r.name, '/', 1) AS project, m.digest, m.size::bigint AS size
        FROM manifests m JOIN repositories r ON r.id = m.repository_id
        UNION
        SELECT m.id, split_part(r.name, '/', 1), ref.digest, coalesce(b.size, 0)::bigint
        FROM manifest_references ref
        JOIN manifests m ON m.id = ref.manifest_id
        JOIN repositories r ON r.id = m.repository_id
        LEFT JOIN blobs b ON b.digest = ref.digest
        WHERE ref.kind IN ('config', 'layer') AND ref.digest <> m.digest
      ) item
      GROUP BY project, digest;
      INSERT INTO project_storage_usage (project, used_bytes)
      SELECT project, sum(size) FROM project_content_refs GROUP BY project;
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP TRIGGER quota_manifests_truncated ON manifests;
      DROP TRIGGER quota_repository_deleting ON repositories;
      DROP TRIGGER quota_manifest_deleting ON manifests;
      DROP TRIGGER quota_references_inserted ON manifest_references;
      DROP TRIGGER quota_manifests_inserted ON manifests;
      DROP FUNCTION berth_quota_manifests_truncated(); DROP FUNCTION berth_quota_repository_deleting();
      DROP FUNCTION berth_quota_manifest_deleting(); DROP FUNCTION berth_quota_references_inserted();
      DROP FUNCTION berth_quota_manifests_inserted(); DROP FUNCTION berth_quota_release(text, text[]);
      DROP FUNCTION berth_quota_charge(text[], text[], bigint[]); DROP FUNCTION berth_quota_lock(text[]);
      DROP TABLE project_content_refs; DROP TABLE project_storage_usage;
    `);
  }
}
