//! Notifications (SPEC §7): stored per user, listed and marked read here;
//! created only by [`crate::events`] from what a transaction committed, so
//! no client can make one and no workflow forgets one.

use chrono::Utc;
use consilium_shared::{
    ErrorReason as Reason, NotificationId, UserId,
    notifications::{MarkReadRequest, NotificationDto, NotificationKind, NotificationLink},
    users::DutyStatus,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::models::Notification;
use crate::db::schema::{notifications, users};
use crate::domain::keyset::{PageRequest, TimeKey};
use crate::error::ApiError;

/// Longest title or body kept: they are excerpts, the record is elsewhere.
const MAX_EXCERPT_CHARS: usize = 200;
/// Most ids one `POST /notifications/read` may name.
pub const MAX_MARK_IDS: usize = 200;

/// A notification to create.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// Whom it is for.
    pub user: UserId,
    /// What happened.
    pub kind: NotificationKind,
    /// The subject, as users wrote it.
    pub title: String,
    /// Who acted or a short detail.
    pub body: String,
    /// Where it leads.
    pub link: NotificationLink,
}

/// Shortens user text to an excerpt on a character boundary.
pub fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Stores `items` in one statement and returns them as stored.
pub async fn create(conn: &mut AsyncPgConnection, items: Vec<NewNotification>) -> Result<Vec<Notification>, ApiError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let items = with_forwarding(conn, items).await?;
    let now = Utc::now();
    let rows: Vec<Notification> = items
        .into_iter()
        .map(|n| Notification {
            id: NotificationId::new(),
            user_id: n.user,
            kind: n.kind,
            title: excerpt(&n.title),
            body: excerpt(&n.body),
            link: n.link,
            created_at: now,
            read_at: None,
        })
        .collect();
    Ok(diesel::insert_into(notifications::table)
        .values(&rows)
        .returning(Notification::as_returning())
        .get_results(conn)
        .await?)
}

/// Adds, for each recipient off duty or not to be disturbed who named a
/// colleague to forward to, the same notification for that colleague
/// (once, and not when the colleague already gets it).
async fn with_forwarding(
    conn: &mut AsyncPgConnection,
    mut items: Vec<NewNotification>,
) -> Result<Vec<NewNotification>, ApiError> {
    let recipients: Vec<UserId> = items.iter().map(|n| n.user).collect();
    let forwarding: Vec<(UserId, UserId)> = users::table
        .filter(users::id.eq_any(&recipients))
        .filter(users::duty_status.ne(DutyStatus::OnDuty))
        .filter(users::duty_until.is_null().or(users::duty_until.gt(Utc::now())))
        .filter(users::forward_to.is_not_null())
        .select((users::id, users::forward_to.assume_not_null()))
        .load(conn)
        .await?;
    if forwarding.is_empty() {
        return Ok(items);
    }
    let mut extra = Vec::new();
    for item in &items {
        if let Some((_, colleague)) = forwarding.iter().find(|(u, _)| *u == item.user) {
            let already = items
                .iter()
                .chain(extra.iter())
                .any(|n: &NewNotification| n.user == *colleague && n.kind == item.kind && n.link == item.link);
            if !already {
                extra.push(NewNotification {
                    user: *colleague,
                    ..item.clone()
                });
            }
        }
    }
    items.extend(extra);
    Ok(items)
}

/// How many of `user`'s notifications are unread.
///
/// The future does not hold `conn` (it pipelines with other queries).
pub fn unread_count(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> impl Future<Output = Result<i64, ApiError>> + Send + use<> {
    let count = notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result::<i64>(conn);
    async move { Ok(count.await?) }
}

/// A page of `user`'s notifications, newest first, and whether more follow.
pub async fn list(
    conn: &mut AsyncPgConnection,
    user: UserId,
    unread_only: bool,
    page: PageRequest<TimeKey>,
) -> Result<(Vec<NotificationDto>, bool), ApiError> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user))
        .select(Notification::as_select())
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(page.fetch())
        .into_boxed();
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if let Some(after) = page.after {
        let id = NotificationId(after.id);
        query = query.filter(
            notifications::created_at
                .lt(after.at)
                .or(notifications::created_at.eq(after.at).and(notifications::id.lt(id))),
        );
    }
    let (rows, more) = page.split(query.load::<Notification>(conn).await?);
    Ok((rows.into_iter().map(NotificationDto::from).collect(), more))
}

/// Marks the named notifications of `user` (or all of them) read; returns
/// how many changed and the unread count after. Ids of other users'
/// notifications are ignored, so they cannot be probed.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    user: UserId,
    req: MarkReadRequest,
) -> Result<(i64, i64), ApiError> {
    let all = req.all.unwrap_or(false);
    let ids = req.ids.unwrap_or_default();
    if all != ids.is_empty() {
        return Err(ApiError::Invalid(
            Reason::MarkReadTarget,
            "give either ids (1 to 200) or all: true".into(),
        ));
    }
    if ids.len() > MAX_MARK_IDS {
        return Err(ApiError::Invalid(
            Reason::MarkReadTarget,
            format!("ids: at most {MAX_MARK_IDS}"),
        ));
    }
    let unread_of_user = notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::read_at.is_null());
    let marked = if all {
        diesel::update(unread_of_user)
            .set(notifications::read_at.eq(Utc::now()))
            .execute(conn)
            .await?
    } else {
        diesel::update(unread_of_user.filter(notifications::id.eq_any(&ids)))
            .set(notifications::read_at.eq(Utc::now()))
            .execute(conn)
            .await?
    };
    let unread = unread_count(conn, user).await?;
    Ok((i64::try_from(marked).unwrap_or(i64::MAX), unread))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_characters() {
        assert_eq!(excerpt("  胸痛3天  "), "胸痛3天");
        let long = "心".repeat(250);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), MAX_EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
