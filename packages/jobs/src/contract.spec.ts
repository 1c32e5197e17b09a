import { describe, expect, it } from '@jest/globals';
import { JOB_QUEUES, JOBS, jobIdFor, jobsOf, JobPayloadError, parsePayload, QUEUES } from './contract.js';

describe('the queue contract', () => {
  it('puts every job on a queue', () => {
    for (const name of Object.values(JOBS)) expect(Object.values(QUEUES)).toContain(JOB_QUEUES[name]);
    expect(jobsOf(QUEUES.maintenance).sort()).toEqual([
      'audit.purge',
      'gc.run',
      'gc.scheduled',
      'uploads.purge',
    ]);
    expect(jobsOf(QUEUES.replication).sort()).toEqual([
      'replication.execute',
      'replication.scheduled',
      'replication.task',
    ]);
  });

  it('gives the same work the same job id, and a resumed run a new one', () => {
    expect(jobIdFor(JOBS.gcRun, { runId: '42' })).toBe('gc-run-42');
    expect(jobIdFor(JOBS.gcRun, { runId: '42' })).toBe(jobIdFor(JOBS.gcRun, { runId: '42' }));
    expect(jobIdFor(JOBS.gcRun, { runId: '42' }, 1)).toBe('gc-run-42-1');
    expect(jobIdFor(JOBS.gcRun, { runId: '43' })).not.toBe(jobIdFor(JOBS.gcRun, { runId: '42' }));
    expect(jobIdFor(JOBS.uploadsPurge, {})).toBe('uploads-purge');
    expect(jobIdFor(JOBS.auditPurge, {})).toBe('audit-purge');
    expect(jobIdFor(JOBS.gcScheduled, {})).toBeUndefined();
    expect(jobIdFor(JOBS.replicationExecute, { executionId: '5' })).toBe('replication-execute-5');
    expect(jobIdFor(JOBS.replicationTask, { taskId: '9' })).toBe('replication-task-9');
    expect(jobIdFor(JOBS.replicationTask, { taskId: '9' }, 2)).toBe('replication-task-9-2');
  });

  it('uses job ids BullMQ accepts (no colon, not an integer)', () => {
    for (const id of [jobIdFor(JOBS.gcRun, { runId: '1' }, 3), jobIdFor(JOBS.uploadsPurge, {})]) {
      expect(id).not.toContain(':');
      expect(Number.isInteger(Number(id))).toBe(false);
    }
  });

  it('checks payloads read back from Redis', () => {
    expect(parsePayload(JOBS.gcRun, { runId: '7', extra: true })).toEqual({ runId: '7' });
    expect(() => parsePayload(JOBS.gcRun, { runId: 7 })).toThrow(JobPayloadError);
    expect(() => parsePayload(JOBS.gcRun, { runId: '07' })).toThrow(JobPayloadError);
    expect(() => parsePayload(JOBS.gcRun, null)).toThrow(JobPayloadError);
    expect(parsePayload(JOBS.uploadsPurge, {})).toEqual({});
    expect(parsePayload(JOBS.auditPurge, { stray: 1 })).toEqual({});
    expect(parsePayload(JOBS.replicationTask, { taskId: '3' })).toEqual({ taskId: '3' });
    expect(() => parsePayload(JOBS.replicationExecute, { executionId: 'x' })).toThrow(JobPayloadError);
    expect(parsePayload(JOBS.replicationScheduled, { policyId: '12' })).toEqual({ policyId: '12' });
    expect(() => parsePayload(JOBS.replicationScheduled, {})).toThrow(JobPayloadError);
  });
});
