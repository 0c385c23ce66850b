//! Cursor paging shared by every list endpoint.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The largest page a client may ask for.
pub const MAX_PAGE_LIMIT: i64 = 200;
/// The page size used when the client names none.
pub const DEFAULT_PAGE_LIMIT: i64 = 50;

/// One page of a list; pass `next_cursor` back as `?cursor=` for the next one.
#[derive(Debug, Clone, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Page<T> {
    /// The items of this page, in the list's order.
    pub items: Vec<T>,
    /// Opaque cursor for the following page; absent on the last page.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `?limit=&cursor=` of a list that has no other filters (e.g. the triage queue).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, utoipa::IntoParams)]
#[ts(export)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    #[ts(optional)]
    #[ts(type = "number")]
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    #[serde(default)]
    #[ts(optional)]
    pub cursor: Option<String>,
}
