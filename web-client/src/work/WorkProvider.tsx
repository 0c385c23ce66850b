// My work (GET /me/work), loaded once per shell and shared by the page and
// the nav badges; refetched (debounced) after relevant live events and after
// every `ready` (a reconnect may have missed some).

import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import type { MyWork } from '../api/types';
import { useRealtime, useRealtimeEvent } from '../realtime/context';
import { rest } from '../session';
import { useAsync, type Async } from '../ui/useAsync';
import { affectsWork } from './live';

const REFETCH_AFTER_MS = 600;

const WorkContext = createContext<Async<MyWork> | null>(null);

export function WorkProvider({ children }: { children: ReactNode }) {
  const epoch = useRealtime((s) => s.epoch);
  const work = useAsync(() => rest.myWork(), [epoch]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reload = useRef(work.reload);
  reload.current = work.reload;
  useRealtimeEvent((e) => {
    if (!affectsWork(e)) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => reload.current(), REFETCH_AFTER_MS);
  });
  useEffect(() => () => clearTimeout(timer.current), []);
  return <WorkContext.Provider value={work}>{children}</WorkContext.Provider>;
}

export function useWork(): Async<MyWork> {
  const work = useContext(WorkContext);
  if (work === null) throw new Error('useWork outside <WorkProvider>');
  return work;
}
