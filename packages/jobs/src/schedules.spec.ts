import { describe, expect, it } from '@jest/globals';
import { defaultGcSchedule, readGcSchedule } from './schedules.js';

describe('readGcSchedule', () => {
  it('gives no schedule, with the default grace, when none was stored', () => {
    expect(readGcSchedule(undefined, 3600)).toEqual(defaultGcSchedule(3600));
    expect(readGcSchedule(undefined, 3600)).toEqual({
      cron: null,
      dryRun: false,
      deleteUntagged: false,
      graceSeconds: 3600,
    });
  });

  it('reads a stored schedule, defaulting what is missing or malformed', () => {
    expect(
      readGcSchedule({ cron: '0 3 * * *', dryRun: true, deleteUntagged: true, graceSeconds: 0 }, 3600),
    ).toEqual({
      cron: '0 3 * * *',
      dryRun: true,
      deleteUntagged: true,
      graceSeconds: 0,
    });
    expect(readGcSchedule({ cron: 5, dryRun: 'yes', graceSeconds: -1 }, 60)).toEqual(defaultGcSchedule(60));
  });
});
