import { describe, expect, it } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { InvalidArgumentError } from '@berth/db';
import {
  copySource,
  flagParam,
  listingParams,
  referenceParam,
  repositoryParam,
  withNamedFields,
} from './content.params.js';

const digest = `sha256:${'a'.repeat(64)}`;

/** The message of the 400 a call throws. */
function refusal(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as Error).message;
  }
  throw new Error('expected a 400');
}

describe('repositoryParam', () => {
  it('reads the path after the project, once or twice URL-encoded', () => {
    expect(repositoryParam('demo', 'app')).toBe('demo/app');
    expect(repositoryParam('demo', 'tools/cli')).toBe('demo/tools/cli');
    expect(repositoryParam('demo', 'tools%2Fcli')).toBe('demo/tools/cli');
  });

  it('refuses what is not a repository path, naming the parameter', () => {
    for (const bad of ['UPPER', '', 'a//b', '%E0%A4%A', 'a%2F', '../x']) {
      expect(refusal(() => repositoryParam('demo', bad))).toMatch(/^repository /);
    }
    expect(refusal(() => repositoryParam('demo', 'x'.repeat(300)))).toMatch(/^repository /);
  });
});

describe('referenceParam', () => {
  it('takes a digest or a tag', () => {
    expect(referenceParam(digest)).toBe(digest);
    expect(referenceParam('v1.0_rc-2')).toBe('v1.0_rc-2');
    for (const bad of ['sha256:12', 'md5:abc', '-tag', 'a'.repeat(129)]) {
      expect(refusal(() => referenceParam(bad))).toMatch(/^reference /);
    }
  });
});

describe('copySource', () => {
  it('splits Harbor’s from into a repository and a digest or a tag', () => {
    expect(copySource(`demo/app@${digest}`)).toEqual({ repository: 'demo/app', reference: digest });
    expect(copySource('demo/a/b:1.0')).toEqual({ repository: 'demo/a/b', reference: '1.0' });
  });

  it('refuses a missing, repeated or malformed source', () => {
    for (const bad of [
      undefined,
      '',
      ['demo/app:1', 'demo/app:2'],
      'demo',
      'demo/app',
      'app:1.0',
      'demo/app@v1',
      'demo/APP:1',
    ]) {
      expect(refusal(() => copySource(bad))).toMatch(/^from /);
    }
  });
});

describe('listingParams and flagParam', () => {
  it('adds cursor to the paging every listing takes', () => {
    expect(listingParams({ pageSize: '5', cursor: 'abc' })).toEqual({ page: 1, pageSize: 5, cursor: 'abc' });
    expect(listingParams({ cursor: '' })).toEqual({ page: 1, pageSize: 20 });
    expect(refusal(() => listingParams({ cursor: ['a', 'b'] }))).toMatch(/^cursor /);
  });

  it('reads true and false only', () => {
    expect(flagParam({ all: 'true' }, 'all')).toBe(true);
    expect(flagParam({ all: 'false' }, 'all')).toBe(false);
    expect(flagParam({}, 'all')).toBeUndefined();
    expect(refusal(() => flagParam({ all: 'yes' }, 'all'))).toMatch(/^all /);
  });
});

describe('withNamedFields', () => {
  it('names the parameter of a catalog’s InvalidArgumentError', async () => {
    const named = async (message: string) =>
      withNamedFields(Promise.reject(new InvalidArgumentError(message))).catch(
        (error: Error) => error.message,
      );
    expect(await named('cursor is malformed')).toBe('cursor is malformed');
    expect(await named('cannot sort by "size"; use one of name')).toBe(
      'sort cannot sort by "size"; use one of name',
    );
    expect(await named('pageSize must be between 1 and 100, got 0')).toBe(
      'pageSize must be between 1 and 100, got 0',
    );
  });

  it('passes other failures through', async () => {
    const failure = new Error('database down');
    await expect(withNamedFields(Promise.reject(failure))).rejects.toBe(failure);
  });
});
