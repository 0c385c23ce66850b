//! Hand-written SQL that Postgres prepares once per connection.
//!
//! diesel never caches a `sql_query`: it cannot know whether the text varies
//! between calls, so diesel-async prepares a fresh statement for every run
//! (a Parse/Describe round trip, then Bind/Execute, then a Close) and Postgres
//! parses and plans it again each time. The `ready` snapshot of every socket
//! runs several such queries, so a reconnect storm paid that price thousands
//! of times a second. [`CachePrepared::cache_prepared`] marks a query whose text is fixed (a
//! `const`), so it lands in the connection's statement cache, keyed by its text
//! and bind types, like any query built with the DSL.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Untyped;

/// Marks a `diesel::sql_query` (with its binds) as safe to cache: call it
/// last, `sql_query(CONST).bind(..).cache_prepared()`.
pub trait CachePrepared: Sized {
    /// Only for SQL text that never changes (a `const`): the statement cache
    /// grows by one entry per distinct text, so SQL assembled at run time
    /// must stay a plain `sql_query`.
    fn cache_prepared(self) -> Prepared<Self>;
}

// raw SQL only (`sql_query` and its binds are `Untyped`): a DSL query already
// knows whether it may be cached
impl<Q: Query<SqlType = Untyped>> CachePrepared for Q {
    fn cache_prepared(self) -> Prepared<Self> {
        Prepared(self)
    }
}

/// A raw query the connection may cache (see the module comment).
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is loaded or executed"]
pub struct Prepared<Q>(Q);

impl<Q: QueryId> QueryId for Prepared<Q> {
    // keyed by SQL text and bind types, never by Rust type: every `prepared`
    // call site has the same type but its own text
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    // The one change from `SqlQuery`, which always answers no: the text comes
    // from `prepared(&'static str)`, so caching it is bounded and safe.
    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}
