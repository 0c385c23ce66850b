//! The error body every failing HTTP request and websocket frame answers with.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Machine-readable error code; each HTTP status maps to exactly one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// 400: the request is malformed or fails validation.
    Invalid,
    /// 401: missing, expired or revoked credentials.
    Unauthorized,
    /// 403: the caller can see the resource but may not change it.
    Forbidden,
    /// 404: no such resource, or one the caller may not see.
    NotFound,
    /// 409: the resource's current state forbids the change.
    Conflict,
    /// 413: the request body or frame is too large.
    TooLarge,
    /// 415: the uploaded content is of a type that is not accepted.
    UnsupportedMediaType,
    /// 416: the requested byte range lies outside the file.
    RangeNotSatisfiable,
    /// 429: too many attempts; try again later.
    RateLimited,
    /// 500: the server failed; details are in its logs, never in the response.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Invalid => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::TooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RangeNotSatisfiable => 416,
            Self::RateLimited => 429,
            Self::Internal => 500,
        }
    }

    /// The snake_case wire name, for logs and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::TooLarge => "too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }
}

/// `{"error": {"code": "...", "message": "..."}}` — the spec's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ErrorDetail {
    /// Stable code a client can branch on.
    pub code: ErrorCode,
    /// Stable word for the precise cause, which a client translates into its
    /// user's language (the `message` is English only).
    pub reason: ErrorReason,
    /// Human-readable explanation (English), for logs and developers.
    pub message: String,
    /// With `call_in_progress`: the live call, so the client can join it instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    #[schema(value_type = Option<Object>)]
    pub call: Option<Box<crate::calls::CallDto>>,
}

impl ErrorBody {
    /// Builds the body for a code, reason and message.
    pub fn new(code: ErrorCode, reason: ErrorReason, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                reason,
                message: message.into(),
                call: None,
            },
        }
    }
}

/// Why a request or frame was refused, one word per distinct cause.
///
/// The wire names are a public contract (SPEC §3): clients keep a translation
/// for each, so a variant may be added but never renamed. `strum` gives the
/// list of every variant, which the web client's translation test walks.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    TS,
    utoipa::ToSchema,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[ts(export)]
pub enum ErrorReason {
    // --- the shape of the request ---
    /// The JSON body does not parse or does not match the endpoint's fields.
    MalformedBody,
    /// The body is not `application/json`.
    WrongContentType,
    /// The query string does not parse.
    MalformedQuery,
    /// A path parameter (usually an id) does not parse.
    MalformedPath,
    /// A text field contains U+0000, which no text column can store.
    NulCharacter,
    /// A text field contains another control character.
    ControlCharacter,
    /// The request body or frame is larger than allowed.
    BodyTooLarge,
    /// No endpoint answers at this path.
    NoSuchEndpoint,
    /// Binary websocket frames are not part of the protocol.
    BinaryFrame,
    // --- field validation ---
    /// A required text field is empty.
    FieldEmpty,
    /// A text field is shorter than its minimum.
    FieldTooShort,
    /// A text field is longer than its maximum.
    FieldTooLong,
    /// A message body is longer than the message limit.
    BodyTooLong,
    /// A username breaks the username rule.
    InvalidUsername,
    /// No such live session of the caller.
    SessionNotFound,
    /// The password is one of the most common ones (a bundled list, OWASP ASVS 2.1.7).
    CommonPassword,
    /// Too many specialty tags.
    TooManyTags,
    /// The TOTP or recovery code is wrong, already used, or malformed.
    InvalidMfaCode,
    /// The sign-in challenge is unknown, expired, used, or has seen too many wrong codes.
    MfaTokenInvalid,
    /// Two-factor sign-in is already on (turn it off first to enrol a new device).
    TwoFactorAlreadyEnabled,
    /// Two-factor sign-in is not on (or enrolment was not started).
    TwoFactorNotEnabled,
    /// This account must use two-factor sign-in: it can only enrol until it does
    /// (an admin under `REQUIRE_2FA_FOR_ADMINS`), and cannot turn it off.
    TwoFactorRequired,
    /// A break-glass reason is too short to explain an emergency.
    BreakGlassReasonRequired,
    /// The caller may already read this case: no emergency access is needed.
    BreakGlassNotNeeded,
    /// Only active doctors may break the glass.
    BreakGlassNotAllowed,
    /// Break-glass access reads a case; it changes nothing and sends nothing.
    BreakGlassReadOnly,
    /// `?limit=` is out of range.
    InvalidLimit,
    /// A paging cursor was not made by this server.
    MalformedCursor,
    /// Both `after_seq` and `before_seq` were given.
    ConflictingCursors,
    /// A seq is negative.
    NegativeSeq,
    /// A date lies in the future where it cannot.
    DateInFuture,
    /// Exactly one of `patient` and `patient_id` must be given.
    PatientAmbiguous,
    /// `patient_id` names a patient of another team.
    PatientNotInTeam,
    /// A status filter names no status.
    UnknownStatus,
    /// The value breaks a rule the database checks.
    ValueRejected,
    /// An id refers to nothing.
    UnknownReference,
    /// `reply_to_seq` names no message of the conversation.
    ReplyTargetMissing,
    /// A search query is empty or too long.
    InvalidQuery,
    /// A named user does not exist.
    UserMissing,
    /// A named user is deactivated.
    UserDeactivated,
    /// A direct conversation needs a user other than the caller.
    DirectWithSelf,
    /// A named team does not exist.
    TeamMissing,
    /// The case is already with the named team.
    SameTeam,
    /// The named assignee is not a member of the team.
    AssigneeNotMember,
    /// The consult names the caller as a consultant.
    ConsultSelf,
    /// A consult names 1 to 10 consultants.
    ConsultantCount,
    /// Every consultant must be an active user.
    ConsultantInactive,
    /// The lead is set through the team, not the roster.
    LeadViaTeam,
    /// The frame type is unknown or its fields are wrong.
    MalformedFrame,
    /// `POST /notifications/read` needs either `ids` (1 to 200) or `all: true`.
    MarkReadTarget,
    /// Only `ack_required` messages are acknowledged.
    AckNotRequired,
    /// A sender does not acknowledge their own message.
    AckOwnMessage,
    /// A deadline is out of range (1 minute to 30 days).
    DeadlineOutOfRange,
    /// A time that must lie in the future does not.
    DateInPast,
    /// Notifications cannot be forwarded to oneself.
    ForwardToSelf,
    /// A webhook URL must be http(s) and reach a public address.
    WebhookUrl,
    /// A webhook needs at least one event.
    WebhookEvents,
    /// The socket is already authenticated.
    AlreadyAuthenticated,
    // --- credentials ---
    /// No bearer token was sent.
    MissingToken,
    /// The access token is malformed or forged.
    TokenInvalid,
    /// The access token has expired; refresh it.
    TokenExpired,
    /// The session was ended (logout, password change, revocation).
    SessionEnded,
    /// The account is deactivated.
    AccountDeactivated,
    /// Wrong username or password.
    WrongCredentials,
    /// The current password given is wrong.
    WrongPassword,
    /// The refresh token is unknown or expired.
    RefreshTokenInvalid,
    /// A used refresh token came back: the session was revoked.
    RefreshTokenReused,
    /// The browser origin is not in `ALLOWED_ORIGINS`.
    OriginNotAllowed,
    // --- permissions ---
    /// Only an admin may do this.
    AdminOnly,
    /// Only an admin or the team's lead may do this.
    LeadOrAdminOnly,
    /// Only the team's assistants and lead triage.
    TriagersOnly,
    /// Only members of the case's team may do this.
    CaseTeamOnly,
    /// Only the sender may recall a message.
    SenderOnly,
    /// Only the requester may cancel a consult.
    RequesterOnly,
    /// Only a named consultant may answer a consult.
    ConsultantOnly,
    /// Only the referring team may cancel a referral.
    ReferringTeamOnly,
    /// Only the receiving team (or the target case's assignee) may do this.
    ReceivingTeamOnly,
    /// Only the user themself (or an admin) may change this profile.
    SelfOnly,
    /// An admin may not deactivate their own account.
    DeactivateSelf,
    /// An admin may not remove their own admin role.
    DemoteSelf,
    // --- not found ---
    /// The user does not exist or is not visible.
    UserNotFound,
    /// The team does not exist or is not visible.
    TeamNotFound,
    /// The case does not exist or is not visible.
    CaseNotFound,
    /// The consult does not exist or is not visible.
    ConsultNotFound,
    /// The referral does not exist or is not visible.
    ReferralNotFound,
    /// The conversation does not exist or is not visible.
    ConversationNotFound,
    /// No message has this seq.
    MessageNotFound,
    /// The user is not a member of the team.
    MemberNotFound,
    /// Something else is not found.
    NotFound,
    // --- conflicts with the current state ---
    /// The team is archived; its records are read-only.
    TeamArchived,
    /// The username is taken.
    UsernameTaken,
    /// The team already has a lead.
    TeamHasLead,
    /// It already exists.
    AlreadyExists,
    /// The lead's role is changed by setting a new lead.
    LeadRoleFixed,
    /// The lead is removed by setting a new lead first.
    LeadNotRemovable,
    /// The message is already recalled.
    AlreadyRecalled,
    /// The `client_msg_id` was used in another conversation.
    ClientMsgIdReused,
    /// The message could not be stored; retrying is safe.
    MessageNotStored,
    /// The case is waiting in triage.
    CaseInTriage,
    /// The case is open (already triaged).
    CaseOpen,
    /// The case is closed.
    CaseClosed,
    /// The case was declined at triage; submit it again instead.
    CaseDeclined,
    /// A referred case is declined, not transferred.
    ReferredCaseTransfer,
    /// The case already has an open referral to that team.
    ReferralAlreadyOpen,
    /// The consult is still requested (not yet accepted).
    ConsultRequested,
    /// The consult is already accepted.
    ConsultAccepted,
    /// The consult is completed.
    ConsultCompleted,
    /// The consult was declined.
    ConsultDeclined,
    /// The consult was cancelled.
    ConsultCancelled,
    /// The referral is still pending.
    ReferralPending,
    /// The referral is already accepted.
    ReferralAccepted,
    /// The referral is completed.
    ReferralCompleted,
    /// The referral was declined.
    ReferralDeclined,
    /// The referral was cancelled.
    ReferralCancelled,
    // --- case materials (attachments) ---
    /// An upload is not `multipart/form-data` with one `file` part.
    UploadMalformed,
    /// The uploaded file is empty.
    FileEmpty,
    /// The uploaded file is larger than `ATTACHMENT_MAX_BYTES`.
    FileTooLarge,
    /// The file's content is none of the accepted types.
    UnsupportedFileType,
    /// The image has more pixels than the server decodes (a decompression bomb, or a huge scan).
    ImageTooLarge,
    /// The file claims a type (by its first bytes) but is damaged or truncated.
    FileCorrupt,
    /// No such attachment, or one the caller may not see (also an expired or altered link).
    AttachmentNotFound,
    /// An `attachment_ids` entry that is not the sender's upload to this conversation.
    AttachmentUnavailable,
    /// An `attachment_ids` entry already sent with another message.
    AttachmentAlreadySent,
    /// More than 20 attachments on one message.
    TooManyAttachments,
    /// Too many uploads waiting to be sent in this conversation.
    TooManyPendingUploads,
    /// The requested byte range lies outside the file.
    RangeNotSatisfiable,
    // --- everyday messaging ---
    /// The edit window (`MESSAGE_EDIT_WINDOW_SECS`) has passed.
    EditWindowPassed,
    /// System messages (timeline entries) cannot be edited or reacted to.
    SystemMessage,
    /// The emoji is not in the reaction palette.
    EmojiNotAllowed,
    /// The message already carries 20 different emoji.
    TooManyReactions,
    /// Only the sender, the team's lead and admins see earlier versions.
    VersionsForbidden,
    /// More than 50 people mentioned in one message.
    TooManyMentions,
    /// The username is reserved (`team` and `oncall` are group mentions).
    UsernameReserved,
    // --- expert slots ---
    /// No such slot, or one of another team than the referral's receiving team.
    SlotNotFound,
    /// Every place of the slot is booked.
    SlotFull,
    /// The slot has started or is over.
    SlotPast,
    /// The slot has bookings and cannot be deleted.
    SlotBooked,
    /// The doctor already has a slot at that time.
    SlotOverlaps,
    /// Only the team's lead or assistants publish and delete slots.
    SlotManagersOnly,
    // --- structured forms and follow-up ---
    /// An ICD-10 code that is not a letter, two digits and an optional dotted suffix.
    InvalidIcd10Code,
    /// More diagnoses than a form takes (20).
    TooManyDiagnoses,
    /// A follow-up plan goes with a patient sent down, not up.
    FollowUpPlanDownOnly,
    /// A follow-up plan has 1 to 20 items.
    FollowUpCount,
    /// A follow-up's assignee must belong to the case's team or a team it was referred to or from.
    FollowUpAssigneeOutside,
    /// Only members of the case's team or of a team it was referred to or from plan follow-ups.
    FollowUpTeamsOnly,
    /// No such follow-up (or not one the caller may see).
    FollowUpNotFound,
    /// The follow-up's result is already recorded.
    FollowUpDone,
    /// Only the follow-up's assignee or the teams of its case record its result.
    FollowUpAssigneeOnly,
    // --- video calls ---
    /// No such call, or one the caller may not see.
    CallNotFound,
    /// The conversation already has a live call (`call` names it).
    CallInProgress,
    /// The call has ended.
    CallEnded,
    /// The call already has `CALL_MAX_PARTICIPANTS` participants.
    CallFull,
    /// The connection is not a live socket of the caller.
    UnknownConnection,
    /// A signal's sender or addressee is not a joined participant of the call.
    NotInCall,
    /// Only the starter, the team's lead or an admin may end a call for everyone.
    CallEndForbidden,
    // --- load ---
    /// Too many failed logins; wait and try again.
    TooManyFailedLogins,
    /// Too many sign-ins are waiting on this server at once: retry shortly.
    TooManyLogins,
    /// Sending too fast.
    SendingTooFast,
    /// The server failed; details are in its logs.
    Internal,
}

impl ErrorReason {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every reason, in declaration order.
    pub fn all() -> impl Iterator<Item = Self> {
        <Self as strum::IntoEnumIterator>::iter()
    }
}

/// Why the server closed a websocket, sent as the close frame's reason text
/// so a client can tell "sign in again" from "reconnect and sync".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[ts(export)]
pub enum WsCloseReason {
    /// No `auth` frame arrived in time.
    AuthTimeout,
    /// The first frame was not `auth`.
    AuthRequired,
    /// The token was refused.
    InvalidToken,
    /// The login was ended (logout, password change, revocation).
    SessionEnded,
    /// The account was deactivated.
    AccountDeactivated,
    /// The client read too slowly; reconnect and `sync`.
    TooSlow,
    /// A frame exceeded 64 KiB.
    FrameTooLarge,
    /// The client broke the websocket protocol.
    ProtocolError,
    /// No frame arrived for too long.
    IdleTimeout,
    /// The server is shutting down; reconnect (to another node).
    ServerShutdown,
    /// The server failed.
    InternalError,
}

impl WsCloseReason {
    /// The snake_case text sent in the close frame.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() -> Result<(), serde_json::Error> {
        for reason in ErrorReason::all() {
            assert_eq!(serde_json::to_value(reason)?, serde_json::json!(reason.as_str()));
        }
        for reason in <WsCloseReason as strum::IntoEnumIterator>::iter() {
            assert_eq!(serde_json::to_value(reason)?, serde_json::json!(reason.as_str()));
        }
        Ok(())
    }

    /// Writes the runtime list of reasons next to the generated types, so the
    /// web client's tests can check it has a translation for every one.
    #[test]
    fn export_reason_lists() -> std::io::Result<()> {
        let Some(dir) = std::env::var_os("TS_RS_EXPORT_DIR") else {
            return Ok(());
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
        let list = |names: Vec<&str>| names.iter().map(|n| format!("  '{n}',\n")).collect::<String>();
        let text = format!(
            "// Generated by consilium-shared's tests (error.rs); do not edit.\n\
             import type {{ ErrorReason }} from './ErrorReason';\n\
             import type {{ WsCloseReason }} from './WsCloseReason';\n\n\
             /** Every error reason the server can send. */\n\
             export const ERROR_REASONS: readonly ErrorReason[] = [\n{}];\n\n\
             /** Every reason the server closes a websocket with. */\n\
             export const WS_CLOSE_REASONS: readonly WsCloseReason[] = [\n{}];\n",
            list(ErrorReason::all().map(ErrorReason::as_str).collect()),
            list(
                <WsCloseReason as strum::IntoEnumIterator>::iter()
                    .map(WsCloseReason::as_str)
                    .collect()
            ),
        );
        std::fs::write(dir.join("reasons.ts"), text)
    }
}
