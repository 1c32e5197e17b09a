import { describe, expect, it } from '@jest/globals';
import { cronProblem, isSchedulableCron, normalizeCron } from './cron.js';

describe('cronProblem', () => {
  it.each([
    '0 * * * *',
    '*/15 2-4 * * mon-fri',
    '0 3 1,15 * *',
    '5 4 * jan 0',
    '0 0 * * 7',
    '*/2 * * * * *',
    '30 0 3 * * sun',
    '0-30/10 * * * * *',
    '  0   3 * *   *  ',
    '0 0 29 2 *',
    '0 0 31 2,3 *',
    '0 0 31 2 mon',
    '0 0 30-31 1-2 *',
  ])('accepts %j', (pattern) => {
    expect(cronProblem(pattern)).toBeUndefined();
    expect(isSchedulableCron(pattern)).toBe(true);
  });

  it.each([
    ['', /5 fields/],
    ['* * * *', /5 fields/],
    ['* * * * * * *', /5 fields/],
    ['@daily', /5 fields/],
    ['0 3 * * ?', /day of week field "\?"/],
    ['0 3 * * * ; rm', /5 fields/],
    ['60 * * * *', /minute 60 is out of range 0-59/],
    ['0 24 * * *', /hour 24 is out of range 0-23/],
    ['0 0 0 * *', /day of month 0 is out of range 1-31/],
    ['0 0 1 13 *', /month 13 is out of range 1-12/],
    ['0 0 * * 8', /day of week 8 is out of range 0-7/],
    ['*/0 * * * *', /minute step 0/],
    ['30-10 * * * *', /minute range 30-10 goes backwards/],
    ['0 0 * foo *', /month "foo" is not a number/],
    ['61 * * * * *', /second 61 is out of range 0-59/],
    ['0 0 L * *', /day of month "L" is not a number/],
    ['0 0 * * 1#2', /not a cron field/],
    ['0 0 31 2 *', /day of month 31 never comes in month 2/],
    ['0 0 30,31 feb *', /never comes/],
    ['0 0 31 4,6 *', /never comes/],
    ['0 0 0 31/1 apr *', /never comes/],
  ])('refuses %j', (pattern, problem) => {
    expect(cronProblem(pattern)).toMatch(problem);
    expect(isSchedulableCron(pattern)).toBe(false);
  });

  it('refuses a pattern longer than 128 characters', () => {
    expect(cronProblem(`0 ${'1,'.repeat(70)}1 * * *`)).toMatch(/at most 128/);
  });

  it('normalizes the spacing', () => {
    expect(normalizeCron('  */2  *\t* * * * ')).toBe('*/2 * * * * *');
  });
});
