// The audit log tab's pure parts: the server query for the filters, the
// action filter (the server filters by actor, target and time, not by
// action, so the loaded rows are filtered here), the target types to offer,
// and a short form of an id for the actor column.

import type { AuditEventDto, AuditQuery, Page } from '../api/types';

/** The filters shown above the events. */
export interface AuditFilter {
  /** Part of an action name, e.g. `login` or `member_`; matched here, case-insensitively. */
  action: string;
  /** A target type, e.g. `user`; sent to the server (exact match). */
  targetType: string;
}

export const EMPTY_AUDIT_FILTER: AuditFilter = { action: '', targetType: '' };

/** `GET /audit` query for a filter and page: blank filters left out. */
export function auditQuery(filter: AuditFilter, page: { limit?: number; cursor?: string } = {}): AuditQuery {
  const query: AuditQuery = { ...page };
  const targetType = filter.targetType.trim();
  if (targetType !== '') query.target_type = targetType;
  return query;
}

/** Whether an event's action contains the filter's text (any event when the text is blank). */
export function matchesAction(event: AuditEventDto, action: string): boolean {
  const needle = action.trim().toLowerCase();
  return needle === '' || event.action.toLowerCase().includes(needle);
}

/** The target types of `events` not yet in `known`, added to it in order (the same list when none is new). */
export function withTargetTypes(known: readonly string[], events: readonly AuditEventDto[]): readonly string[] {
  const fresh = [...new Set(events.map((e) => e.target_type))].filter((type) => type !== '' && !known.includes(type));
  return fresh.length === 0 ? known : [...known, ...fresh].sort();
}

/** The next page appended to the loaded ones; an event already shown (same id) is not repeated. */
export function appendPage(loaded: Page<AuditEventDto>, next: Page<AuditEventDto>): Page<AuditEventDto> {
  const seen = new Set(loaded.items.map((e) => e.id));
  const items = [...loaded.items, ...next.items.filter((e) => !seen.has(e.id))];
  return next.next_cursor === undefined ? { items } : { items, next_cursor: next.next_cursor };
}

/** The first 8 characters of a long id (a UUID), for a narrow column; short ids unchanged. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}
