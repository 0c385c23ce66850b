import type { BoxKind } from '../api/types';
import { useI18n } from '../i18n/useI18n';

const BOXES: readonly BoxKind[] = ['incoming', 'outgoing'];

/** Incoming / outgoing switch, as an ARIA tab list (arrow keys move between tabs). */
export function BoxTabs({ box, onChange, label, panelId }: { box: BoxKind; onChange: (b: BoxKind) => void; label: string; panelId: string }) {
  const { t } = useI18n();
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {BOXES.map((b) => (
        <button
          key={b}
          type="button"
          role="tab"
          id={`${panelId}-${b}`}
          aria-selected={box === b}
          aria-controls={panelId}
          tabIndex={box === b ? 0 : -1}
          className={box === b ? 'tab tab--active' : 'tab'}
          onClick={() => onChange(b)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
              const next = b === 'incoming' ? 'outgoing' : 'incoming';
              onChange(next);
              document.getElementById(`${panelId}-${next}`)?.focus();
            }
          }}
        >
          {t(`box.${b}`)}
        </button>
      ))}
    </div>
  );
}
