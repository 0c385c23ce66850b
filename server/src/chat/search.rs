//! Search (SPEC §8): messages and cases the caller may see, Chinese and
//! English, newest first, with a snippet and the matches' offsets.
//!
//! Every whitespace-separated word of the query must occur in the text as a
//! case-insensitive substring (so "肌钙蛋白" finds "肌钙蛋白 0.8" and "ST段"
//! finds "心电图ST段抬高" without a word segmenter guessing where Chinese words
//! end). The `search_grams` GIN index (see the migration) narrows the rows
//! to those holding every character pair and Latin trigram of the query;
//! `ILIKE ALL` then checks the words exactly, so the index never decides a
//! result on its own.

use consilium_shared::{
    CaseId, ConversationId, ErrorReason as Reason, MessageId, TeamId, UserId,
    cases::CaseStatus,
    chat::{CaseHit, MessageDto, MessageHit, SearchKind, SearchQuery, SearchResults},
};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{Message, require_member};
use crate::db::escape_like;
use crate::domain::reject_nul;
use crate::error::ApiError;

/// Longest query, in characters.
const MAX_QUERY_CHARS: usize = 200;
/// Most words a query may have (each is one more `ILIKE`).
const MAX_TERMS: usize = 10;
/// Characters of context shown before the first match.
const SNIPPET_BEFORE: usize = 30;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 120;

/// A validated query: its words, lower-cased, without duplicates.
#[derive(Debug)]
struct Terms {
    raw: String,
    words: Vec<String>,
}

impl Terms {
    fn parse(q: &str) -> Result<Self, ApiError> {
        reject_nul(q, "q")?;
        let raw = q.trim();
        if raw.is_empty() {
            return Err(ApiError::Invalid(Reason::InvalidQuery, "q: must not be empty".into()));
        }
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::Invalid(
                Reason::InvalidQuery,
                format!("q: must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let mut words: Vec<String> = Vec::new();
        for w in raw.split_whitespace().map(str::to_lowercase) {
            if !words.contains(&w) {
                words.push(w);
            }
        }
        if words.len() > MAX_TERMS {
            return Err(ApiError::Invalid(
                Reason::InvalidQuery,
                format!("q: at most {MAX_TERMS} words"),
            ));
        }
        Ok(Self {
            raw: raw.to_owned(),
            words,
        })
    }

    /// `ILIKE` patterns, one per word.
    fn patterns(&self) -> Vec<String> {
        self.words.iter().map(|w| format!("%{}%", escape_like(w))).collect()
    }

    /// Whether the query yields any search gram (a CJK character, or a
    /// Latin/digit run of three or more), mirroring the SQL `search_grams`.
    /// Without one the index cannot help and is left out of the plan.
    fn has_grams(&self) -> bool {
        let mut run = 0;
        for c in self.raw.chars().flat_map(char::to_lowercase) {
            if is_cjk(c) {
                return true;
            }
            if c.is_ascii_lowercase() || c.is_ascii_digit() || ('\u{c0}'..='\u{24f}').contains(&c) {
                run += 1;
                if run >= 3 {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        false
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// `GET /search`.
pub async fn search(
    conn: &mut AsyncPgConnection,
    user: UserId,
    query: &SearchQuery,
    limit: i64,
) -> Result<SearchResults, ApiError> {
    let terms = Terms::parse(&query.q)?;
    if let Some(conversation) = query.conversation_id {
        require_member(conn, conversation, user).await?;
    }
    let want_messages = query.kind != Some(SearchKind::Cases);
    // cases are few: they come on the first page of an unscoped search only
    let want_cases =
        query.kind != Some(SearchKind::Messages) && query.before.is_none() && query.conversation_id.is_none();
    let (messages, next_before) = if want_messages {
        find_messages(conn, user, &terms, query, limit).await?
    } else {
        (Vec::new(), None)
    };
    let cases = if want_cases {
        find_cases(conn, user, &terms, limit).await?
    } else {
        Vec::new()
    };
    Ok(SearchResults {
        messages,
        cases,
        next_before,
    })
}

async fn find_messages(
    conn: &mut AsyncPgConnection,
    user: UserId,
    terms: &Terms,
    query: &SearchQuery,
    limit: i64,
) -> Result<(Vec<MessageHit>, Option<MessageId>), ApiError> {
    let cursor = match query.before {
        Some(id) => Some(cursor_of(conn, user, id).await?),
        None => None,
    };
    // The caller's conversations as a list: Postgres hashes a constant
    // array, so checking each candidate costs the same for a doctor in one
    // team as for one in fifty (a semi-join on the membership was
    // planned as a nested loop over every candidate).
    let conversations: Vec<ConversationId> = match query.conversation_id {
        Some(c) => vec![c],
        None => super::conversation_ids_of(conn, user).await?,
    };
    let (before_at, before_id) = cursor.unzip();
    let mut rows: Vec<Message> = Vec::new();
    if terms.has_grams() {
        // Newest first without reading every match: look in the latest
        // weeks, then further back, then everywhere; a window that yields a
        // full page holds the newest matches (see the migration).
        let until = before_at.unwrap_or_else(chrono::Utc::now);
        for weeks in SEARCH_WINDOWS_WEEKS.iter().copied().map(Some).chain([None]) {
            let window = weeks.map(|n| week_keys(until, n));
            rows = message_query(conn, &conversations, terms, window, (before_at, before_id), limit).await?;
            if rows.len() as i64 > limit {
                break;
            }
        }
    } else {
        rows = message_query(conn, &conversations, terms, None, (before_at, before_id), limit).await?;
    }
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_before = if more { rows.last().map(|m| m.id) } else { None };
    let mut found: Vec<MessageDto> = rows.into_iter().map(Into::into).collect();
    super::decorate(conn, &mut found).await?;
    let titles = titles_of(conn, user, found.iter().map(|m| m.conversation_id).collect()).await?;
    let hits = found
        .into_iter()
        .map(|message| {
            let (snippet, highlights) = snippet(&message.body, &terms.words);
            MessageHit {
                conversation_title: titles.get(&message.conversation_id).cloned().unwrap_or_default(),
                message,
                snippet,
                highlights,
            }
        })
        .collect();
    Ok((hits, next_before))
}

/// The search windows, in weeks back from now (or the cursor), tried in
/// turn before the whole history; each is one GIN scan.
const SEARCH_WINDOWS_WEEKS: [i64; 2] = [2, 9];

/// The `search_week` keys of the `weeks` weeks up to `until` (SQL
/// `search_week`: `w:` and whole weeks since 1970).
fn week_keys(until: chrono::DateTime<chrono::Utc>, weeks: i64) -> Vec<String> {
    let current = until.timestamp().div_euclid(604_800);
    (0..weeks).map(|back| format!("w:{}", current - back)).collect()
}

/// One page of matching messages in `conversations`, newest first; within
/// the weeks of `window` only, when given.
async fn message_query(
    conn: &mut AsyncPgConnection,
    conversations: &[ConversationId],
    terms: &Terms,
    window: Option<Vec<String>>,
    (before_at, before_id): (Option<chrono::DateTime<chrono::Utc>>, Option<MessageId>),
    limit: i64,
) -> Result<Vec<Message>, ApiError> {
    let keys = "message_search_keys(m.body, m.created_at)";
    let grams = if terms.has_grams() {
        format!("and {keys} @> search_grams($2) ")
    } else {
        "and $2::text is not null ".to_owned()
    };
    let window_filter = if window.is_some() {
        format!("and {keys} && $7 ")
    } else {
        "and $7::text[] is null ".to_owned()
    };
    let sql = format!(
        "select m.* from messages m \
         where m.conversation_id = any($1) \
           and m.recalled_at is null {grams}{window_filter}\
           and m.body ilike all($3) \
           and ($4::timestamptz is null or (m.created_at, m.id) < ($4, $5)) \
         order by m.created_at desc, m.id desc \
         limit $6"
    );
    Ok(diesel::sql_query(sql)
        .bind::<Array<SqlUuid>, _>(conversations)
        .bind::<Text, _>(&terms.raw)
        .bind::<Array<Text>, _>(terms.patterns())
        .bind::<Nullable<Timestamptz>, _>(before_at)
        .bind::<Nullable<SqlUuid>, _>(before_id)
        .bind::<BigInt, _>(limit + 1)
        .bind::<Nullable<Array<Text>>, _>(window)
        .load(conn)
        .await?)
}

/// Where the page before message `id` starts; 400 unless the caller can see it.
async fn cursor_of(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: MessageId,
) -> Result<(chrono::DateTime<chrono::Utc>, MessageId), ApiError> {
    use crate::db::schema::{conversation_members, messages};
    let found: Option<(chrono::DateTime<chrono::Utc>, ConversationId)> = messages::table
        .find(id)
        .select((messages::created_at, messages::conversation_id))
        .first(conn)
        .await
        .optional()?;
    let bad = || ApiError::Invalid(Reason::MalformedCursor, "before: not a message you can see".into());
    let (at, conversation) = found.ok_or_else(bad)?;
    let visible: bool = diesel::select(diesel::dsl::exists(
        conversation_members::table
            .filter(conversation_members::conversation_id.eq(conversation))
            .filter(conversation_members::user_id.eq(user)),
    ))
    .get_result(conn)
    .await?;
    if visible { Ok((at, id)) } else { Err(bad()) }
}

/// Titles of conversations as `user` sees them (a direct one is named after the other person).
async fn titles_of(
    conn: &mut AsyncPgConnection,
    user: UserId,
    mut ids: Vec<ConversationId>,
) -> Result<std::collections::HashMap<ConversationId, String>, ApiError> {
    #[derive(QueryableByName)]
    struct Title {
        #[diesel(sql_type = SqlUuid)]
        id: ConversationId,
        #[diesel(sql_type = Text)]
        title: String,
    }
    ids.sort_unstable_by_key(|c| c.0);
    ids.dedup();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<Title> = diesel::sql_query(
        "select c.id, case when c.kind = 'direct' then coalesce((\
           select u.display_name from conversation_participants p join users u on u.id = p.user_id \
           where p.conversation_id = c.id and p.user_id <> $1 limit 1), '') else c.title end as title \
         from conversations c where c.id = any($2)",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|t| (t.id, t.title)).collect())
}

#[derive(QueryableByName)]
struct CaseRow {
    #[diesel(sql_type = SqlUuid)]
    id: CaseId,
    #[diesel(sql_type = SqlUuid)]
    team_id: TeamId,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = Text)]
    status: CaseStatus,
    #[diesel(sql_type = SqlUuid)]
    conversation_id: ConversationId,
}

async fn find_cases(
    conn: &mut AsyncPgConnection,
    user: UserId,
    terms: &Terms,
    limit: i64,
) -> Result<Vec<CaseHit>, ApiError> {
    let grams = if terms.has_grams() {
        "and search_grams(cs.title || ' ' || cs.summary) @> search_grams($2) "
    } else {
        "and $2::text is not null "
    };
    let sql = format!(
        "select cs.id, cs.team_id, cs.title, cs.summary, cs.status, cs.conversation_id from cases cs \
         where cs.conversation_id in (select cm.conversation_id from conversation_members cm where cm.user_id = $1) \
           {grams}and (cs.title || ' ' || cs.summary) ilike all($3) \
         order by cs.created_at desc, cs.id desc limit $4"
    );
    let rows: Vec<CaseRow> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(user)
        .bind::<Text, _>(&terms.raw)
        .bind::<Array<Text>, _>(terms.patterns())
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            // the title when it matches, else where the summary does (else the title)
            let mut shown = snippet(&c.title, &terms.words);
            if shown.1.is_empty() {
                let in_summary = snippet(&c.summary, &terms.words);
                if !in_summary.1.is_empty() {
                    shown = in_summary;
                }
            }
            let (snippet, highlights) = shown;
            CaseHit {
                id: c.id,
                team_id: c.team_id,
                title: c.title,
                status: c.status,
                conversation_id: c.conversation_id,
                snippet,
                highlights,
            }
        })
        .collect())
}

/// Where each word occurs in `chars`, as `[start, end)` char ranges, merged
/// and sorted. Comparison is by lower-cased characters, as `ILIKE` does.
fn matches(chars: &[char], words: &[String]) -> Vec<(usize, usize)> {
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for word in words {
        let w: Vec<char> = word.chars().collect();
        if w.is_empty() || w.len() > lower.len() {
            continue;
        }
        let mut i = 0;
        while i + w.len() <= lower.len() {
            if lower[i..i + w.len()] == w[..] {
                ranges.push((i, i + w.len()));
                i += w.len();
            } else {
                i += 1;
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// A window of `text` around its first match, with the matches inside it as
/// UTF-16 offsets (what JavaScript string indices count), so a client marks
/// them without our sending HTML. Newlines become spaces.
fn snippet(text: &str, words: &[String]) -> (String, Vec<[u32; 2]>) {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let found = matches(&chars, words);
    let first = <[_]>::first(&found).map_or(0, |m| m.0);
    let start = first.saturating_sub(SNIPPET_BEFORE);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let mut snippet = String::new();
    let mut utf16: Vec<u32> = Vec::with_capacity(end - start + 1);
    let mut offset: u32 = 0;
    if start > 0 {
        snippet.push('…');
        offset = 1;
    }
    for c in &chars[start..end] {
        utf16.push(offset);
        offset += u32::try_from(c.len_utf16()).unwrap_or(2);
        snippet.push(*c);
    }
    utf16.push(offset);
    if end < chars.len() {
        snippet.push('…');
    }
    let highlights = found
        .into_iter()
        .filter(|(s, e)| *s >= start && *e <= end)
        .map(|(s, e)| [utf16[s - start], utf16[e - start]])
        .collect();
    (snippet, highlights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        Terms::parse(q).map(|t| t.words).unwrap_or_default()
    }

    #[test]
    fn week_keys_count_whole_weeks_since_1970_like_sql_search_week() {
        // select search_week('1970-01-15T00:00:00Z') = 'w:2'
        let t = chrono::DateTime::from_timestamp(14 * 86_400, 0).unwrap_or_default();
        assert_eq!(week_keys(t, 3), vec!["w:2", "w:1", "w:0"]);
        let t = chrono::DateTime::from_timestamp(14 * 86_400 - 1, 0).unwrap_or_default();
        assert_eq!(week_keys(t, 1), vec!["w:1"]);
    }

    #[test]
    fn chinese_and_english_matches_are_marked_in_utf16() {
        let (s, h) = snippet("患者胸痛3天，心电图ST段抬高，肌钙蛋白 0.8 ng/ml", &words("肌钙蛋白 st"));
        assert_eq!(s, "患者胸痛3天，心电图ST段抬高，肌钙蛋白 0.8 ng/ml");
        assert_eq!(h, vec![[10, 12], [16, 20]]);
        // an emoji before the match takes two UTF-16 units
        let (s, h) = snippet("👍 troponin high", &words("TROPONIN"));
        assert_eq!(&s, "👍 troponin high");
        assert_eq!(h, vec![[3, 11]]);
        let js: Vec<u16> = s.encode_utf16().collect();
        assert_eq!(String::from_utf16_lossy(&js[3..11]), "troponin");
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!("{}肌钙蛋白升高{}", "前".repeat(200), "后".repeat(200));
        let (s, h) = snippet(&text, &words("肌钙蛋白"));
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 2);
        let [a, b] = h[0];
        let js: Vec<u16> = s.encode_utf16().collect();
        assert_eq!(String::from_utf16_lossy(&js[a as usize..b as usize]), "肌钙蛋白");
    }

    #[test]
    fn queries_are_checked() {
        assert!(Terms::parse("   ").is_err());
        assert!(Terms::parse("a\0b").is_err());
        assert!(Terms::parse(&"字".repeat(201)).is_err());
        let eleven: Vec<String> = (0..11).map(|i| format!("w{i}")).collect();
        assert!(Terms::parse(&eleven.join(" ")).is_err());
        assert!(Terms::parse(&"a ".repeat(11)).is_ok(), "a repeated word counts once");
        assert_eq!(words("ST  st 段"), vec!["st", "段"]);
        assert!(Terms::parse("王").is_ok_and(|t| t.has_grams()));
        assert!(Terms::parse("st").is_ok_and(|t| !t.has_grams()));
        assert!(Terms::parse("ecg").is_ok_and(|t| t.has_grams()));
        assert!(Terms::parse("% _ \\").is_ok_and(|t| t.patterns() == ["%\\%%", "%\\_%", "%\\\\%"]));
    }
}
