//! Clinical workflows against the real server: cases, the triage queue,
//! consults (会诊) and referrals (转诊), who may see what (spec section 1),
//! the audit trail, and the live events each step sends (section 4).
//!
//! Every test starts from the same three-team world (`support::World`).
//! Live-event scenarios run on the in-process bus and on Redis
//! (`support::on_both_buses!`); they wait for events with timeouts and pause
//! only to prove that an outsider hears nothing.

mod support;

mod access;
mod archived;
mod attachments;
mod break_glass;
mod cases;
mod consults;
mod events;
mod follow_ups;
mod membership;
mod paging;
mod referrals;
mod slots;
mod timeline;
mod triage;
