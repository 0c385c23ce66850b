// My notification level of one conversation (SPEC §7): 全部消息 / 仅@我 /
// 不通知, saved with PUT …/notify and shown from ConversationDto.notify.
// The bell, sounds and desktop notices follow it (notifications/attention.ts).

import { useId, useState } from 'react';
import type { NotifyLevel } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime, useRealtimeStore } from '../realtime/context';
import { rest } from '../session';
import { ErrorText } from '../ui/common';

const LEVELS: readonly NotifyLevel[] = ['all', 'mentions', 'none'];

export function NotifyLevelMenu({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const store = useRealtimeStore();
  const level = useRealtime((s) => s.conversations[conversationId]?.info.notify ?? 'all');
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const id = useId();

  async function choose(next: NotifyLevel) {
    if (next === level) return;
    setSaving(true);
    setError(undefined);
    try {
      await rest.setNotifyLevel(conversationId, next);
      store.setNotifyLevel(conversationId, next);
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  }

  return (
    <span className="notify-level">
      <label htmlFor={id} className="visually-hidden">
        {t('notify.label')}
      </label>
      <select
        id={id}
        className="notify-level__select"
        value={level}
        disabled={saving}
        title={t('notify.label')}
        onChange={(e) => void choose(e.target.value as NotifyLevel)}
      >
        {LEVELS.map((l) => (
          <option key={l} value={l}>
            {t(`notify.${l}`)}
          </option>
        ))}
      </select>
      {error !== undefined && <ErrorText error={error} />}
    </span>
  );
}
