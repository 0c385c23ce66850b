//! The FHIR R4 (4.0.1) elements the case export writes, as typed structs.
//! Field names follow the specification (camelCase on the wire); empty
//! lists and absent values are left out, as FHIR requires (no `[]`, no `null`).

use serde::Serialize;

/// `Bundle` of type `collection`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "resourceType", rename = "Bundle")]
pub struct Bundle {
    /// Logical id of this export.
    pub id: String,
    /// Always `collection`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When it was assembled.
    pub timestamp: String,
    /// The resources.
    pub entry: Vec<BundleEntry>,
}

/// One `Bundle.entry`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// `urn:uuid:…`, what references inside the bundle point at.
    pub full_url: String,
    /// The resource.
    pub resource: Resource,
}

/// The resources of an export; serialised with their `resourceType`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    /// The patient.
    Patient(Patient),
    /// A diagnosis.
    Condition(Condition),
    /// A consult or referral.
    ServiceRequest(ServiceRequest),
    /// The status of a consult or referral.
    Task(Task),
    /// An attachment.
    DocumentReference(DocumentReference),
}

/// `Identifier`.
#[derive(Debug, Clone, Serialize)]
pub struct Identifier {
    /// The namespace.
    pub system: String,
    /// The value.
    pub value: String,
}

/// `HumanName`, as written (Chinese names are not split into given and family here).
#[derive(Debug, Clone, Serialize)]
pub struct HumanName {
    /// The full name.
    pub text: String,
}

/// `Patient`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// Logical id.
    pub id: String,
    /// The hospital's record number, when known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// The name.
    pub name: Vec<HumanName>,
    /// `male | female | other | unknown`.
    pub gender: &'static str,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// `Coding`.
#[derive(Debug, Clone, Serialize)]
pub struct Coding {
    /// The code system (ICD-10).
    pub system: String,
    /// The code.
    pub code: String,
    /// Its words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `CodeableConcept`.
#[derive(Debug, Clone, Serialize)]
pub struct CodeableConcept {
    /// Codes, when any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// The words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `Reference`: to a resource of the bundle, or only a name.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    /// `urn:uuid:…` of a bundle entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A name, when there is no resource to point at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `Annotation`.
#[derive(Debug, Clone, Serialize)]
pub struct Annotation {
    /// The note.
    pub text: String,
}

/// `Condition`: one diagnosis.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Logical id.
    pub id: String,
    /// The diagnosis.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// When it was first named on a form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<String>,
}

/// `ServiceRequest`: a consult request or a referral.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRequest {
    /// Logical id (the consult's or referral's).
    pub id: String,
    /// `active | completed | revoked`.
    pub status: &'static str,
    /// Always `order`.
    pub intent: &'static str,
    /// `routine | urgent | stat`.
    pub priority: &'static str,
    /// Consult, referral up or down.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// When it was made.
    pub authored_on: String,
    /// Who asked.
    pub requester: Reference,
    /// Who is asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    /// The question or the reason.
    pub reason_code: Vec<CodeableConcept>,
    /// The form's summary, purpose, precautions, plan.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// `Task`: where a consult or referral stands.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Logical id.
    pub id: String,
    /// `requested | accepted | rejected | cancelled | completed`.
    pub status: &'static str,
    /// Always `order`.
    pub intent: &'static str,
    /// The ServiceRequest.
    pub focus: Reference,
    /// The patient.
    #[serde(rename = "for")]
    pub for_: Reference,
    /// When it was made.
    pub authored_on: String,
    /// When it last moved.
    pub last_modified: String,
    /// Why it was declined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<CodeableConcept>,
    /// The opinion or outcome.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// `Attachment`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// The MIME type detected at upload.
    pub content_type: String,
    /// Where the API serves it (with the reader's credentials).
    pub url: String,
    /// Bytes.
    pub size: u64,
    /// The file's name.
    pub title: String,
    /// When it was uploaded.
    pub creation: String,
}

/// `DocumentReference.content`.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentContent {
    /// The file.
    pub attachment: Attachment,
}

/// `DocumentReference`: one attachment.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentReference {
    /// Logical id (the attachment's).
    pub id: String,
    /// Always `current`.
    pub status: &'static str,
    /// The patient.
    pub subject: Reference,
    /// When it was uploaded.
    pub date: String,
    /// Who uploaded it.
    pub author: Vec<Reference>,
    /// The file's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The file.
    pub content: Vec<DocumentContent>,
}
