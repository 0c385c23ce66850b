import { describe, expect, it } from 'vitest';
import { attachment } from '../attachments/testing';
import { mergeMaterials } from './Materials';

describe('the case materials list', () => {
  it('puts files sent meanwhile first and a further page last, each file once', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => attachment(id));
    expect(mergeMaterials([b!, c!], [a!]).map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(mergeMaterials([a!, b!], [], [b!, c!, d!]).map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(mergeMaterials([a!], [a!]).map((x) => x.id)).toEqual(['a']);
  });
});
