import { describe, expect, it } from 'vitest';
import { translate, type Locale, type Translate } from '../i18n';
import { conversation } from '../realtime/testing';
import { documentTitle, titleCount, unreadMessages } from './title';

const tr = (locale: Locale): Translate => ((key, ...args) => translate(locale, key, ...args)) as Translate;

describe('the tab title', () => {
  it.each(['en', 'zh-CN'] as const)('%s: the app name at 0, "(N) Consilium" above', (locale) => {
    expect(documentTitle(0, tr(locale))).toBe('Consilium');
    expect(documentTitle(1, tr(locale))).toBe('(1) Consilium');
    expect(documentTitle(128, tr(locale))).toBe('(128) Consilium');
  });

  it('counts unread notifications plus unread messages', () => {
    expect(titleCount(2, 5)).toBe(7);
    expect(titleCount(0, 0)).toBe(0);
    expect(titleCount(-1, 3)).toBe(3);
  });

  it('adds up the unread messages of every conversation', () => {
    const conversations = {
      a: { info: conversation('a', 10, { last_read_seq: 7, unread: 3 }) },
      b: { info: conversation('b', 4) },
      c: { info: conversation('c', 2, { last_read_seq: 0, unread: 2 }) },
    };
    expect(unreadMessages(conversations)).toBe(5);
    expect(unreadMessages({})).toBe(0);
  });

  it('puts it together', () => {
    const conversations = { a: { info: conversation('a', 10, { last_read_seq: 9, unread: 1 }) } };
    expect(documentTitle(titleCount(3, unreadMessages(conversations)), tr('zh-CN'))).toBe('(4) Consilium');
  });
});
