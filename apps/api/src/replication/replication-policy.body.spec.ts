import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { parsePolicy } from './replication-policy.body.js';

const base = { name: 'mirror', mode: 'push', registryId: '1' };

/** The 400's message, which names the field. */
function problem(body: Record<string, unknown>): string {
  try {
    parsePolicy(body);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).message;
  }
  throw new Error('no error');
}

describe('parsePolicy', () => {
  it('fills the defaults: manual trigger, no bandwidth limit, 4 tasks at once, 3 tries 1 s apart', () => {
    expect(parsePolicy(base)).toEqual({
      name: 'mirror',
      mode: 'push',
      registryId: '1',
      sourceNamespace: null,
      destinationNamespace: null,
      flattening: 1,
      filters: { repository: null, tag: null },
      trigger: { type: 'manual', cron: null, replicateDeletion: false },
      override: true,
      enabled: true,
      bandwidthLimitKbps: null,
      concurrency: 4,
      retry: { attempts: 3, backoffSeconds: 1 },
    });
  });

  it('takes a scheduled trigger with a 5- or 6-field cron, spacing normalized', () => {
    expect(parsePolicy({ ...base, trigger: { type: 'scheduled', cron: ' 0  3 * * * ' } }).trigger).toEqual({
      type: 'scheduled',
      cron: '0 3 * * *',
      replicateDeletion: false,
    });
    expect(parsePolicy({ ...base, trigger: { type: 'scheduled', cron: '*/2 * * * * *' } }).trigger.cron).toBe(
      '*/2 * * * * *',
    );
  });

  it('names trigger.cron when it is missing, malformed or out of place', () => {
    expect(problem({ ...base, trigger: { type: 'scheduled' } })).toMatch(/^trigger\.cron is required/);
    expect(problem({ ...base, trigger: { type: 'scheduled', cron: '0 24 * * *' } })).toBe(
      'trigger.cron hour 24 is out of range 0-23',
    );
    expect(problem({ ...base, trigger: { type: 'scheduled', cron: '@daily' } })).toMatch(
      /^trigger\.cron must have 5 fields/,
    );
    expect(problem({ ...base, trigger: { type: 'scheduled', cron: 5 } })).toBe(
      'trigger.cron must be a string',
    );
    expect(problem({ ...base, trigger: { type: 'manual', cron: '0 3 * * *' } })).toMatch(
      /^trigger\.cron applies to scheduled triggers only/,
    );
  });

  it('takes event triggers with deletion replication, for push policies only', () => {
    expect(parsePolicy({ ...base, trigger: { type: 'event', replicateDeletion: true } }).trigger).toEqual({
      type: 'event',
      cron: null,
      replicateDeletion: true,
    });
    expect(problem({ ...base, mode: 'pull', trigger: { type: 'event' } })).toMatch(
      /^trigger\.type event needs mode push/,
    );
    expect(problem({ ...base, trigger: { type: 'manual', replicateDeletion: true } })).toMatch(
      /^trigger\.replicateDeletion applies to event triggers only/,
    );
    expect(problem({ ...base, trigger: { type: 'event', replicateDeletion: 'yes' } })).toBe(
      'trigger.replicateDeletion must be true or false',
    );
    expect(problem({ ...base, trigger: { type: 'hourly' } })).toMatch(/^trigger\.type must be one of/);
    expect(problem({ ...base, trigger: 'event' })).toBe('trigger must be an object');
  });

  it('takes the limits and the retry settings, naming the field that is out of range', () => {
    const policy = parsePolicy({
      ...base,
      bandwidthLimitKbps: 1024,
      concurrency: 2,
      retry: { attempts: 5, backoffSeconds: 30 },
    });
    expect(policy).toMatchObject({
      bandwidthLimitKbps: 1024,
      concurrency: 2,
      retry: { attempts: 5, backoffSeconds: 30 },
    });
    expect(parsePolicy({ ...base, bandwidthLimitKbps: 0 }).bandwidthLimitKbps).toBeNull();
    expect(parsePolicy({ ...base, bandwidthLimitKbps: null }).bandwidthLimitKbps).toBeNull();
    expect(problem({ ...base, bandwidthLimitKbps: -5 })).toMatch(/^bandwidthLimitKbps must be between 1 and/);
    expect(problem({ ...base, bandwidthLimitKbps: 1.5 })).toBe('bandwidthLimitKbps must be an integer');
    expect(problem({ ...base, concurrency: 0 })).toBe('concurrency must be between 1 and 64');
    expect(problem({ ...base, concurrency: 65 })).toBe('concurrency must be between 1 and 64');
    expect(problem({ ...base, retry: { attempts: 11 } })).toBe('retry.attempts must be between 1 and 10');
    expect(problem({ ...base, retry: { backoffSeconds: -1 } })).toBe(
      'retry.backoffSeconds must be between 0 and 3600',
    );
    expect(problem({ ...base, retry: [] })).toBe('retry must be an object');
  });

  it('takes flattening "none", 1, 2 or "all", 1 when absent or null, and names it otherwise', () => {
    for (const flattening of ['none', 1, 2, 'all'] as const) {
      expect(parsePolicy({ ...base, flattening }).flattening).toBe(flattening);
    }
    expect(parsePolicy({ ...base, flattening: null }).flattening).toBe(1);
    for (const flattening of [0, 3, '1', 'ALL', 1.5, true, []]) {
      expect(problem({ ...base, flattening })).toBe('flattening must be "none", 1, 2 or "all"');
    }
  });

  it('still reads the older maxAttempts, retry.attempts winning', () => {
    expect(parsePolicy({ ...base, maxAttempts: 7 }).retry.attempts).toBe(7);
    expect(parsePolicy({ ...base, maxAttempts: 7, retry: { attempts: 2 } }).retry.attempts).toBe(2);
    expect(problem({ ...base, maxAttempts: 0 })).toBe('maxAttempts must be between 1 and 10');
  });

  it('names nested filter fields', () => {
    expect(problem({ ...base, filters: { tag: 'v1 ; rm' } })).toMatch(/^filters\.tag must match/);
  });
});
