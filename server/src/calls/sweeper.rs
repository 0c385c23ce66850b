//! Every node sweeps the calls: sockets that died without closing (their
//! node crashed, or the process restarted) leave their calls once their
//! presence lapses, and calls nobody joined end. Kept apart from the
//! domain module because it announces what it changed through
//! [`crate::events`], which itself knows the domain's types.

use std::time::Duration;

use consilium_shared::ConnectionId;

use super::{connections_gone, end_unjoined, live_participants};
use crate::error::ApiError;

/// Starts this node's sweep: sockets that died without closing (their node crashed, or
/// the process restarted) leave their calls once their presence lapses,
/// and calls nobody joined end. Presence is shared through Redis, so each
/// node sees every socket; the row locks make each change happen once.
pub fn start(state: crate::state::AppState) {
    let period = (state.config.ws.presence_ttl / 3).clamp(Duration::from_millis(200), Duration::from_secs(10));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = %e, "call sweep failed");
            }
        }
    });
}

async fn sweep(state: &crate::state::AppState) -> Result<(), ApiError> {
    let max = state.config.calls.max_participants;
    let mut conn = state.db.get().await?;
    let live = live_participants(&mut conn).await?;
    let mut changes = Vec::new();
    if !live.is_empty() {
        let sockets: Vec<(consilium_shared::UserId, uuid::Uuid)> = live.iter().map(|(u, c)| (*u, c.0)).collect();
        let alive = state
            .realtime
            .presence()
            .sockets_alive(&sockets)
            .await
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("presence: {e}")))?;
        let gone: Vec<ConnectionId> = live
            .iter()
            .zip(alive)
            .filter(|(_, alive)| !alive)
            .map(|((_, c), _)| *c)
            .collect();
        changes.extend(connections_gone(&mut conn, &gone, max).await?);
    }
    changes.extend(end_unjoined(&mut conn, max).await?);
    drop(conn);
    for change in changes {
        crate::events::call_changed(state, change).await;
    }
    Ok(())
}
