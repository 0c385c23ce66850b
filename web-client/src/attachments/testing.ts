// A stored attachment for tests, as the server answers it.
import type { AttachmentDto } from '../api/types';

/** `extra` may set an optional field to undefined to leave it out (a PDF has no preview_url). */
export function attachment(id: string, extra: { [K in keyof AttachmentDto]?: AttachmentDto[K] | undefined } = {}): AttachmentDto {
  const full: Record<string, unknown> = {
    id,
    conversation_id: 'conv-1',
    uploader_id: 'user-me',
    name: `${id}.png`,
    content_type: 'image/png',
    size: 2938,
    sha256: '0'.repeat(64),
    kind: 'image',
    width: 640,
    height: 480,
    preview_url: `/api/v1/attachments/${id}/preview?u=user-me&e=4102444800&s=sig`,
    content_url: `/api/v1/attachments/${id}/content?u=user-me&e=4102444800&s=sig`,
    created_at: '2026-11-23T02:00:00Z',
    ...extra,
  };
  for (const key of Object.keys(full)) if (full[key] === undefined) delete full[key];
  return full as AttachmentDto;
}
