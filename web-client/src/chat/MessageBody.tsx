import { useId, useState } from 'react';
import { useI18n } from '../i18n/useI18n';
import { Markdown } from '../ui/Markdown';
import { isLongBody } from './longText';

/** A message's Markdown text; a long one folded behind "Show more" / "Show less". */
export function MessageBody({ body }: { body: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const id = useId();
  if (!isLongBody(body)) return <Markdown source={body} className="message__body" />;
  return (
    <>
      <div id={id} className={open ? 'message__fold' : 'message__fold message__fold--closed'}>
        <Markdown source={body} className="message__body" />
      </div>
      <button type="button" className="link-button message__more" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        {open ? t('chat.showLess') : t('chat.showMore')}
      </button>
    </>
  );
}
