//! FHIR R4 export of a case (SPEC §10): `GET /cases/{id}/fhir` answers a
//! `Bundle` of type `collection` with the patient, a `Condition` per
//! diagnosis named on the case's consult requests and referral forms, a
//! `ServiceRequest` (with a `Task` for its status) per consult and per
//! referral, and a `DocumentReference` per attachment the caller may read.
//! A hospital's HIS or regional platform imports it; the test suite checks
//! every bundle against the official FHIR R4 JSON schema.
//!
//! The resources are typed structs ([`model`]), serialised by serde, never
//! string templates. Why not a FHIR model crate: `fhir-model` (fhir-sdk)
//! models STU3, R4B and R5 but not R4, which regional platforms in China
//! still take; the `fhir` crate is a young single-author project that
//! compiles all 146 R4 resources for the five we write. The handful of
//! elements used here are small, stable parts of R4 (4.0.1), and the schema
//! test keeps them honest.

pub mod model;

use chrono::{DateTime, Utc};
use consilium_shared::{
    CaseId, UserId,
    cases::{ConsultDto, ConsultStatus, Diagnosis, Priority, ReferralDirection, ReferralDto, ReferralStatus, Sex},
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::cases::{self, CaseAccess};
use crate::db::schema::{teams, users};
use crate::domain::keyset::{PageRequest, TimeKey};
use crate::error::ApiError;
use model::{
    Annotation, Attachment, Bundle, BundleEntry, CodeableConcept, Coding, Condition, DocumentContent,
    DocumentReference, HumanName, Identifier, Patient, Reference, Resource, ServiceRequest, Task,
};

/// ICD-10 as a FHIR code system.
const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
/// Patients' ids in the hospital's record system (`external_id`).
const MRN_SYSTEM: &str = "urn:consilium:patient-external-id";
/// The most attachments one export lists.
const MAX_DOCUMENTS: usize = 1000;

fn urn(id: impl std::fmt::Display) -> String {
    format!("urn:uuid:{id}")
}

fn entry(id: impl std::fmt::Display, resource: Resource) -> BundleEntry {
    BundleEntry {
        full_url: urn(id),
        resource,
    }
}

fn text(t: impl Into<String>) -> CodeableConcept {
    CodeableConcept {
        coding: Vec::new(),
        text: Some(t.into()),
    }
}

fn note(t: &str) -> Vec<Annotation> {
    if t.trim().is_empty() {
        Vec::new()
    } else {
        vec![Annotation { text: t.to_owned() }]
    }
}

fn display(name: String) -> Reference {
    Reference {
        reference: None,
        display: Some(name),
    }
}

/// R4's request priority: emergency is `stat`.
fn priority(p: Priority) -> &'static str {
    match p {
        Priority::Routine => "routine",
        Priority::Urgent => "urgent",
        Priority::Emergency => "stat",
    }
}

/// A consult's ServiceRequest status and Task status.
fn consult_statuses(s: ConsultStatus) -> (&'static str, &'static str) {
    match s {
        ConsultStatus::Requested => ("active", "requested"),
        ConsultStatus::Accepted => ("active", "accepted"),
        ConsultStatus::Completed => ("completed", "completed"),
        ConsultStatus::Declined => ("revoked", "rejected"),
        ConsultStatus::Cancelled => ("revoked", "cancelled"),
    }
}

/// A referral's ServiceRequest status and Task status.
fn referral_statuses(s: ReferralStatus) -> (&'static str, &'static str) {
    match s {
        ReferralStatus::Pending => ("active", "requested"),
        ReferralStatus::Accepted => ("active", "accepted"),
        ReferralStatus::Completed => ("completed", "completed"),
        ReferralStatus::Declined => ("revoked", "rejected"),
        ReferralStatus::Cancelled => ("revoked", "cancelled"),
    }
}

/// Display names of `ids`, for references without Practitioner resources.
async fn names(conn: &mut AsyncPgConnection, ids: &[UserId]) -> Result<Vec<(UserId, String)>, ApiError> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)
        .await?)
}

fn name_of(names: &[(UserId, String)], id: UserId) -> String {
    names
        .iter()
        .find(|(u, _)| *u == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

/// Collects the distinct diagnoses of the forms, each once (by code, else by text).
fn distinct_diagnoses<'a>(
    forms: impl Iterator<Item = (&'a [Diagnosis], DateTime<Utc>)>,
) -> Vec<(Diagnosis, DateTime<Utc>)> {
    let mut out: Vec<(Diagnosis, DateTime<Utc>)> = Vec::new();
    for (diagnoses, at) in forms {
        for d in diagnoses {
            let same = |o: &(Diagnosis, DateTime<Utc>)| match (&o.0.code, &d.code) {
                (Some(a), Some(b)) => a == b,
                _ => o.0.text == d.text,
            };
            if !out.iter().any(same) {
                out.push((d.clone(), at));
            }
        }
    }
    out
}

fn condition(id: uuid::Uuid, d: &Diagnosis, recorded: DateTime<Utc>, patient: &str) -> Condition {
    Condition {
        id: id.to_string(),
        code: CodeableConcept {
            coding: d
                .code
                .iter()
                .map(|c| Coding {
                    system: ICD10.into(),
                    code: c.clone(),
                    display: Some(d.text.clone()),
                })
                .collect(),
            text: Some(d.text.clone()),
        },
        subject: Reference {
            reference: Some(patient.to_owned()),
            display: None,
        },
        recorded_date: Some(recorded.to_rfc3339()),
    }
}

/// `GET /cases/{id}/fhir`: the case as a FHIR R4 Bundle, for who may read
/// the case; audited (`case.fhir_export`).
pub async fn export(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    case_id: CaseId,
    ip: Option<&str>,
) -> Result<Bundle, ApiError> {
    let loaded = cases::load_visible(conn, case_id, caller, false).await?;
    if loaded.access == CaseAccess::Submitter {
        // an intake's submitter follows its status, not its record
        return Err(ApiError::not_found(consilium_shared::ErrorReason::CaseNotFound, "case"));
    }
    let consults = crate::consults::for_case(conn, caller, case_id).await?;
    let referrals = crate::referrals::for_case(conn, caller, case_id).await?;
    let mut documents = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest::<TimeKey> { after, limit: 200 };
        let (items, more) = crate::attachments::of_case(conn, case_id, caller, page).await?;
        after = items.last().map(|a| TimeKey {
            at: a.created_at,
            id: a.id.0,
        });
        documents.extend(items);
        if !more || documents.len() >= MAX_DOCUMENTS {
            break;
        }
    }
    documents.truncate(MAX_DOCUMENTS);

    let mut people: Vec<UserId> = consults
        .iter()
        .flat_map(|c| std::iter::once(c.requested_by).chain(c.consultant_ids.iter().copied()))
        .chain(referrals.iter().map(|r| r.created_by))
        .chain(documents.iter().map(|d| d.uploader_id))
        .collect();
    people.sort();
    people.dedup();
    let people = names(conn, &people).await?;
    let mut team_ids: Vec<_> = referrals.iter().flat_map(|r| [r.from_team_id, r.to_team_id]).collect();
    team_ids.sort();
    team_ids.dedup();
    let team_names: Vec<(consilium_shared::TeamId, String)> = teams::table
        .filter(teams::id.eq_any(&team_ids))
        .select((teams::id, teams::name))
        .load(conn)
        .await?;
    let team_name = |id| {
        team_names
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };

    let p = &loaded.patient;
    let patient_ref = urn(p.id);
    let subject = || Reference {
        reference: Some(patient_ref.clone()),
        display: None,
    };
    let mut entries = vec![entry(
        p.id,
        Resource::Patient(Patient {
            id: p.id.to_string(),
            identifier: p
                .external_id
                .iter()
                .map(|v| Identifier {
                    system: MRN_SYSTEM.into(),
                    value: v.clone(),
                })
                .collect(),
            name: vec![HumanName { text: p.name.clone() }],
            gender: match p.sex {
                Sex::Male => "male",
                Sex::Female => "female",
                Sex::Other => "other",
                Sex::Unknown => "unknown",
            },
            birth_date: p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        }),
    )];

    let forms = consults
        .iter()
        .map(|c| (c.diagnoses.as_slice(), c.created_at))
        .chain(referrals.iter().map(|r| (r.diagnoses.as_slice(), r.created_at)));
    for (d, at) in distinct_diagnoses(forms) {
        let id = uuid::Uuid::new_v4();
        entries.push(entry(id, Resource::Condition(condition(id, &d, at, &patient_ref))));
    }

    for c in &consults {
        entries.extend(consult_entries(c, &people, &subject()));
    }
    for r in &referrals {
        entries.extend(referral_entries(
            r,
            &people,
            &subject(),
            &team_name(r.from_team_id),
            &team_name(r.to_team_id),
        ));
    }
    for d in &documents {
        entries.push(entry(
            d.id,
            Resource::DocumentReference(DocumentReference {
                id: d.id.to_string(),
                status: "current",
                subject: subject(),
                date: d.created_at.to_rfc3339(),
                author: vec![display(name_of(&people, d.uploader_id))],
                description: Some(d.name.clone()),
                content: vec![DocumentContent {
                    attachment: Attachment {
                        content_type: d.content_type.clone(),
                        // the API's address, not a signed link: an export outlives any signature
                        url: format!("/api/v1/attachments/{}/content", d.id),
                        size: u64::try_from(d.size).unwrap_or(0),
                        title: d.name.clone(),
                        creation: d.created_at.to_rfc3339(),
                    },
                }],
            }),
        ));
    }

    audit::record(
        conn,
        AuditEntry::new(Some(caller), "case.fhir_export", "case", case_id)
            .detail(json!({ "entries": entries.len() }))
            .ip(ip),
    )
    .await?;
    Ok(Bundle {
        id: uuid::Uuid::new_v4().to_string(),
        kind: "collection",
        timestamp: Utc::now().to_rfc3339(),
        entry: entries,
    })
}

fn consult_entries(c: &ConsultDto, people: &[(UserId, String)], subject: &Reference) -> [BundleEntry; 2] {
    let (request_status, task_status) = consult_statuses(c.status);
    let request = ServiceRequest {
        id: c.id.to_string(),
        status: request_status,
        intent: "order",
        priority: priority(c.urgency),
        code: text("会诊 (consultation)"),
        subject: subject.clone(),
        authored_on: c.created_at.to_rfc3339(),
        requester: display(name_of(people, c.requested_by)),
        performer: c.consultant_ids.iter().map(|u| display(name_of(people, *u))).collect(),
        reason_code: vec![text(c.question.clone())],
        note: note(&c.summary),
    };
    let mut notes = Vec::new();
    if let Some(o) = &c.opinion {
        notes.extend(note(&format!("{}\n\n{}", o.assessment, o.recommendation)));
    }
    let task = Task {
        id: uuid::Uuid::new_v4().to_string(),
        status: task_status,
        intent: "order",
        focus: Reference {
            reference: Some(urn(c.id)),
            display: None,
        },
        for_: subject.clone(),
        authored_on: c.created_at.to_rfc3339(),
        last_modified: c.updated_at.to_rfc3339(),
        status_reason: c.decline_reason.clone().map(text),
        note: notes,
    };
    let task_id = task.id.clone();
    [
        entry(c.id, Resource::ServiceRequest(request)),
        entry(task_id, Resource::Task(task)),
    ]
}

fn referral_entries(
    r: &ReferralDto,
    people: &[(UserId, String)],
    subject: &Reference,
    from: &str,
    to: &str,
) -> [BundleEntry; 2] {
    let (request_status, task_status) = referral_statuses(r.status);
    let kind = match r.direction {
        ReferralDirection::Up => "上转 (referral up)",
        ReferralDirection::Down => "下转 (referral down)",
    };
    let mut notes = Vec::new();
    for (label, value) in [
        ("病历摘要 Summary", r.summary.as_str()),
        ("转诊目的 Purpose", r.purpose.as_str()),
        ("注意事项 Precautions", r.precautions.as_str()),
        (
            "随访计划 Follow-up plan",
            r.follow_up_plan.as_deref().unwrap_or_default(),
        ),
    ] {
        if !value.trim().is_empty() {
            notes.extend(note(&format!("{label}: {value}")));
        }
    }
    let request = ServiceRequest {
        id: r.id.to_string(),
        status: request_status,
        intent: "order",
        priority: priority(r.priority),
        code: text(kind),
        subject: subject.clone(),
        authored_on: r.created_at.to_rfc3339(),
        requester: display(format!("{} ({from})", name_of(people, r.created_by))),
        performer: vec![display(to.to_owned())],
        reason_code: vec![text(r.reason.clone())],
        note: notes,
    };
    let task = Task {
        id: uuid::Uuid::new_v4().to_string(),
        status: task_status,
        intent: "order",
        focus: Reference {
            reference: Some(urn(r.id)),
            display: None,
        },
        for_: subject.clone(),
        authored_on: r.created_at.to_rfc3339(),
        last_modified: r.updated_at.to_rfc3339(),
        status_reason: r.decline_reason.clone().map(text),
        note: r.outcome.as_deref().map(note).unwrap_or_default(),
    };
    let task_id = task.id.clone();
    [
        entry(r.id, Resource::ServiceRequest(request)),
        entry(task_id, Resource::Task(task)),
    ]
}
