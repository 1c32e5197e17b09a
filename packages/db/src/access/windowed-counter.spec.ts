import { describe, expect, it } from '@jest/globals';
import { WindowedCounter } from './windowed-counter.js';

const t = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

describe('WindowedCounter', () => {
  it('counts occurrences of a key within its window as one', () => {
    const counter = new WindowedCounter<string>({ windowMs: 60_000, maxOpen: 10 });
    for (let i = 0; i < 20; i++) expect(counter.add('k', 'first', t(i))).toEqual([]);
    expect(counter.due(t(59))).toEqual([]);
    expect(counter.due(t(60))).toEqual([{ value: 'first', count: 20, firstAt: t(0), lastAt: t(19) }]);
    expect(counter.size).toBe(0);
  });

  it('opens a new window after the old one closed, handing the old one back', () => {
    const counter = new WindowedCounter<string>({ windowMs: 10_000, maxOpen: 10 });
    counter.add('k', 'a', t(0));
    counter.add('k', 'a', t(5));
    expect(counter.add('k', 'b', t(10))).toEqual([{ value: 'a', count: 2, firstAt: t(0), lastAt: t(5) }]);
    expect(counter.drain()).toEqual([{ value: 'b', count: 1, firstAt: t(10), lastAt: t(10) }]);
  });

  it('keeps keys apart and closes windows oldest first', () => {
    const counter = new WindowedCounter<string>({ windowMs: 10_000, maxOpen: 10 });
    counter.add('a', 'a', t(0));
    counter.add('b', 'b', t(3));
    counter.add('a', 'a', t(4));
    expect(counter.due(t(11)).map((w) => [w.value, w.count])).toEqual([['a', 2]]);
    expect(counter.due(t(13)).map((w) => [w.value, w.count])).toEqual([['b', 1]]);
  });

  it('closes the oldest window early rather than grow past maxOpen', () => {
    const counter = new WindowedCounter<number>({ windowMs: 60_000, maxOpen: 2 });
    counter.add('1', 1, t(0));
    counter.add('2', 2, t(1));
    expect(counter.add('3', 3, t(2)).map((w) => w.value)).toEqual([1]);
    expect(counter.size).toBe(2);
  });
});
