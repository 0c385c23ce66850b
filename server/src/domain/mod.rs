//! Parse, don't validate: input becomes one of these types at the edge, and
//! nothing unchecked reaches the database.

pub mod keyset;

/// Why a value was rejected; the message is shown to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    /// Which field.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl ValidationError {
    /// A rejection of `field` for `reason`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// A login name: 3–32 of `[a-z0-9_.-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Accepts a valid username, lower-casing nothing: the rule is lower-case only.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok_len = (3..=32).contains(&raw.len());
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'));
        if ok_len && ok_chars {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new(
                "username",
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

impl NewPassword {
    /// Accepts 8–128 characters.
    pub fn parse(raw: String, field: &'static str) -> Result<Self, ValidationError> {
        let chars = raw.chars().count();
        if chars < 8 {
            Err(ValidationError::new(field, "must be at least 8 characters"))
        } else if chars > 128 {
            Err(ValidationError::new(field, "must be at most 128 characters"))
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
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if len < min {
            Err(ValidationError::new(
                field,
                if min == 1 {
                    "must not be empty".to_owned()
                } else {
                    format!("must be at least {min} characters")
                },
            ))
        } else if len > max {
            Err(ValidationError::new(field, format!("must be at most {max} characters")))
        } else if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            Err(ValidationError::new(field, "must not contain control characters"))
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
        return Err(ValidationError::new("specialties", "at most 20 tags"));
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
    fn usernames() {
        assert!(Username::parse("dr_wang.1-a").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("Wang").is_err());
        assert!(Username::parse("王医生").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("a'; drop table users;--").is_err());
    }

    #[test]
    fn bounded_text_counts_characters_not_bytes() {
        assert!(BoundedText::parse("主任医师", "title", 1, 4).is_ok());
        assert!(BoundedText::parse("  ", "title", 1, 4).is_err());
        assert!(BoundedText::parse("a\u{0}b", "title", 1, 4).is_err());
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
    }
}
