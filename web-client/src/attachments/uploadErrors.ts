// The words for a refused upload, naming the file: the server's reason (415
// type, 413 size, the pixel budget, a damaged file) in the client's own text,
// else the generic text for the refusal.

import { ApiError, isApiError } from '../api/errors';
import type { Locale, Translate } from '../i18n';
import { errorKey } from '../ui/common';
import { formatFileSize, MAX_UPLOAD_BYTES } from './files';

/** A refusal decided here, before any byte is sent, in the server's terms. */
export function refuseBeforeUpload(file: { size: number }): ApiError | null {
  if (file.size > MAX_UPLOAD_BYTES) return new ApiError('too_large', 'file larger than ATTACHMENT_MAX_BYTES', 413, 'file_too_large');
  if (file.size === 0) return new ApiError('invalid', 'empty file', 400, 'file_empty');
  return null;
}

export function uploadErrorMessage(t: Translate, locale: Locale, error: unknown, name: string): string {
  if (isApiError(error)) {
    if (error.reason === 'unsupported_file_type' || error.code === 'unsupported_media_type' || error.status === 415) {
      return t('attach.error.unsupported', { name });
    }
    if (error.reason === 'file_too_large' || (error.reason === undefined && error.status === 413)) {
      return t('attach.error.tooLarge', { name, max: formatFileSize(MAX_UPLOAD_BYTES, locale) });
    }
    if (error.reason === 'image_too_large') return t('attach.error.imageTooLarge', { name });
    if (error.reason === 'file_corrupt') return t('attach.error.corrupt', { name });
    if (error.reason === 'file_empty') return t('attach.error.empty', { name });
  }
  return t('attach.error.other', { name, reason: t(errorKey(error)) });
}
