import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The registry's content model: repositories, blobs and links, manifests, tags, uploads. */
export class RegistrySchema1764864000000 implements MigrationInterface {
  name = 'RegistrySchema1764864000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE repositories (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE blobs (
        digest text PRIMARY KEY,
        size bigint NOT NULL CHECK (size >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        touched_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE repository_blobs (
        repository_id bigint NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        digest text NOT NULL REFERENCES blobs(digest),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repository_id, digest)
      );
      CREATE INDEX repository_blobs_digest ON repository_blobs (digest);
      CREATE TABLE manifests (
        id bigserial PRIMARY KEY,
        repository_id bigint NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        digest text NOT NULL,
        media_type text NOT NULL,
        artifact_type text,
        subject_digest text,
        annotations jsonb,
        size integer NOT NULL,
        payload bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (repository_id, digest)
      );
      CREATE INDEX manifests_subject ON manifests (repository_id, subject_digest) WHERE subject_digest IS NOT NULL;
      CREATE TABLE manifest_references (
        manifest_id bigint NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
        position integer NOT NULL,
        digest text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('config', 'layer', 'manifest')),
        PRIMARY KEY (manifest_id, position)
      );
      CREATE INDEX manifest_references_digest ON manifest_references (digest);
      CREATE TABLE tags (
        repository_id bigint NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        name text NOT NULL,
        manifest_id bigint NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repository_id, name)
      );
      CREATE INDEX tags_manifest ON tags (manifest_id);
      CREATE TABLE upload_sessions (
        id uuid PRIMARY KEY,
        repository_id bigint NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        size bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP TABLE upload_sessions; DROP TABLE tags; DROP TABLE manifest_references;
      DROP TABLE manifests; DROP TABLE repository_blobs; DROP TABLE blobs; DROP TABLE repositories;
    `);
  }
}
