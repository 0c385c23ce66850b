// The call on screen (SPEC §9): a tile per participant (video, or their
// initial when the camera is off or missing, with their name and what they
// send), the controls (mute, camera, screen share, leave, and "end for
// everyone" for the starter, the team's lead and admins), minimized to a bar
// so the conversation stays usable. It fills the screen, so on a 360 px phone
// the tiles stack (two columns from three people) and the controls wrap at
// the bottom, always reachable. Before the call: what is being done, or, when
// neither camera nor microphone can be had, why, with "join listen-only".
// After it: how it ended (declined, ended, moved to another device, failed).

import { useEffect, useId, useMemo, useRef } from 'react';
import type { UserDto } from '../api/types';
import { useI18n } from '../i18n/useI18n';
import { useRealtime } from '../realtime/context';
import { hasRole, useTeams } from '../teams/myTeams';
import { errorKey } from '../ui/common';
import { joinNames } from '../ui/format';
import { knownUser, useUser, useUsersVersion } from '../users/cache';
import { useCallController, useCallState } from './context';
import { OFFLINE, type CallState, type RemoteParticipant } from './controller';

/** The call of this tab, if any; `me` is the signed-in user. */
export function CallView({ me }: { me: UserDto }) {
  const phase = useCallState((s) => s.phase);
  if (phase === 'idle') return null;
  if (phase === 'ended') return <CallEnded />;
  if (phase === 'media_blocked') return <MediaBlocked />;
  return <CallStage me={me} />;
}

/** Whether I may end the call for everyone: its starter, the lead of the conversation's team, an admin. */
function useMayEnd(state: CallState, me: UserDto): boolean {
  const { teams } = useTeams();
  const teamId = useRealtime((s) => (state.conversationId === null ? undefined : s.conversations[state.conversationId]?.info.team_id));
  if (state.call === null) return false;
  if (state.call.started_by === me.id || me.role === 'admin') return true;
  return teamId !== undefined && hasRole(teams.find((t) => t.id === teamId), 'lead');
}

function CallStage({ me }: { me: UserDto }) {
  const { t, locale } = useI18n();
  const controller = useCallController();
  const state = useCallState((s) => s);
  const title = useRealtime((s) => (state.conversationId === null ? undefined : s.conversations[state.conversationId]?.info.title)) ?? '';
  const mayEnd = useMayEnd(state, me);
  // The call covers the shell's connection status: say it here when the live connection is gone.
  const online = useRealtime((s) => s.status === 'connected');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const declined = (state.call?.declined_by ?? []).filter((id) => id !== me.id);
  useUsersVersion(declined);

  // The call takes the screen: move the focus into it (and back into it when it is brought back from the bar).
  useEffect(() => {
    if (!state.minimized) headingRef.current?.focus({ preventScroll: true });
  }, [state.minimized]);

  const inCall = state.phase === 'in_call';
  const status = !online
    ? t('call.state.lost')
    : state.phase === 'preparing'
      ? t('call.preparing')
      : state.phase === 'joining' || state.rejoining
        ? t('call.joining')
        : state.remotes.length === 0
          ? t('call.waiting')
          : t('call.participants', { count: state.remotes.length + 1 });

  return (
    <section
      className={state.minimized ? 'call call--minimized' : 'call'}
      aria-labelledby={headingId}
      onKeyDown={(e) => {
        // Escape puts the call aside (never hangs up); IME composition keeps its Escape.
        if (e.key !== 'Escape' || e.nativeEvent.isComposing || state.minimized) return;
        e.stopPropagation();
        controller.setMinimized(true);
      }}
    >
      <header className="call__bar">
        <h2 id={headingId} ref={headingRef} tabIndex={-1} className="call__title">
          <span className="visually-hidden">{t('call.region', { title })}</span>
          <span aria-hidden="true">{title === '' ? t('call.live') : title}</span>
        </h2>
        <span className="call__status" role="status">
          {status}
        </span>
        {state.minimized ? (
          <button type="button" className="button button--small button--accent" onClick={() => controller.setMinimized(false)}>
            {t('call.return')}
          </button>
        ) : (
          <button type="button" className="button button--small call__minimize" onClick={() => controller.setMinimized(true)}>
            {t('call.minimize')}
          </button>
        )}
        {state.minimized && (
          <button type="button" className="button button--small button--danger" onClick={() => void controller.leave()}>
            {t('call.leave')}
          </button>
        )}
      </header>
      <div className="call__body">
        {(state.listenOnly || state.mediaProblem !== null || declined.length > 0 || state.error !== undefined || state.screenFailed) && (
          <div className="call__notes">
            {state.listenOnly && <p className="call__note">{t('call.listenOnly')}</p>}
            {!state.listenOnly && state.mediaProblem !== null && state.camera === null && <p className="call__note">{t('call.media.noCamera')}</p>}
            {!state.listenOnly && state.mediaProblem !== null && state.microphone === null && (
              <p className="call__note">{t('call.media.noMicrophone')}</p>
            )}
            {declined.length > 0 && (
              <p className="call__note">{t('call.declinedBy', { names: joinNames(declined.map((id) => knownUser(id)?.display_name ?? t('chat.someone')), locale) })}</p>
            )}
            {state.error !== undefined && (
              <p className="call__note call__note--error" role="alert">
                {t(errorKey(state.error))}
              </p>
            )}
            {state.screenFailed && (
              <p className="call__note call__note--error" role="alert">
                {t('call.screenFailed')}
              </p>
            )}
          </div>
        )}
        <ul className="call__tiles" data-count={Math.min(6, state.remotes.length + 1)}>
          <LocalTile state={state} userId={me.id} />
          {state.remotes.map((r) => (
            <RemoteTile key={r.connectionId} remote={r} />
          ))}
        </ul>
      </div>
      <div className="call__controls" role="toolbar" aria-label={t('call.controls')}>
        <button type="button" className="button call__control" disabled={state.microphone === null} aria-pressed={state.microphone !== null && !state.audioOn} onClick={() => controller.toggleAudio()}>
          {state.audioOn || state.microphone === null ? t('call.mute') : t('call.unmute')}
        </button>
        <button type="button" className="button call__control" disabled={state.camera === null} onClick={() => controller.toggleVideo()}>
          {state.videoOn || state.camera === null ? t('call.cameraOff') : t('call.cameraOn')}
        </button>
        {controller.canShareScreen() && (
          <button
            type="button"
            className="button call__control"
            disabled={!inCall}
            aria-pressed={state.screen !== null}
            onClick={() => void (state.screen === null ? controller.shareScreen() : controller.stopSharing())}
          >
            {state.screen === null ? t('call.shareScreen') : t('call.stopSharing')}
          </button>
        )}
        <button type="button" className="button button--danger call__control call__leave" onClick={() => void (inCall ? controller.leave() : Promise.resolve(controller.cancel()))}>
          {inCall ? t('call.leave') : t('call.cancel')}
        </button>
        {inCall && mayEnd && (
          <button type="button" className="button button--danger call__control" onClick={() => void controller.endForEveryone()}>
            {t('call.endForAll')}
          </button>
        )}
      </div>
    </section>
  );
}

function LocalTile({ state, userId }: { state: CallState; userId: string }) {
  const { t } = useI18n();
  const name = useUser(userId)?.display_name ?? '';
  const video = state.screen ?? state.camera;
  const tracks = useMemo(() => (video === null ? [] : [video]), [video]);
  const cameraOff = state.screen === null && (!state.videoOn || state.camera === null);
  return (
    <Tile
      name={t('call.you', { name })}
      label={t('call.myVideo', { name })}
      initial={name}
      tracks={tracks}
      muted
      mirrored={state.screen === null}
      showVideo={!cameraOff}
      badges={[
        ...(state.listenOnly ? [t('call.listenOnly')] : []),
        ...(!state.listenOnly && (!state.audioOn || state.microphone === null) ? [t('call.state.muted')] : []),
        ...(!state.listenOnly && cameraOff ? [t('call.state.cameraOff')] : []),
        ...(state.screen !== null ? [t('call.state.sharing')] : []),
      ]}
    />
  );
}

function RemoteTile({ remote }: { remote: RemoteParticipant }) {
  const { t } = useI18n();
  const name = useUser(remote.userId)?.display_name ?? t('chat.someone');
  const media = remote.media;
  const connecting = remote.connection === 'new' || remote.connection === 'connecting';
  const lost = remote.connection === 'disconnected' || remote.connection === 'failed';
  const hasVideo = remote.tracks.some((tr) => tr.kind === 'video');
  return (
    <Tile
      name={name}
      label={t('call.videoOf', { name })}
      initial={name}
      tracks={remote.tracks}
      muted={false}
      mirrored={false}
      showVideo={hasVideo && media?.video !== false}
      badges={[
        ...(connecting ? [t('call.state.connecting')] : []),
        ...(lost ? [t('call.state.lost')] : []),
        ...(media?.audio === false ? [t('call.state.muted')] : []),
        ...(media?.video === false ? [t('call.state.cameraOff')] : []),
        ...(media?.screen === true ? [t('call.state.sharing')] : []),
      ]}
      connection={remote.connection}
    />
  );
}

interface TileProps {
  name: string;
  /** The video's accessible name ("Video of 王建国"). */
  label: string;
  initial: string;
  tracks: readonly MediaStreamTrack[];
  /** My own tile never plays my own voice back. */
  muted: boolean;
  mirrored: boolean;
  /** False: the camera is off or missing; the initial shows instead (the sound still plays). */
  showVideo: boolean;
  badges: readonly string[];
  connection?: RTCPeerConnectionState;
}

function Tile({ name, label, initial, tracks, muted, mirrored, showVideo, badges, connection }: TileProps) {
  const ref = useRef<HTMLVideoElement>(null);
  const stream = useMemo(() => (typeof MediaStream === 'undefined' || tracks.length === 0 ? null : new MediaStream([...tracks])), [tracks]);
  useEffect(() => {
    const video = ref.current;
    if (video === null || video.srcObject === stream) return;
    video.srcObject = stream;
    if (stream !== null) {
      video.play().catch(() => {
        // Autoplay refused (no interaction yet): the next click on the page starts it.
      });
    }
  }, [stream]);
  return (
    <li className={`call-tile${showVideo ? '' : ' call-tile--no-video'}`} data-connection={connection}>
      <video
        ref={ref}
        className={mirrored ? 'call-tile__video call-tile__video--mirrored' : 'call-tile__video'}
        aria-label={label}
        autoPlay
        playsInline
        muted={muted}
      />
      {!showVideo && (
        <span className="call-tile__avatar" aria-hidden="true">
          {Array.from(initial.trim())[0] ?? '?'}
        </span>
      )}
      <div className="call-tile__caption">
        <span className="call-tile__name">{name}</span>
        {badges.map((b) => (
          <span key={b} className="call-tile__badge">
            {b}
          </span>
        ))}
      </div>
    </li>
  );
}

/** Neither camera nor microphone: why, and what the user can do. */
function MediaBlocked() {
  const { t } = useI18n();
  const controller = useCallController();
  const problem = useCallState((s) => s.mediaProblem) ?? 'other';
  const titleId = useId();
  const textId = useId();
  const joinRef = useRef<HTMLButtonElement>(null);
  useEffect(() => joinRef.current?.focus({ preventScroll: true }), []);
  return (
    <section
      className="call-notice call-notice--media"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={textId}
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || e.nativeEvent.isComposing) return;
        e.stopPropagation();
        controller.cancel();
      }}
    >
      <h2 id={titleId} className="call-notice__title">
        {t('call.media.title')}
      </h2>
      <p id={textId}>{t(`call.media.${problem}`)}</p>
      <div className="call-notice__actions">
        <button ref={joinRef} type="button" className="button button--accent" onClick={() => void controller.joinListenOnly()}>
          {t('call.joinListenOnly')}
        </button>
        <button type="button" className="button" onClick={() => void controller.retryMedia()}>
          {t('call.tryAgain')}
        </button>
        <button type="button" className="button" onClick={() => controller.cancel()}>
          {t('call.cancel')}
        </button>
      </div>
    </section>
  );
}

/** How long the notice of a call that ended (not of one that failed) stays without being closed. */
export const ENDED_NOTICE_MS = 15_000;

/** How the call ended here: until closed, or for ENDED_NOTICE_MS (the thread's timeline keeps the record). */
function CallEnded() {
  const { t, locale } = useI18n();
  const controller = useCallController();
  const ended = useCallState((s) => s.ended);
  useUsersVersion(ended?.declinedBy ?? []);
  const transient = ended !== null && ended.reason !== 'failed';
  useEffect(() => {
    if (!transient) return;
    const timer = setTimeout(() => controller.dismiss(), ENDED_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [transient, ended, controller]);
  if (ended === null) return null;
  let text: string;
  switch (ended.reason) {
    case 'declined':
      text = t('call.ended.declined', { names: joinNames(ended.declinedBy.map((id) => knownUser(id)?.display_name ?? t('chat.someone')), locale) });
      break;
    case 'moved':
      text = t('call.ended.moved');
      break;
    case 'failed':
      text = ended.error === OFFLINE ? t('call.offline') : ended.error === undefined ? t('call.ended.failed') : t(errorKey(ended.error));
      break;
    case 'ended':
      text = t('call.ended.ended');
      break;
  }
  return (
    <section className="call-notice" role="status">
      <p className="call-notice__text">{text}</p>
      <button type="button" className="button button--small" onClick={() => controller.dismiss()}>
        {t('call.close')}
      </button>
    </section>
  );
}
