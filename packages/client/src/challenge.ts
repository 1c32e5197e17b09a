/**
 * `WWW-Authenticate` parsing (RFC 7235 §4.1): one header may carry several challenges, each a
 * scheme followed by comma-separated `name=value` parameters whose values are tokens or quoted
 * strings (with `\` escapes, and commas inside quotes).
 */
export interface Challenge {
  /** Lower-cased scheme: `bearer`, `basic`, or whatever else the server offered. */
  scheme: string;
  /** Parameters by lower-cased name (`realm`, `service`, `scope`, `error`, …), unquoted. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Every challenge of a header, in order. Never throws: unparsable text yields fewer (or no)
 * challenges, which callers treat as "cannot authenticate".
 */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const scanner = new Scanner(header);
  const challenges: Challenge[] = [];
  let current: Challenge | undefined;
  while (!scanner.done()) {
    scanner.skip(/[\s,]/);
    if (scanner.done()) break;
    const word = scanner.token();
    if (word === '') {
      scanner.advance();
      continue;
    }
    scanner.skip(/[ \t]/);
    if (scanner.peek() === '=' && current) {
      scanner.advance();
      scanner.skip(/[ \t]/);
      current.params[word.toLowerCase()] = scanner.peek() === '"' ? scanner.quoted() : scanner.token();
      continue;
    }
    current = { scheme: word.toLowerCase(), params: {} };
    challenges.push(current);
    // token68 credentials-style parameter (e.g. `Negotiate abc==`) is ignored.
  }
  return challenges;
}

/** The Bearer challenge if one is offered, else the Basic one, else undefined. */
export function preferredChallenge(header: string | null | undefined): Challenge | undefined {
  const challenges = parseChallenges(header);
  return (
    challenges.find((challenge) => challenge.scheme === 'bearer' && challenge.params.realm) ??
    challenges.find((challenge) => challenge.scheme === 'basic')
  );
}

/** The scopes a Bearer challenge names (its `scope` parameter is space-separated). */
export function challengeScopes(challenge: Challenge): string[] {
  return (challenge.params.scope ?? '').split(' ').filter(Boolean);
}

class Scanner {
  private position = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.position];
  }

  advance(): void {
    this.position += 1;
  }

  skip(pattern: RegExp): void {
    while (!this.done() && pattern.test(this.text[this.position]!)) this.position += 1;
  }

  token(): string {
    const start = this.position;
    while (!this.done() && TOKEN.test(this.text[this.position]!)) this.position += 1;
    // token68 may end in '=' padding, but only when not followed by a value.
    return this.text.slice(start, this.position);
  }

  quoted(): string {
    this.position += 1;
    let value = '';
    while (!this.done()) {
      const char = this.text[this.position]!;
      this.position += 1;
      if (char === '\\' && !this.done()) {
        value += this.text[this.position]!;
        this.position += 1;
      } else if (char === '"') {
        return value;
      } else {
        value += char;
      }
    }
    return value;
  }
}
