//! Prometheus metrics of the realtime path, served with the HTTP ones at `/metrics`.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge, Registry};

/// Counters and gauges; cheap to clone (they share their values).
#[derive(Clone)]
pub struct Metrics {
    /// Open websocket sockets on this node.
    pub sockets: IntGauge,
    /// Events queued to local sockets.
    pub deliveries: IntCounter,
    /// Sockets closed for not keeping up.
    pub slow_consumers: IntCounter,
    /// Messages committed through this node.
    pub messages: IntCounter,
    /// Failed publishes to Redis (the events are recovered by `sync`).
    pub bus_publish_errors: IntCounter,
    /// 1 while the Redis subscriber is connected and subscribed.
    pub bus_connected: IntGauge,
    /// Seconds from a `send` frame's arrival to its `ack`: the share of
    /// chat's latency spent in this node (queue, batch, commit, publish),
    /// so a slow ack can be told from a slow network or client.
    pub send_seconds: Histogram,
}

impl Metrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let m = Self {
            sockets: IntGauge::new("consilium_ws_sockets", "open websocket connections on this node")?,
            deliveries: IntCounter::new("consilium_ws_deliveries_total", "events queued to local sockets")?,
            slow_consumers: IntCounter::new("consilium_ws_slow_consumers_total", "sockets closed for being too slow")?,
            messages: IntCounter::new("consilium_messages_total", "messages committed through this node")?,
            bus_publish_errors: IntCounter::new("consilium_bus_publish_errors_total", "failed Redis publishes")?,
            bus_connected: IntGauge::new("consilium_bus_connected", "1 while the Redis subscriber is healthy")?,
            send_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "consilium_ws_send_seconds",
                    "seconds from a send frame's arrival to its ack, in this node",
                )
                .buckets(vec![0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0]),
            )?,
        };
        registry.register(Box::new(m.sockets.clone()))?;
        registry.register(Box::new(m.deliveries.clone()))?;
        registry.register(Box::new(m.slow_consumers.clone()))?;
        registry.register(Box::new(m.messages.clone()))?;
        registry.register(Box::new(m.bus_publish_errors.clone()))?;
        registry.register(Box::new(m.bus_connected.clone()))?;
        registry.register(Box::new(m.send_seconds.clone()))?;
        Ok(m)
    }
}
