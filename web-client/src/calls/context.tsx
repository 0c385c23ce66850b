// React bindings of the call controller: one per signed-in shell, beside the
// realtime store it listens to; snapshots through useSyncExternalStore.

import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { useRealtimeStore } from '../realtime/context';
import { rest } from '../session';
import { CallController, type CallState } from './controller';
import { browserRelayOnly } from './iceConfig';
import { browserMedia } from './media';
import type { PeerConnectionLike } from './peer';

const CallContext = createContext<CallController | null>(null);

/** The browser's RTCPeerConnection, as the links use it. */
function browserPeer(configuration: RTCConfiguration): PeerConnectionLike {
  return new RTCPeerConnection(configuration) as unknown as PeerConnectionLike;
}

/** Makes this shell's call controller (or uses `controller`, for tests) and hangs up when the shell goes. */
export function CallProvider({ controller, children }: { controller?: CallController; children: ReactNode }) {
  const store = useRealtimeStore();
  const value = useMemo(
    () =>
      controller ??
      new CallController({
        store,
        rest,
        media: browserMedia(),
        createPeer: browserPeer,
        relayOnly: browserRelayOnly,
      }),
    [controller, store],
  );
  useEffect(() => value.attach(), [value]);
  return <CallContext.Provider value={value}>{children}</CallContext.Provider>;
}

export function useCallController(): CallController {
  const controller = useContext(CallContext);
  if (controller === null) throw new Error('useCallController outside <CallProvider>');
  return controller;
}

/** A slice of the call's state; the selector must return something stable (a field, not a new object). */
export function useCallState<T>(selector: (state: CallState) => T): T {
  const controller = useCallController();
  const get = () => selector(controller.getState());
  return useSyncExternalStore(controller.subscribe, get, get);
}
