import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Harbor's access model: users, projects, members with roles, robot accounts; plus the token
 * service's state (published signing keys, refresh tokens, login failures) and the audit log.
 */
export class AccessControl1764950400000 implements MigrationInterface {
  name = 'AccessControl1764950400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE users (
        id bigserial PRIMARY KEY,
        username text NOT NULL UNIQUE,
        email text,
        password_hash text NOT NULL,
        system_admin boolean NOT NULL DEFAULT false,
        disabled boolean NOT NULL DEFAULT false,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE projects (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        public boolean NOT NULL DEFAULT false,
        storage_limit_bytes bigint,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE project_members (
        project_id bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('admin', 'maintainer', 'developer', 'guest', 'limited-guest')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (project_id, user_id)
      );
      CREATE INDEX project_members_user ON project_members (user_id);
      CREATE TABLE robots (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        project_id bigint REFERENCES projects(id) ON DELETE CASCADE,
        description text,
        secret_hash text NOT NULL,
        permissions jsonb NOT NULL DEFAULT '[]',
        expires_at timestamptz,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      );
      CREATE TABLE refresh_tokens (
        id bigserial PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        subject_kind text NOT NULL CHECK (subject_kind IN ('user', 'robot')),
        subject_id bigint NOT NULL,
        audience text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      );
      CREATE INDEX refresh_tokens_subject ON refresh_tokens (subject_kind, subject_id);
      CREATE TABLE login_failures (
        id bigserial PRIMARY KEY,
        username text NOT NULL,
        address text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX login_failures_username ON login_failures (username, at);
      CREATE INDEX login_failures_address ON login_failures (address, at);
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        resource text NOT NULL,
        outcome text NOT NULL DEFAULT 'success',
        address text,
        detail jsonb
      );
      CREATE INDEX audit_events_at ON audit_events (at DESC);
    `);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DROP TABLE audit_events; DROP TABLE login_failures; DROP TABLE refresh_tokens;
      DROP TABLE signing_keys; DROP TABLE robots; DROP TABLE project_members;
      DROP TABLE projects; DROP TABLE users;
    `);
  }
}
