// New recovery codes, shown this once (the server keeps only their hashes):
// copy them, download them as a text file, and say they are saved before
// going on.

import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../i18n/useI18n';
import { useAuth } from '../session';
import { recoveryCodesFile } from './twoFactor';

type CopyState = 'idle' | 'copied' | 'failed';

export function RecoveryCodesPanel({ codes, onDone }: { codes: readonly string[]; onDone: () => void }) {
  const { t } = useI18n();
  const { session } = useAuth();
  const [saved, setSaved] = useState(false);
  const [copy, setCopy] = useState<CopyState>('idle');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const savedId = useId();

  useEffect(() => {
    // Moves the reader from the form that is gone to what must be done now.
    headingRef.current?.focus();
  }, []);

  const text = recoveryCodesFile(t('twoFactor.codes.fileHeading', { name: session?.user.username ?? '' }), codes);

  async function copyCodes() {
    try {
      await navigator.clipboard.writeText(text);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'consilium-recovery-codes.txt';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  return (
    <section className="panel recovery-codes" aria-labelledby={headingId}>
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        {t('twoFactor.codes.title')}
      </h2>
      <p>{t('twoFactor.codes.intro')}</p>
      <ol className="recovery-codes__list" aria-label={t('twoFactor.codes.list')}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="toolbar">
        <button type="button" className="button" onClick={() => void copyCodes()}>
          {t('twoFactor.codes.copy')}
        </button>
        <button type="button" className="button" onClick={download}>
          {t('twoFactor.codes.download')}
        </button>
        <span role="status" className="muted">
          {copy === 'copied' ? t('twoFactor.codes.copied') : copy === 'failed' ? t('twoFactor.codes.copyFailed') : ''}
        </span>
      </div>
      <label className="checkbox recovery-codes__saved" htmlFor={savedId}>
        <input id={savedId} type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} /> {t('twoFactor.codes.saved')}
      </label>
      <button type="button" className="button button--primary" disabled={!saved} onClick={onDone}>
        {t('twoFactor.codes.done')}
      </button>
    </section>
  );
}
