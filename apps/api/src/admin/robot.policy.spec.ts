import { describe, expect, it } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import {
  expiryOf,
  parseProjectRobot,
  parseSystemRobot,
  projectRobotName,
  systemRobotName,
} from './robot.policy.js';

describe('robot names', () => {
  it('follows PRODUCT.md', () => {
    expect(projectRobotName('library', 'ci')).toBe('robot$library+ci');
    expect(systemRobotName('mirror')).toBe('robot$mirror');
  });
});

describe('parseProjectRobot', () => {
  it('scopes the actions to the project and deduplicates them', () => {
    expect(parseProjectRobot({ name: 'ci', permissions: ['pull', 'push', 'pull'] }, 'lib')).toEqual({
      name: 'ci',
      permissions: [{ project: 'lib', actions: ['pull', 'push'] }],
      expiresAt: null,
      description: null,
    });
  });

  it.each([
    [{ name: 'ci', permissions: ['*'] }, /^permissions/],
    [{ name: 'ci', permissions: [] }, /^permissions/],
    [{ name: 'c+i', permissions: ['pull'] }, /^name/],
    [{ name: 'robot$x', permissions: ['pull'] }, /^name/],
    [{ name: 'ci', permissions: ['pull'], description: 7 }, /^description/],
  ])('refuses %j', (body, message) => {
    expect(() => parseProjectRobot(body, 'lib')).toThrow(BadRequestException);
    expect(() => parseProjectRobot(body, 'lib')).toThrow(message);
  });
});

describe('parseSystemRobot', () => {
  it('takes per-project permissions, `*` included', () => {
    const parsed = parseSystemRobot({
      name: 'mirror',
      permissions: [
        { project: '*', actions: ['pull'] },
        { project: 'lib', actions: ['*'] },
      ],
    });
    expect(parsed.permissions).toEqual([
      { project: '*', actions: ['pull'] },
      { project: 'lib', actions: ['*'] },
    ]);
  });

  it('names the offending entry', () => {
    expect(() =>
      parseSystemRobot({ name: 'm', permissions: [{ project: 'Lib', actions: ['pull'] }] }),
    ).toThrow(/^permissions\[0\]\.project/);
    expect(() => parseSystemRobot({ name: 'm', permissions: [{ project: 'lib', actions: ['x'] }] })).toThrow(
      /^permissions\[0\]\.actions/,
    );
  });
});

describe('expiryOf', () => {
  const now = new Date('2030-01-01T00:00:00Z');

  it('treats absent and -1 as never', () => {
    expect(expiryOf({}, now)).toBeNull();
    expect(expiryOf({ expiresInDays: -1 }, now)).toBeNull();
    expect(expiryOf({ expiresInDays: null }, now)).toBeNull();
  });

  it('counts whole days from now', () => {
    expect(expiryOf({ expiresInDays: 30 }, now)).toEqual(new Date('2030-01-31T00:00:00Z'));
  });

  it.each([0, -2, 1.5, '7', 100_000])('refuses %j', (days) => {
    expect(() => expiryOf({ expiresInDays: days }, now)).toThrow(/^expiresInDays/);
  });
});
