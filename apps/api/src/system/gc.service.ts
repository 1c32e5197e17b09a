import { Injectable } from '@nestjs/common';
import { isCronPattern } from '@berth/config';
import { GcRunActiveError, GcRunRecords, SystemSettings, type GcRunRecord } from '@berth/db';
import { readGcSchedule, SETTINGS, type GcSchedule } from '@berth/jobs';
import { conflict, invalid, notFound } from '../admin/admin.errors.js';
import { AuditTrail } from '../admin/audit.trail.js';
import { objectBody, optionalBoolean, optionalInteger, type JsonObject } from '../admin/body.validation.js';
import { actorName, type Caller } from '../admin/caller.resolver.js';
import { PagedResult, parsePaging } from '../admin/paging.js';
import { requireSystemAdmin } from '../admin/project.access.js';
import { GcRunActiveConflict } from './gc-conflict.filter.js';
import { GcJobs } from './gc-jobs.js';
import { gcRunView, type GcRunView } from './gc-run.view.js';

/** Grace windows up to ten years; 0 is allowed (safety comes from row locks, not the window). */
const GRACE = { min: 0, max: 10 * 365 * 24 * 3600 };

/** The default grace window (BERTH_GC_GRACE_SECONDS), as an injectable value. */
export class GcDefaults {
  constructor(readonly graceSeconds: number) {}
}

/**
 * Garbage collection through the admin API, for system administrators: runs are rows in
 * PostgreSQL (one pending or running at a time), executed by the worker; the schedule is a
 * setting the worker turns into a job scheduler.
 */
@Injectable()
export class GcService {
  constructor(
    private readonly runs: GcRunRecords,
    private readonly settings: SystemSettings,
    private readonly jobs: GcJobs,
    private readonly audit: AuditTrail,
    private readonly defaults: GcDefaults,
  ) {}

  /** A new pending run, queued for the worker; 409 (`GcRunActiveError`) while another is active. */
  async start(caller: Caller, body: unknown): Promise<{ id: string; queued: boolean }> {
    requireSystemAdmin(caller);
    const fields = body === undefined || body === null || body === '' ? {} : objectBody(body);
    const options = {
      dryRun: optionalBoolean(fields, 'dryRun') ?? false,
      deleteUntagged: optionalBoolean(fields, 'deleteUntagged') ?? false,
      graceSeconds: optionalInteger(fields, 'graceSeconds', GRACE) ?? this.defaults.graceSeconds,
    };
    let run: GcRunRecord;
    try {
      run = await this.runs.create({ ...options, trigger: 'manual', requestedBy: actorName(caller) });
    } catch (error) {
      if (error instanceof GcRunActiveError) throw new GcRunActiveConflict(error.message, error.activeId);
      throw error;
    }
    await this.audit.record(caller, 'gc.start', `gc:${run.id}`, options);
    // Without Redis the row stays pending; the worker finds it when Redis is back.
    const queued = await this.jobs.enqueueRun(run.id);
    return { id: run.id, queued };
  }

  async list(caller: Caller, query: Record<string, unknown>): Promise<PagedResult<GcRunView>> {
    requireSystemAdmin(caller);
    const { page, pageSize } = parsePaging(query);
    const result = await this.runs.list({ page, pageSize });
    return new PagedResult(
      result.items.map((run) => gcRunView(run, false)),
      result.total,
      { page, pageSize },
    );
  }

  async get(caller: Caller, id: string): Promise<GcRunView> {
    requireSystemAdmin(caller);
    const run = await this.runs.get(id);
    if (!run) throw notFound(`garbage collection ${id.slice(0, 32)} not found`);
    return gcRunView(run, true);
  }

  /** Stops a pending run at once, a running one at its next batch; 409 for a finished run. */
  async stop(caller: Caller, id: string): Promise<GcRunView> {
    requireSystemAdmin(caller);
    const stop = await this.runs.requestStop(id);
    if (!stop) throw notFound(`garbage collection ${id.slice(0, 32)} not found`);
    const { run, accepted } = stop;
    if (!accepted) throw conflict(`garbage collection ${run.id} already ${run.status}`);
    await this.audit.record(caller, 'gc.stop', `gc:${run.id}`);
    return gcRunView(run, true);
  }

  async schedule(caller: Caller): Promise<GcSchedule> {
    requireSystemAdmin(caller);
    return readGcSchedule(await this.settings.get(SETTINGS.gcSchedule), this.defaults.graceSeconds);
  }

  async setSchedule(caller: Caller, body: unknown): Promise<GcSchedule> {
    requireSystemAdmin(caller);
    const schedule = this.parseSchedule(objectBody(body));
    await this.settings.put(SETTINGS.gcSchedule, schedule);
    await this.audit.record(caller, 'gc.schedule', 'gc:schedule', { ...schedule });
    await this.jobs.applySchedule(schedule);
    return schedule;
  }

  private parseSchedule(fields: JsonObject): GcSchedule {
    if (!('cron' in fields)) throw invalid('cron', 'is required (null turns the schedule off)');
    const cron = fields.cron;
    if (cron !== null && (typeof cron !== 'string' || cron.length > 128 || !isCronPattern(cron))) {
      throw invalid('cron', 'must be null or a 5-field cron pattern (minute hour day month weekday)');
    }
    return {
      cron: cron === null ? null : cron.trim().split(/\s+/).join(' '),
      dryRun: optionalBoolean(fields, 'dryRun') ?? false,
      deleteUntagged: optionalBoolean(fields, 'deleteUntagged') ?? false,
      graceSeconds: optionalInteger(fields, 'graceSeconds', GRACE) ?? this.defaults.graceSeconds,
    };
  }
}
