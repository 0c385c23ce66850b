import { describe, expect, it } from 'vitest';
import { emptyConversation } from '../realtime/conversationReducer';
import { conversation, message } from '../realtime/testing';
import { dividerSeq, firstUnreadSeq, newMessagesBelow } from './readingPosition';

const ME = 'user-me';

describe('reading position', () => {
  it('the first unread message is the one after my read position, when something is unread', () => {
    expect(firstUnreadSeq(emptyConversation(conversation('c', 9, { last_read_seq: 6, unread: 3 })))).toBe(7);
    expect(firstUnreadSeq(emptyConversation(conversation('c', 9)))).toBeUndefined();
    expect(firstUnreadSeq(undefined)).toBeUndefined();
  });

  it('the divider goes above the first loaded message at or after it', () => {
    const list = [5, 6, 7, 8].map((seq) => message('c', seq));
    expect(dividerSeq(list, 7)).toBe(7);
    expect(dividerSeq(list, 2)).toBe(5);
    expect(dividerSeq(list, 9)).toBeUndefined();
    expect(dividerSeq(list, undefined)).toBeUndefined();
  });

  it('counts the messages of others that arrived below what was seen', () => {
    const list = [message('c', 1), message('c', 2), message('c', 3, { sender_id: ME }), message('c', 4)];
    expect(newMessagesBelow(list, 1, ME)).toBe(2);
    expect(newMessagesBelow(list, 4, ME)).toBe(0);
  });
});
