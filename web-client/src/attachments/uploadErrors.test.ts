import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse } from '../api/errors';
import { translate, type Locale, type Translate } from '../i18n';
import { MAX_UPLOAD_BYTES } from './files';
import { refuseBeforeUpload, uploadErrorMessage } from './uploadErrors';

const tr = (locale: Locale): Translate => ((key: never, ...args: never[]) => (translate as (...a: unknown[]) => string)(locale, key, ...args)) as Translate;
const say = (locale: Locale, error: unknown, name: string) => uploadErrorMessage(tr(locale), locale, error, name);
const body = (code: string, reason: string) => JSON.stringify({ error: { code, reason, message: 'developer text' } });

describe('the words for a refused upload', () => {
  it('415: names the file whose type is not supported', () => {
    const error = errorFromResponse(415, 'Unsupported Media Type', body('unsupported_media_type', 'unsupported_file_type'));
    expect(error.code).toBe('unsupported_media_type');
    expect(say('en', error, 'program.exe')).toBe('This file type is not supported: program.exe');
    expect(say('zh-CN', error, 'program.exe')).toBe('不支持此文件类型：program.exe');
    // Even from a server that sends no body.
    expect(say('en', errorFromResponse(415, '', ''), 'x.bin')).toBe('This file type is not supported: x.bin');
  });

  it('413: says the limit', () => {
    const error = errorFromResponse(413, 'Payload Too Large', body('too_large', 'file_too_large'));
    expect(say('en', error, 'scan.zip')).toBe('File too large (max 100 MB): scan.zip');
    expect(say('zh-CN', error, 'scan.zip')).toBe('文件过大（最大 100 MB）：scan.zip');
    expect(say('en', errorFromResponse(413, '', ''), 'scan.zip')).toBe('File too large (max 100 MB): scan.zip');
  });

  it('400: a decompression bomb, a damaged file, an empty one', () => {
    expect(say('en', errorFromResponse(400, '', body('invalid', 'image_too_large')), 'bomb.png')).toBe(
      'This image has too many pixels to be processed: bomb.png',
    );
    expect(say('zh-CN', errorFromResponse(400, '', body('invalid', 'file_corrupt')), 'broken.dcm')).toBe('文件已损坏或无法读取：broken.dcm');
    expect(say('en', errorFromResponse(400, '', body('invalid', 'file_empty')), 'empty.txt')).toBe('This file is empty: empty.txt');
  });

  it('anything else: the file and the reason in the client\'s words, never the server\'s message', () => {
    const pending = errorFromResponse(429, '', body('rate_limited', 'too_many_pending_uploads'));
    expect(say('en', pending, 'a.png')).toBe('Could not upload a.png. Too many uploaded files are waiting to be sent. Send or remove some first.');
    const offline = new ApiError('network', 'Failed to fetch', 0);
    expect(say('zh-CN', offline, 'a.png')).toBe('无法上传 a.png。无法连接服务器，请检查网络后重试。');
    expect(say('en', new TypeError('boom'), 'a.png')).toBe('Could not upload a.png. Something went wrong. Please try again.');
    expect(say('en', errorFromResponse(400, '', body('invalid', 'upload_malformed')), 'a.png')).not.toContain('developer text');
  });

  it('refuses an empty or oversized file before sending a byte', () => {
    expect(refuseBeforeUpload({ size: 1 })).toBeNull();
    expect(refuseBeforeUpload({ size: MAX_UPLOAD_BYTES })).toBeNull();
    expect(refuseBeforeUpload({ size: MAX_UPLOAD_BYTES + 1 })).toMatchObject({ code: 'too_large', status: 413, reason: 'file_too_large' });
    expect(refuseBeforeUpload({ size: 0 })).toMatchObject({ code: 'invalid', reason: 'file_empty' });
    expect(say('en', refuseBeforeUpload({ size: MAX_UPLOAD_BYTES + 1 }), 'big.mov')).toBe('File too large (max 100 MB): big.mov');
  });
});
