/**
 * Names the admin API accepts, as one table: usernames, project names (the first segment of a
 * repository name, distribution's path-component grammar), robot names and the password policy.
 */

export const USERNAME = {
  max: 64,
  pattern: /^[a-z0-9][a-z0-9._-]{1,63}$/,
  patternHint: '[a-z0-9][a-z0-9._-]{1,63}',
};

export const PROJECT_NAME = {
  max: 255,
  pattern: /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/,
  patternHint: '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*',
};

/** The part after `robot$<project>+` (or `robot$`): no `+` or `$`, so full names stay unambiguous. */
export const ROBOT_NAME = {
  max: 64,
  pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
  patternHint: '[a-z0-9]+(?:[._-][a-z0-9]+)*',
};

/** 8 characters at least; at most what `hashPassword` accepts. */
export const PASSWORD = { min: 8, max: 1024 };

export const EMAIL = { max: 254, pattern: /^[^\s@]+@[^\s@]+$/, patternHint: 'an email address' };

export const DESCRIPTION = { min: 0, max: 1024 };
