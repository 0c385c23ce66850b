// Test doubles shared by the realtime store's unit tests (store.test.ts,
// outbox.test.ts); not part of the app bundle.
import type { ClientFrame } from '../generated/ClientFrame';
import type { ConversationDto } from '../generated/ConversationDto';
import type { MessageDto } from '../generated/MessageDto';
import type { ServerEvent } from '../generated/ServerEvent';
import type { SocketLike } from './store';

/** A websocket the test drives by hand: open it, feed it events, read what the store sent. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: ClientFrame[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closed = false;

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  /** The server drops the connection. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  receive(event: ServerEvent): void {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
  framesOf<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type);
  }
  sends(): Extract<ClientFrame, { type: 'send' }>[] {
    return this.framesOf('send');
  }
}

/** A team conversation at `lastSeq`, all read. */
export function conversation(id: string, lastSeq: number, extra: Partial<ConversationDto> = {}): ConversationDto {
  return { id, kind: 'team', title: id, last_seq: lastSeq, last_read_seq: lastSeq, unread: 0, ...extra };
}

/** Message `seq` of a conversation, from `user-peer` unless `extra` says otherwise. */
export function message(conversationId: string, seq: number, extra: Partial<MessageDto> = {}): MessageDto {
  return {
    id: `m-${conversationId}-${seq}`,
    conversation_id: conversationId,
    seq,
    sender_id: 'user-peer',
    client_msg_id: `c-${conversationId}-${seq}`,
    body: `message ${seq}`,
    mentions: [],
    created_at: new Date(Date.UTC(2026, 10, 23, 2, 0, seq)).toISOString(),
    recalled: false,
    priority: 'normal',
    ack_required: false,
    ack_count: 0,
    attachments: [],
    kind: 'user',
    reactions: [],
    ...extra,
  };
}
