import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@berth/testing';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../data-source.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from './errors.js';
import { type ProjectRecord, TypeormProjectRecords } from './project-records.js';
import { TypeormRefreshTokenRecords } from './refresh-token-records.js';
import { type NewRobot, TypeormRobotRecords } from './robot-records.js';

describe('TypeormRobotRecords', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let robots: TypeormRobotRecords;
  let tokens: TypeormRefreshTokenRecords;
  let project: ProjectRecord;
  let other: ProjectRecord;
  let serial = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 10 });
    robots = new TypeormRobotRecords(dataSource);
    tokens = new TypeormRefreshTokenRecords(dataSource);
    const projects = new TypeormProjectRecords(dataSource);
    project = await projects.create({ name: 'ci', public: false });
    other = await projects.create({ name: 'other', public: false });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const projectRobot = (name: string, extra: Partial<NewRobot> = {}) =>
    robots.create({
      name: `robot$ci+${name}`,
      projectId: project.id,
      secretHash: `secret-${name}`,
      permissions: [{ project: 'ci', actions: ['pull', 'push'] }],
      ...extra,
    });

  async function issue(subjectKind: 'user' | 'robot', subjectId: string): Promise<string> {
    const tokenHash = `robot-spec-${++serial}`;
    const expiresAt = new Date(Date.now() + 3600_000);
    await tokens.create({ tokenHash, subjectKind, subjectId, audience: 'berth', expiresAt });
    return tokenHash;
  }

  describe('create and find', () => {
    it('creates a project robot with its permissions, expiry and project name', async () => {
      const expiresAt = new Date('2031-01-02T03:04:05.678Z');
      const robot = await projectRobot('builder', { description: 'CI pushes', expiresAt });
      expect(robot).toEqual({
        id: expect.stringMatching(/^\d+$/),
        name: 'robot$ci+builder',
        projectId: project.id,
        projectName: 'ci',
        description: 'CI pushes',
        secretHash: 'secret-builder',
        permissions: [{ project: 'ci', actions: ['pull', 'push'] }],
        expiresAt,
        disabled: false,
        createdAt: expect.any(Date),
      });
      expect(await robots.findByName('robot$ci+builder')).toEqual(robot);
      expect(await robots.findById(robot.id)).toEqual(robot);
    });

    it('creates a system robot that never expires', async () => {
      const robot = await robots.create({
        name: 'robot$mirror',
        secretHash: 's',
        permissions: [{ project: '*', actions: ['*'] }],
      });
      expect(robot).toMatchObject({ projectId: null, projectName: null, description: null, expiresAt: null });
    });

    it('refuses a taken name with ConflictError', async () => {
      await projectRobot('dup');
      await expect(projectRobot('dup', { secretHash: 'other' })).rejects.toBeInstanceOf(ConflictError);
      expect((await robots.findByName('robot$ci+dup'))?.secretHash).toBe('secret-dup');
    });

    it('throws NotFoundError for a missing project', async () => {
      await expect(projectRobot('orphan', { projectId: '999999' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(projectRobot('orphan', { projectId: 'ci' })).rejects.toBeInstanceOf(NotFoundError);
      expect(await robots.findByName('robot$ci+orphan')).toBeUndefined();
    });

    it('rejects malformed permissions with InvalidArgumentError', async () => {
      for (const permissions of [
        null,
        [{ project: 'ci' }],
        [{ project: 1, actions: [] }],
        [{ project: 'ci', actions: [1] }],
      ]) {
        await expect(
          projectRobot('malformed', { permissions: permissions as unknown as NewRobot['permissions'] }),
        ).rejects.toBeInstanceOf(InvalidArgumentError);
      }
    });

    it('answers undefined for a missing robot', async () => {
      expect(await robots.findByName('robot$ci+ghost')).toBeUndefined();
      expect(await robots.findById('999999')).toBeUndefined();
      expect(await robots.findById('robot$ci+ghost')).toBeUndefined();
    });
  });

  it('lists a project’s robots, or the system robots, by name and without secrets', async () => {
    await robots.create({ name: 'robot$other+x', projectId: other.id, secretHash: 's', permissions: [] });
    await robots.create({ name: 'robot$backup', secretHash: 's', permissions: [] });
    const mine = await robots.list(project.id);
    expect(mine.map((r) => r.name)).toEqual([...mine.map((r) => r.name)].sort());
    expect(mine.every((r) => r.projectId === project.id && r.name.startsWith('robot$ci+'))).toBe(true);
    expect(mine.length).toBeGreaterThan(0);
    for (const robot of mine) expect(robot).not.toHaveProperty('secretHash');
    expect((await robots.list(other.id)).map((r) => r.name)).toEqual(['robot$other+x']);
    expect((await robots.list(null)).map((r) => r.name)).toEqual(['robot$backup', 'robot$mirror']);
    expect(await robots.list('999999')).toEqual([]);
    expect(await robots.list('abc')).toEqual([]);
  });

  it('setSecretHash rotates the secret and revokes only this robot’s tokens', async () => {
    const robot = await projectRobot('rotated');
    const mine = await issue('robot', robot.id);
    const userWithSameId = await issue('user', robot.id);
    expect(await robots.setSecretHash(robot.id, 'fresh')).toBe(true);
    expect((await robots.findById(robot.id))?.secretHash).toBe('fresh');
    expect(await tokens.findValid(mine)).toBeUndefined();
    expect(await tokens.findValid(userWithSameId)).toBeDefined();
    expect(await robots.setSecretHash('999999', 'x')).toBe(false);
  });

  it('setDisabled(true) revokes the robot’s tokens; re-enabling does not restore them', async () => {
    const robot = await projectRobot('paused');
    const hash = await issue('robot', robot.id);
    expect(await robots.setDisabled(robot.id, true)).toBe(true);
    expect((await robots.findById(robot.id))?.disabled).toBe(true);
    expect(await tokens.findValid(hash)).toBeUndefined();
    const later = await issue('robot', robot.id);
    expect(await robots.setDisabled(robot.id, false)).toBe(true);
    expect((await robots.findById(robot.id))?.disabled).toBe(false);
    expect(await tokens.findValid(hash)).toBeUndefined();
    expect(await tokens.findValid(later)).toBeDefined();
    expect(await robots.setDisabled('999999', true)).toBe(false);
  });

  it('delete removes the robot once and revokes its tokens', async () => {
    const robot = await projectRobot('retired');
    const hash = await issue('robot', robot.id);
    expect(await robots.delete(robot.id)).toBe(true);
    expect(await robots.findById(robot.id)).toBeUndefined();
    expect(await tokens.findValid(hash)).toBeUndefined();
    expect(await robots.delete(robot.id)).toBe(false);
    expect(await robots.delete('abc')).toBe(false);
  });
});
