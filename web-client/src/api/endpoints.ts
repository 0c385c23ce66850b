// Every REST endpoint the app calls (SPEC §3), typed with the generated DTOs.
// One function per endpoint, so a change on the server shows up as a type
// error in exactly one place.

import type { ApiClient } from './client';
import type { PageParams } from './paging';
import type {
  AcceptReferralRequest,
  AssigneeSuggestion,
  AttachmentDto,
  AuditEventDto,
  AuditQuery,
  AuditVerification,
  BoxKind,
  BreakGlassDto,
  BreakGlassRequest,
  CallDto,
  CaseDto,
  CaseStatus,
  CompleteConsultRequest,
  CompleteFollowUpRequest,
  CompleteReferralRequest,
  ConsultDto,
  ConversationDetail,
  ConversationDto,
  CreateCaseRequest,
  CreateConsultRequest,
  CreateFollowUpsRequest,
  CreateReferralRequest,
  CreateSlotRequest,
  CreateTeamRequest,
  CreateUserRequest,
  DeclineRequest,
  DutyRequest,
  EditMessageRequest,
  FollowUpDto,
  FollowUpFilter,
  IceServers,
  IntakeRequest,
  JoinCallRequest,
  MarkReadRequest,
  MarkReadResponse,
  MessageAck,
  MessageAcks,
  MessageDto,
  MessageVersion,
  MyWork,
  NotificationDto,
  NotifyLevel,
  NotifyRequest,
  NotificationsQuery,
  Page,
  ReactionDto,
  RecoveryCodes,
  ReferralDto,
  SearchQuery,
  SearchResults,
  SessionDto,
  SetMemberRequest,
  SlotDto,
  SlotQuery,
  StartCallRequest,
  TeamDetail,
  TeamDirectoryEntry,
  TeamDto,
  TeamMemberDto,
  TeamRole,
  TeamSettings,
  TeamSettingsPatch,
  TotpCodeRequest,
  TotpEnrollment,
  TriageRequest,
  TwoFactorStatus,
  UpdateCaseRequest,
  UpdateTeamRequest,
  UpdateUserRequest,
  UserDto,
} from './types';

const enc = encodeURIComponent;

export type ConsultTransition =
  | { kind: 'accept' }
  | { kind: 'decline'; body: DeclineRequest }
  | { kind: 'complete'; body: CompleteConsultRequest }
  | { kind: 'cancel' };

export type ReferralTransition =
  | { kind: 'accept'; body: AcceptReferralRequest }
  | { kind: 'decline'; body: DeclineRequest }
  | { kind: 'complete'; body: CompleteReferralRequest }
  | { kind: 'cancel' };

export function endpoints(api: ApiClient) {
  return {
    // users
    searchUsers: (q: string, options: { includeInactive?: boolean; limit?: number } = {}) =>
      api.request<Page<UserDto>>('GET', '/users', {
        query: { q: q === '' ? undefined : q, limit: options.limit ?? 50, include_inactive: options.includeInactive || undefined },
      }),
    user: (id: string) => api.request<UserDto>('GET', `/users/${enc(id)}`),
    createUser: (body: CreateUserRequest) => api.request<UserDto>('POST', '/users', { body }),
    updateUser: (id: string, body: UpdateUserRequest) => api.request<UserDto>('PATCH', `/users/${enc(id)}`, { body }),
    deactivateUser: (id: string) => api.request<UserDto>('POST', `/users/${enc(id)}/deactivate`),
    reactivateUser: (id: string) => api.request<UserDto>('POST', `/users/${enc(id)}/reactivate`),
    // an admin turns off someone's two-factor sign-in (lost phone and recovery codes); they may set it up again
    resetTwoFactor: (id: string) => api.request<void>('DELETE', `/users/${enc(id)}/2fa`),

    // teams
    myTeams: () => api.request<TeamDto[]>('GET', '/teams'),
    directory: (q?: string) => api.request<TeamDirectoryEntry[]>('GET', '/teams/directory', { query: { q } }),
    team: (id: string) => api.request<TeamDetail>('GET', `/teams/${enc(id)}`),
    createTeam: (body: CreateTeamRequest) => api.request<TeamDetail>('POST', '/teams', { body }),
    updateTeam: (id: string, body: UpdateTeamRequest) => api.request<TeamDetail>('PATCH', `/teams/${enc(id)}`, { body }),
    archiveTeam: (id: string) => api.request<TeamDetail>('POST', `/teams/${enc(id)}/archive`),
    members: (teamId: string) => api.request<TeamMemberDto[]>('GET', `/teams/${enc(teamId)}/members`),
    setMember: (teamId: string, userId: string, role: TeamRole) =>
      api.request<TeamMemberDto>('PUT', `/teams/${enc(teamId)}/members/${enc(userId)}`, {
        body: { role } satisfies SetMemberRequest,
      }),
    removeMember: (teamId: string, userId: string) =>
      api.request<void>('DELETE', `/teams/${enc(teamId)}/members/${enc(userId)}`),
    // deadlines (SPEC §7): members read them, the lead or an admin changes them
    teamSettings: (teamId: string) => api.request<TeamSettings>('GET', `/teams/${enc(teamId)}/settings`),
    updateTeamSettings: (teamId: string, body: TeamSettingsPatch) =>
      api.request<TeamSettings>('PATCH', `/teams/${enc(teamId)}/settings`, { body }),

    // cases and triage
    createCase: (teamId: string, body: CreateCaseRequest) =>
      api.request<CaseDto>('POST', `/teams/${enc(teamId)}/cases`, { body }),
    submitIntake: (teamId: string, body: IntakeRequest) =>
      api.request<CaseDto>('POST', `/teams/${enc(teamId)}/intakes`, { body }),
    triageQueue: (teamId: string, page: PageParams = {}) =>
      api.request<Page<CaseDto>>('GET', `/teams/${enc(teamId)}/triage`, { query: { ...page } }),
    teamCases: (teamId: string, filter: { status?: CaseStatus; assignee?: string } = {}, page: PageParams = {}) =>
      api.request<Page<CaseDto>>('GET', `/teams/${enc(teamId)}/cases`, { query: { ...filter, ...page } }),
    case: (id: string) => api.request<CaseDto>('GET', `/cases/${enc(id)}`),
    updateCase: (id: string, body: UpdateCaseRequest) => api.request<CaseDto>('PATCH', `/cases/${enc(id)}`, { body }),
    triage: (caseId: string, body: TriageRequest) => api.request<CaseDto>('POST', `/cases/${enc(caseId)}/triage`, { body }),
    suggestions: (caseId: string) => api.request<AssigneeSuggestion[]>('GET', `/cases/${enc(caseId)}/suggestions`),
    caseConsults: (caseId: string) => api.request<ConsultDto[]>('GET', `/cases/${enc(caseId)}/consults`),
    caseReferrals: (caseId: string) => api.request<ReferralDto[]>('GET', `/cases/${enc(caseId)}/referrals`),
    // break-glass (SPEC §11): a doctor outside the case reads it for a while, audited; everyone who reads the case sees who did
    breakGlass: (caseId: string, reason: string) =>
      api.request<BreakGlassDto>('POST', `/cases/${enc(caseId)}/break-glass`, { body: { reason } satisfies BreakGlassRequest }),
    breakGlassGrants: (caseId: string) => api.request<BreakGlassDto[]>('GET', `/cases/${enc(caseId)}/break-glass`),

    // consults
    requestConsult: (caseId: string, body: CreateConsultRequest) =>
      api.request<ConsultDto>('POST', `/cases/${enc(caseId)}/consults`, { body }),
    consults: (box: BoxKind, status?: string, page: PageParams = {}) =>
      api.request<Page<ConsultDto>>('GET', '/consults', { query: { box, status, ...page } }),
    consult: (id: string) => api.request<ConsultDto>('GET', `/consults/${enc(id)}`),
    consultTransition: (id: string, t: ConsultTransition) =>
      api.request<ConsultDto>('POST', `/consults/${enc(id)}/${t.kind}`, 'body' in t ? { body: t.body } : {}),

    // referrals
    refer: (caseId: string, body: CreateReferralRequest) =>
      api.request<ReferralDto>('POST', `/cases/${enc(caseId)}/referrals`, { body }),
    referrals: (box: BoxKind, status?: string, page: PageParams = {}) =>
      api.request<Page<ReferralDto>>('GET', '/referrals', { query: { box, status, ...page } }),
    referral: (id: string) => api.request<ReferralDto>('GET', `/referrals/${enc(id)}`),
    referralTransition: (id: string, t: ReferralTransition) =>
      api.request<ReferralDto>('POST', `/referrals/${enc(id)}/${t.kind}`, 'body' in t ? { body: t.body } : {}),

    // expert slots (号源, SPEC §10): the team's lead or assistants publish and delete them, anyone signed in lists them
    slots: (teamId: string, query: SlotQuery = {}) => api.request<SlotDto[]>('GET', `/teams/${enc(teamId)}/slots`, { query: { ...query } }),
    createSlot: (teamId: string, body: CreateSlotRequest) => api.request<SlotDto>('POST', `/teams/${enc(teamId)}/slots`, { body }),
    deleteSlot: (id: string) => api.request<void>('DELETE', `/slots/${enc(id)}`),

    // follow-ups (随访, SPEC §10)
    caseFollowUps: (caseId: string) => api.request<FollowUpDto[]>('GET', `/cases/${enc(caseId)}/follow-ups`),
    planFollowUps: (caseId: string, body: CreateFollowUpsRequest) =>
      api.request<FollowUpDto[]>('POST', `/cases/${enc(caseId)}/follow-ups`, { body }),
    myFollowUps: (status: FollowUpFilter = 'due') => api.request<FollowUpDto[]>('GET', '/me/follow-ups', { query: { status } }),
    completeFollowUp: (id: string, body: CompleteFollowUpRequest) =>
      api.request<FollowUpDto>('POST', `/follow-ups/${enc(id)}/complete`, { body }),

    // conversations
    conversations: () => api.request<ConversationDto[]>('GET', '/conversations'),
    conversation: (id: string) => api.request<ConversationDetail>('GET', `/conversations/${enc(id)}`),
    history: (id: string, page: { before_seq?: number; after_seq?: number; limit?: number }) =>
      api.request<Page<MessageDto>>('GET', `/conversations/${enc(id)}/messages`, { query: page }),
    recall: (id: string, seq: number) => api.request<MessageDto>('POST', `/conversations/${enc(id)}/messages/${seq}/recall`),
    // everyday messaging (SPEC §8): edits with their history, reactions
    editMessage: (id: string, seq: number, body: string) =>
      api.request<MessageDto>('PUT', `/conversations/${enc(id)}/messages/${seq}`, { body: { body } satisfies EditMessageRequest }),
    messageVersions: (id: string, seq: number) =>
      api.request<MessageVersion[]>('GET', `/conversations/${enc(id)}/messages/${seq}/versions`),
    react: (id: string, seq: number, emoji: string, added: boolean) =>
      api.request<ReactionDto[]>(added ? 'PUT' : 'DELETE', `/conversations/${enc(id)}/messages/${seq}/reactions/${enc(emoji)}`),
    // acknowledgements of `ack_required` messages (SPEC §7)
    acknowledge: (id: string, seq: number) => api.request<MessageAck>('POST', `/conversations/${enc(id)}/messages/${seq}/ack`),
    acks: (id: string, seq: number) => api.request<MessageAcks>('GET', `/conversations/${enc(id)}/messages/${seq}/acks`),
    openDirect: (userId: string) => api.request<ConversationDto>('POST', `/direct/${enc(userId)}`),
    // search (SPEC §8): messages and cases the caller may see, with highlight offsets; `before` pages the messages
    search: (query: SearchQuery, signal?: AbortSignal) =>
      api.request<SearchResults>('GET', '/search', signal === undefined ? { query: { ...query } } : { query: { ...query }, signal }),

    // case materials (SPEC §6); uploads go through attachments/upload.ts for their progress
    attachment: (id: string) => api.request<AttachmentDto>('GET', `/attachments/${enc(id)}`),
    caseAttachments: (caseId: string, page: PageParams = {}) =>
      api.request<Page<AttachmentDto>>('GET', `/cases/${enc(caseId)}/attachments`, { query: { ...page } }),

    // video calls (SPEC §9): a 409 `call_in_progress` from startCall carries the live call (ApiError.call)
    startCall: (conversationId: string, body: StartCallRequest = {}) =>
      api.request<CallDto>('POST', `/conversations/${enc(conversationId)}/calls`, { body }),
    call: (id: string) => api.request<CallDto>('GET', `/calls/${enc(id)}`),
    joinCall: (id: string, connectionId: string) =>
      api.request<CallDto>('POST', `/calls/${enc(id)}/join`, { body: { connection_id: connectionId } satisfies JoinCallRequest }),
    leaveCall: (id: string) => api.request<CallDto>('POST', `/calls/${enc(id)}/leave`),
    declineCall: (id: string) => api.request<CallDto>('POST', `/calls/${enc(id)}/decline`),
    endCall: (id: string) => api.request<CallDto>('POST', `/calls/${enc(id)}/end`),
    iceServers: () => api.request<IceServers>('GET', '/calls/ice-servers'),

    // notifications (SPEC §7)
    notifications: (query: NotificationsQuery = {}) =>
      api.request<Page<NotificationDto>>('GET', '/notifications', { query: { ...query } }),
    markNotificationsRead: (body: MarkReadRequest) =>
      api.request<MarkReadResponse>('POST', '/notifications/read', { body }),
    // my work, duty status and per-conversation notification levels (SPEC §7)
    myWork: (signal?: AbortSignal) => api.request<MyWork>('GET', '/me/work', signal === undefined ? {} : { signal }),
    setDuty: (body: DutyRequest) => api.request<DutyRequest>('PUT', '/me/status', { body }),
    // my signed-in devices (SPEC §11): most recently used first; ending one signs it out at once (404 `session_not_found` once gone)
    mySessions: () => api.request<SessionDto[]>('GET', '/me/sessions'),
    endSession: (id: string) => api.request<void>('DELETE', `/me/sessions/${enc(id)}`),
    // my two-factor sign-in (SPEC §11): enrol (secret, then a code confirms it and answers the recovery codes), new codes, turn off
    twoFactor: () => api.request<TwoFactorStatus>('GET', '/me/2fa'),
    startTotp: () => api.request<TotpEnrollment>('POST', '/me/2fa/totp'),
    confirmTotp: (code: string) => api.request<RecoveryCodes>('POST', '/me/2fa/totp/confirm', { body: { code } satisfies TotpCodeRequest }),
    regenerateRecoveryCodes: (code: string) =>
      api.request<RecoveryCodes>('POST', '/me/2fa/recovery-codes', { body: { code } satisfies TotpCodeRequest }),
    turnOffTwoFactor: (code: string) => api.request<void>('DELETE', '/me/2fa', { body: { code } satisfies TotpCodeRequest }),
    setNotifyLevel: (conversationId: string, level: NotifyLevel) =>
      api.request<void>('PUT', `/conversations/${enc(conversationId)}/notify`, { body: { level } satisfies NotifyRequest }),

    // audit trail (SPEC §11, admin): newest first, clinical text already redacted; and its hash chain's check
    audit: (query: AuditQuery = {}) => api.request<Page<AuditEventDto>>('GET', '/audit', { query: { ...query } }),
    verifyAudit: () => api.request<AuditVerification>('GET', '/audit/verify'),
  };
}

export type Endpoints = ReturnType<typeof endpoints>;
