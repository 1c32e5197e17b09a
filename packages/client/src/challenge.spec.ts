import { describe, expect, it } from '@jest/globals';
import { challengeScopes, parseChallenges, preferredChallenge } from './challenge.js';

describe('parseChallenges', () => {
  it('reads a Docker token challenge with several scopes', () => {
    const [challenge] = parseChallenges(
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push repository:c:pull"',
    );
    expect(challenge).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:a/b:pull,push repository:c:pull',
      },
    });
    expect(challengeScopes(challenge!)).toEqual(['repository:a/b:pull,push', 'repository:c:pull']);
  });

  it('reads insufficient_scope errors, unquoted values, escapes and odd spacing', () => {
    const [challenge] = parseChallenges(
      'bearer   realm = "https://a/t?x=1,2" , service=reg , error="insufficient_scope", x="q\\"uote"',
    );
    expect(challenge?.params).toEqual({
      realm: 'https://a/t?x=1,2',
      service: 'reg',
      error: 'insufficient_scope',
      x: 'q"uote',
    });
  });

  it('splits several challenges in one header and prefers Bearer over Basic', () => {
    const header = 'Basic realm="distribution", Bearer realm="https://t/token",service="s"';
    expect(parseChallenges(header).map((challenge) => challenge.scheme)).toEqual(['basic', 'bearer']);
    expect(preferredChallenge(header)?.scheme).toBe('bearer');
    expect(preferredChallenge('Basic realm="distribution"')).toEqual({
      scheme: 'basic',
      params: { realm: 'distribution' },
    });
  });

  it('never throws on garbage and offers nothing usable for it', () => {
    for (const header of [
      null,
      undefined,
      '',
      '=',
      ',,,',
      'Bearer',
      'Bearer "unterminated',
      'Negotiate abc==',
    ]) {
      expect(() => parseChallenges(header)).not.toThrow();
    }
    expect(preferredChallenge('Bearer service="no realm"')).toBeUndefined();
    expect(preferredChallenge('Negotiate abc==')).toBeUndefined();
  });
});
