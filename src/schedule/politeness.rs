//! Per-host politeness: at most `host_concurrency` requests in flight to one host, and at
//! least `host_delay` between the starts of two requests to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
struct Host {
    slots: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Option<Instant>>,
}

/// Gates requests by host. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HostGate {
    hosts: Arc<Mutex<HashMap<String, Arc<Host>>>>,
    concurrency: usize,
    delay: Duration,
}

/// Held while a request to a host is in flight.
#[derive(Debug)]
pub struct HostPermit {
    _slot: OwnedSemaphorePermit,
}

impl HostGate {
    pub fn new(concurrency: usize, delay: Duration) -> Self {
        HostGate {
            hosts: Arc::default(),
            concurrency: concurrency.max(1),
            delay,
        }
    }

    /// Waits for a slot for `host` and for its minimum gap to pass.
    pub async fn enter(&self, host: &str) -> HostPermit {
        let h = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(host.to_string())
                .or_insert_with(|| {
                    Arc::new(Host {
                        slots: Arc::new(Semaphore::new(self.concurrency)),
                        next_start: tokio::sync::Mutex::new(None),
                    })
                })
                .clone()
        };
        let slot = h
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        let mut next = h.next_start.lock().await;
        // A timer rounds up to the next millisecond tick: waiting on a deadline already past
        // would space every request to a host by ~1 ms even with `host_delay = "0s"`.
        if let Some(t) = *next
            && t > Instant::now()
        {
            tokio::time::sleep_until(t).await;
        }
        *next = Some(Instant::now() + self.delay);
        HostPermit { _slot: slot }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn second_request_to_a_host_waits_for_the_delay() {
        let gate = HostGate::new(1, Duration::from_secs(5));
        let t0 = Instant::now();
        drop(gate.enter("a.example").await);
        drop(gate.enter("b.example").await);
        assert_eq!(
            Instant::now() - t0,
            Duration::ZERO,
            "other hosts are not delayed"
        );
        drop(gate.enter("a.example").await);
        assert_eq!(Instant::now() - t0, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_in_flight_per_host() {
        let gate = HostGate::new(1, Duration::ZERO);
        let held = gate.enter("a.example").await;
        let g2 = gate.clone();
        let waiter = tokio::spawn(async move { g2.enter("a.example").await });
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(
            !waiter.is_finished(),
            "second request must wait for the first"
        );
        drop(held);
        let _ = waiter.await.expect("join");
    }
}
