/**
 * Cron patterns for BullMQ job schedulers, checked before they are stored, so a policy or a
 * schedule never holds a pattern the worker cannot schedule.
 *
 * Five fields (minute hour day-of-month month day-of-week), or six with seconds first, as
 * BullMQ's cron parser reads them. Each field is a list of `*`, a value, or a range `a-b`, each
 * optionally stepped (`*\/15`, `1-30/2`); months and weekdays also by name (`jan`, `mon-fri`);
 * weekday 7 is Sunday like 0. Nothing else: no `@daily`, `?`, `L`, `W` or `#`, which parsers
 * disagree on.
 */

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const SECOND: FieldRule = { name: 'second', min: 0, max: 59 };
const FIVE_FIELDS: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const MAX_PATTERN = 128;

/**
 * What is wrong with `pattern`, in words (`"hour 24 is out of range 0-23"`), or `undefined`
 * when BullMQ can schedule it.
 */
export function cronProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN) return `must be at most ${MAX_PATTERN} characters`;
  const fields = pattern.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return 'must have 5 fields (minute hour day month weekday), or 6 with seconds first';
  }
  const rules = fields.length === 6 ? [SECOND, ...FIVE_FIELDS] : FIVE_FIELDS;
  for (const [index, field] of fields.entries()) {
    const problem = fieldProblem(field, rules[index]!);
    if (problem) return problem;
  }
  const [dayOfMonth, month, dayOfWeek] = fields.slice(-3) as [string, string, string];
  return dayOfWeek === '*' ? impossibleDate(dayOfMonth, month) : undefined;
}

/** The most days each month can have (February: in a leap year). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days of month that no selected month has (`31 4,6`, `30 2`): BullMQ's parser refuses them or
 * never finds a next run, so the policy would be stored and never scheduled. Only when the day
 * of week is `*`: otherwise cron fires on either field, and the weekdays still come.
 */
function impossibleDate(dayOfMonth: string, month: string): string | undefined {
  const firstDay = Math.min(...valuesOf(dayOfMonth, FIVE_FIELDS[2]!));
  const months = valuesOf(month, FIVE_FIELDS[3]!);
  if (months.some((m) => firstDay <= MONTH_DAYS[m - 1]!)) return undefined;
  return `day of month ${dayOfMonth} never comes in month ${month}`;
}

/** Every value a field (already checked by `fieldProblem`) selects. */
function valuesOf(field: string, rule: FieldRule): number[] {
  const values: number[] = [];
  for (const item of field.split(',')) {
    const [range, step] = item.split('/') as [string, string | undefined];
    const [from, to] = range === '*' ? [String(rule.min), String(rule.max)] : range.split('-');
    const low = valueOf(from!, rule) as number;
    // `5/10` runs from 5 to the end of the range, as cron parsers read it.
    const high = to !== undefined ? (valueOf(to, rule) as number) : step !== undefined ? rule.max : low;
    for (let value = low; value <= high; value += Number(step ?? 1)) values.push(value);
  }
  return values;
}

/** Whether `pattern` is a 5- or 6-field cron pattern BullMQ can schedule (see `cronProblem`). */
export function isSchedulableCron(pattern: string): boolean {
  return cronProblem(pattern) === undefined;
}

/** The pattern with single spaces, as it is stored and compared. */
export function normalizeCron(pattern: string): string {
  return pattern.trim().split(/\s+/).join(' ');
}

function fieldProblem(field: string, rule: FieldRule): string | undefined {
  for (const item of field.split(',')) {
    const match = /^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:\/([0-9]+))?$/i.exec(item);
    if (!match) return `${rule.name} field ${JSON.stringify(field)} is not a cron field`;
    const [, range, step] = match;
    if (step !== undefined && (Number(step) < 1 || Number(step) > rule.max)) {
      return `${rule.name} step ${step} is out of range 1-${rule.max}`;
    }
    if (range === '*') continue;
    const [from, to] = range!.split('-');
    const low = valueOf(from!, rule);
    if (typeof low === 'string') return low;
    if (to === undefined) continue;
    const high = valueOf(to, rule);
    if (typeof high === 'string') return high;
    if (high < low) return `${rule.name} range ${range!} goes backwards`;
  }
  return undefined;
}

function valueOf(token: string, rule: FieldRule): number | string {
  const named = rule.names?.indexOf(token.toLowerCase()) ?? -1;
  if (named >= 0) return rule.min === 0 ? named : named + 1;
  if (!/^[0-9]{1,2}$/.test(token)) return `${rule.name} ${JSON.stringify(token)} is not a number`;
  const value = Number(token);
  if (value < rule.min || value > rule.max) {
    return `${rule.name} ${value} is out of range ${rule.min}-${rule.max}`;
  }
  return value;
}
