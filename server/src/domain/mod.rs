//! Parse, don't validate: input becomes one of these types at the edge, and
//! nothing unchecked reaches the database.

pub mod keyset;

use consilium_shared::ErrorReason as Reason;

/// Why a value was rejected: the reason a client translates, and an English
/// message naming the field for developers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// Which field.
    pub field: &'static str,
    /// The stable cause.
    pub reason: Reason,
    /// What is wrong with it, in English.
    pub message: String,
}

impl ValidationError {
    /// A rejection of `field` for `reason`.
    pub fn new(field: &'static str, reason: Reason, message: impl Into<String>) -> Self {
        Self {
            field,
            reason,
            message: message.into(),
        }
    }
}

/// Refuses U+0000, which Postgres cannot store in `text`. Requests are
/// already refused whole when any string in them holds it (see
/// `routes::input`); domain types check again so no other path (a CLI, a
/// seed, a future transport) can reach the database with one.
pub fn reject_nul(raw: &str, field: &'static str) -> Result<(), ValidationError> {
    if raw.contains('\0') {
        Err(ValidationError::new(
            field,
            Reason::NulCharacter,
            "must not contain U+0000",
        ))
    } else {
        Ok(())
    }
}

/// Does any string in this JSON text hold U+0000?
///
/// JSON can only carry U+0000 inside a string, and only as the escape
/// `\u0000` (a raw control byte is a syntax error), so one pass that skips
/// each escape pair finds it exactly: `\\u0000` is a backslash and the text
/// "u0000", not a NUL. Checking the raw text once refuses U+0000 in every
/// field of every body and frame, keys included, before any field is read —
/// the one rule cannot be forgotten by a new field. Invalid JSON may give
/// either answer; the parser refuses it next anyway.
pub fn json_text_has_nul(text: &[u8]) -> bool {
    let mut rest = text;
    while let Some(at) = rest.iter().position(|&b| b == b'\\') {
        let escape = &rest[at..];
        if escape.len() >= 6 && &escape[1..6] == b"u0000" {
            return true;
        }
        rest = escape.get(2..).unwrap_or_default();
    }
    false
}

/// Does a raw (still percent-encoded) query string or path decode to text
/// with U+0000? `%00` is the only way to write it there (`%2500` decodes to
/// the text "%00").
pub fn query_has_nul(raw: &str) -> bool {
    raw.contains("%00")
}

/// A login name: 3–32 of `[a-z0-9_.-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// Usernames that are group mentions (SPEC §8): `@team` reaches the team's
/// roster, `@oncall` those of it on duty. No account may take them.
pub const GROUP_MENTIONS: &[&str] = &["team", "oncall"];

impl Username {
    /// Accepts a valid username, lower-casing nothing: the rule is lower-case only.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok_len = (3..=32).contains(&raw.len());
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'));
        reject_nul(raw, "username")?;
        if GROUP_MENTIONS.contains(&raw) {
            return Err(ValidationError::new(
                "username",
                Reason::UsernameReserved,
                "is a group mention (@team, @oncall)",
            ));
        }
        if ok_len && ok_chars {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new(
                "username",
                Reason::InvalidUsername,
                "must be 3–32 characters of a-z, 0-9, '_', '.', '-'",
            ))
        }
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: long enough to resist guessing, short enough to bound hashing work.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Passwords too common to protect anything (`common-passwords.txt`, where
/// their source is named), lower-cased.
static COMMON_PASSWORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("common-passwords.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });

impl NewPassword {
    /// Accepts 8–128 characters that are not one of the most common passwords.
    pub fn parse(raw: String, field: &'static str) -> Result<Self, ValidationError> {
        reject_nul(&raw, field)?;
        let chars = raw.chars().count();
        if chars < 8 {
            Err(ValidationError::new(
                field,
                Reason::FieldTooShort,
                "must be at least 8 characters",
            ))
        } else if chars > 128 {
            Err(ValidationError::new(
                field,
                Reason::FieldTooLong,
                "must be at most 128 characters",
            ))
        } else if COMMON_PASSWORDS.contains(raw.to_lowercase().as_str()) {
            Err(ValidationError::new(
                field,
                Reason::CommonPassword,
                "is one of the most common passwords; choose another",
            ))
        } else {
            Ok(Self(raw))
        }
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Trimmed text with a bounded length, for names, titles and descriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    /// Trims `raw` and accepts it when its length (in characters) is in `min..=max`.
    pub fn parse(raw: &str, field: &'static str, min: usize, max: usize) -> Result<Self, ValidationError> {
        reject_nul(raw, field)?;
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if len < min {
            Err(if min == 1 {
                ValidationError::new(field, Reason::FieldEmpty, "must not be empty")
            } else {
                ValidationError::new(
                    field,
                    Reason::FieldTooShort,
                    format!("must be at least {min} characters"),
                )
            })
        } else if len > max {
            Err(ValidationError::new(
                field,
                Reason::FieldTooLong,
                format!("must be at most {max} characters"),
            ))
        } else if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            Err(ValidationError::new(
                field,
                Reason::ControlCharacter,
                "must not contain control characters",
            ))
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }

    /// The text.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Expertise tags: trimmed, non-empty, de-duplicated, at most 20 of at most 50 characters.
pub fn parse_specialties(raw: Vec<String>) -> Result<Vec<String>, ValidationError> {
    if raw.len() > 20 {
        return Err(ValidationError::new(
            "specialties",
            Reason::TooManyTags,
            "at most 20 tags",
        ));
    }
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let tag = BoundedText::parse(&tag, "specialties", 1, 50)?.into_inner();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_json_is_found_only_where_it_decodes_to_nul() {
        assert!(json_text_has_nul(br#"{"body":"a\u0000b"}"#));
        assert!(json_text_has_nul(br#"{"a\u0000":1}"#));
        assert!(json_text_has_nul(br#"["x", {"deep": ["\u0000"]}]"#));
        assert!(json_text_has_nul(br#"{"b":"\\\u0000"}"#), "escaped backslash, then NUL");
        assert!(
            !json_text_has_nul(br#"{"b":"\\u0000"}"#),
            "escaped backslash, then text u0000"
        );
        assert!(!json_text_has_nul(br#"{"b":"\u0001 \n \" u0000"}"#));
        assert!(!json_text_has_nul(br#"{"b":"trailing\"#));
        assert!(!json_text_has_nul("心电图 ST 段抬高".as_bytes()));
    }

    #[test]
    fn nul_in_query_strings() {
        assert!(query_has_nul("q=a%00b"));
        assert!(!query_has_nul("q=a%2500b"));
        assert!(!query_has_nul("q=%E7%97%85"));
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("dr_wang.1-a").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("team").is_err());
        assert!(Username::parse("oncall").is_err());
        assert!(Username::parse("Wang").is_err());
        assert!(Username::parse("王医生").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("a'; drop table users;--").is_err());
    }

    #[test]
    fn bounded_text_counts_characters_not_bytes() {
        assert!(BoundedText::parse("主任医师", "title", 1, 4).is_ok());
        assert!(BoundedText::parse("  ", "title", 1, 4).is_err());
        assert_eq!(
            BoundedText::parse("a\u{0}b", "title", 1, 4).map_err(|e| e.reason),
            Err(Reason::NulCharacter)
        );
        assert_eq!(
            BoundedText::parse("a\u{7}b", "title", 1, 4).map_err(|e| e.reason),
            Err(Reason::ControlCharacter)
        );
    }

    #[test]
    fn specialties_are_deduplicated() -> Result<(), ValidationError> {
        let tags = parse_specialties(vec!["心内科".into(), " 心内科 ".into(), "高血压".into()])?;
        assert_eq!(tags, vec!["心内科", "高血压"]);
        Ok(())
    }

    #[test]
    fn passwords() {
        assert!(NewPassword::parse("short".into(), "password").is_err());
        assert!(NewPassword::parse("long enough".into(), "password").is_ok());
        for common in [
            "password",
            "12345678",
            "password123",
            "Password123",
            "iloveyou1314",
            "qwertyuiop",
        ] {
            assert_eq!(
                NewPassword::parse(common.into(), "password").map_err(|e| e.reason),
                Err(Reason::CommonPassword),
                "{common}"
            );
        }
        assert_eq!(
            NewPassword::parse("long\u{0}enough".into(), "password").map_err(|e| e.reason),
            Err(Reason::NulCharacter)
        );
    }
}
