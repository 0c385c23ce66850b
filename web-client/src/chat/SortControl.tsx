import { useId } from 'react';
import { useI18n } from '../i18n/useI18n';
import { SIDEBAR_SORTS, type SidebarSort } from './sidebarSort';

/** The sidebar's order: recent activity, unread first, or name. */
export function SortControl({ value, onChange }: { value: SidebarSort; onChange: (sort: SidebarSort) => void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="sidebar__sort">
      <label htmlFor={id} className="visually-hidden">
        {t('chat.sort.label')}
      </label>
      <select id={id} value={value} title={t('chat.sort.label')} onChange={(e) => onChange(e.target.value as SidebarSort)}>
        {SIDEBAR_SORTS.map((s) => (
          <option key={s} value={s}>
            {t(`chat.sort.${s}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
