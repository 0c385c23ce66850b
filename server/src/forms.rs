//! Structured forms (SPEC §10): the fields a referral form (转诊单) and a
//! consult request (会诊申请) carry, parsed at the edge like every other input.
//!
//! Diagnoses are free text with an optional ICD-10 code. The code is checked
//! for its form only — a letter, two digits, optionally a dot and up to four
//! more letters or digits (`I48`, `I48.0`, `E11.65`, `S72.001A`-style
//! extensions of national editions are cut at four) — never looked up: the
//! hospital's coder owns the catalogue, and a network lookup has no place on
//! a request path.

use consilium_shared::{ErrorReason as Reason, cases::Diagnosis};

use crate::domain::{BoundedText, ValidationError};

/// Most diagnoses on one form.
pub const MAX_DIAGNOSES: usize = 20;

/// The longest case summary (病历摘要): a discharge summary's length.
pub const SUMMARY_MAX: usize = 8000;

/// The longest purpose, precautions or follow-up plan.
pub const FIELD_MAX: usize = 4000;

/// Whether `code` (trimmed, upper case) has the form of an ICD-10 code.
pub fn is_icd10_form(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() < 3 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() || !b[2].is_ascii_digit() {
        return false;
    }
    match &b[3..] {
        [] => true,
        [b'.', rest @ ..] => {
            (1..=4).contains(&rest.len()) && rest.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }
        _ => false,
    }
}

/// Checks a form's diagnoses: at most [`MAX_DIAGNOSES`], each with text, and
/// codes of ICD-10's form (normalised to upper case; an empty code is none).
pub fn parse_diagnoses(raw: Option<&[Diagnosis]>) -> Result<Vec<Diagnosis>, ValidationError> {
    let raw = raw.unwrap_or_default();
    if raw.len() > MAX_DIAGNOSES {
        return Err(ValidationError::new(
            "diagnoses",
            Reason::TooManyDiagnoses,
            format!("at most {MAX_DIAGNOSES} diagnoses"),
        ));
    }
    raw.iter()
        .map(|d| {
            let text = BoundedText::parse(&d.text, "diagnoses.text", 1, 500)?.into_inner();
            let code = match d.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => {
                    let c = c.to_ascii_uppercase();
                    if !is_icd10_form(&c) {
                        return Err(ValidationError::new(
                            "diagnoses.code",
                            Reason::InvalidIcd10Code,
                            format!(
                                "{c:?} is not an ICD-10 code (a letter, two digits, optionally .and up to four more)"
                            ),
                        ));
                    }
                    Some(c)
                }
            };
            Ok(Diagnosis { code, text })
        })
        .collect()
}

/// An optional free-text field of a form: trimmed, empty when absent.
pub fn optional_text(raw: Option<&str>, field: &'static str, max: usize) -> Result<String, ValidationError> {
    match raw {
        None => Ok(String::new()),
        Some(raw) => Ok(BoundedText::parse(raw, field, 0, max)?.into_inner()),
    }
}

/// A stored diagnoses column as the wire's list (a row written by this
/// server always parses; anything else shows as none rather than failing a read).
pub fn diagnoses_of(stored: &serde_json::Value) -> Vec<Diagnosis> {
    serde_json::from_value(stored.clone()).unwrap_or_default()
}

/// The diagnoses as a column value.
pub fn diagnoses_json(d: &[Diagnosis]) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or_else(|_| serde_json::Value::Array(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd10_codes_are_checked_for_their_form() {
        for ok in ["I48", "I48.0", "E11.65", "C34.9", "J18.9", "Z00.0", "I21.A1"] {
            assert!(is_icd10_form(ok), "{ok}");
        }
        for bad in ["", "I4", "148", "I48.", "I48.12345", "I4A", "i48", "I48-0", "房颤"] {
            assert!(!is_icd10_form(bad), "{bad}");
        }
    }

    #[test]
    fn diagnoses_are_normalised_and_bounded() -> Result<(), ValidationError> {
        let parsed = parse_diagnoses(Some(&[
            Diagnosis {
                code: Some(" i48.0 ".into()),
                text: " 阵发性心房颤动 ".into(),
            },
            Diagnosis {
                code: Some(String::new()),
                text: "高血压".into(),
            },
        ]))?;
        assert_eq!(parsed[0].code.as_deref(), Some("I48.0"));
        assert_eq!(parsed[0].text, "阵发性心房颤动");
        assert_eq!(parsed[1].code, None);

        let bad = parse_diagnoses(Some(&[Diagnosis {
            code: Some("X1".into()),
            text: "x".into(),
        }]));
        assert_eq!(bad.map_err(|e| e.reason), Err(Reason::InvalidIcd10Code));
        let empty = parse_diagnoses(Some(&[Diagnosis {
            code: None,
            text: "  ".into(),
        }]));
        assert!(empty.is_err());
        let many = vec![
            Diagnosis {
                code: None,
                text: "x".into()
            };
            MAX_DIAGNOSES + 1
        ];
        assert_eq!(
            parse_diagnoses(Some(&many)).map_err(|e| e.reason),
            Err(Reason::TooManyDiagnoses)
        );
        Ok(())
    }
}
