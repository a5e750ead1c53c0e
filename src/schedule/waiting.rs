//! Which watches of a pass are waiting on a host's politeness (its `host_delay`, or a free
//! slot under `host_concurrency`), so a progress bar can say why the pass is slow. Shared
//! state, cheap to clone; the message is a pure function of it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Watches waiting on each host, by the host's name as people read it ("example.org",
/// "127.0.0.1:8080").
#[derive(Debug, Clone, Default)]
pub struct Waiting {
    hosts: Arc<Mutex<BTreeMap<String, usize>>>,
}

/// Held while one watch waits on its host; dropping it (the wait is over, or the pass was
/// dropped mid-wait) takes the watch off the count.
#[derive(Debug)]
pub struct WaitGuard {
    waiting: Waiting,
    host: String,
}

impl Waiting {
    /// Counts one more watch waiting on `host` until the guard drops.
    pub fn start(&self, host: &str) -> WaitGuard {
        *self.lock().entry(host.to_string()).or_default() += 1;
        WaitGuard {
            waiting: self.clone(),
            host: host.to_string(),
        }
    }

    /// The hosts with watches waiting, and how many, most first (then by name).
    pub fn snapshot(&self) -> Vec<(String, usize)> {
        let mut hosts: Vec<(String, usize)> = self
            .lock()
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(h, n)| (h.clone(), *n))
            .collect();
        hosts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        hosts
    }

    /// "2 waiting on example.org (host_delay 2s)", or `None` when nothing waits.
    pub fn message(&self, delay: Duration) -> Option<String> {
        message(&self.snapshot(), delay)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, usize>> {
        // A panic elsewhere while counting leaves the counts usable: they are only shown.
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        let mut hosts = self.waiting.lock();
        if let Some(n) = hosts.get_mut(&self.host) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                hosts.remove(&self.host);
            }
        }
    }
}

/// The message for `hosts` (most waiting first): the busiest host by name, the others counted.
pub fn message(hosts: &[(String, usize)], delay: Duration) -> Option<String> {
    let (host, n) = hosts.first()?;
    let others: usize = hosts[1..].iter().map(|(_, n)| n).sum();
    let mut s = format!(
        "{n} waiting on {host} (host_delay {})",
        crate::words::describe_setting(delay)
    );
    if others > 0 {
        let hosts = hosts.len() - 1;
        s.push_str(&format!(
            ", {others} on {hosts} other host{}",
            if hosts == 1 { "" } else { "s" }
        ));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_count_and_uncount_waiting_watches() {
        let w = Waiting::default();
        assert_eq!(w.message(Duration::from_secs(2)), None);
        let a = w.start("example.org");
        let b = w.start("example.org");
        let c = w.start("other.example");
        assert_eq!(
            w.snapshot(),
            vec![("example.org".into(), 2), ("other.example".into(), 1)]
        );
        assert_eq!(
            w.message(Duration::from_secs(2)).as_deref(),
            Some("2 waiting on example.org (host_delay 2s), 1 on 1 other host")
        );
        drop(c);
        drop(a);
        assert_eq!(
            w.message(Duration::from_secs(2)).as_deref(),
            Some("1 waiting on example.org (host_delay 2s)")
        );
        drop(b);
        assert_eq!(w.message(Duration::from_secs(2)), None);
        assert!(w.snapshot().is_empty());
    }

    #[test]
    fn the_busiest_host_is_named_and_the_rest_counted() {
        let hosts = vec![
            ("b.example".to_string(), 3),
            ("a.example".to_string(), 1),
            ("c.example".to_string(), 1),
        ];
        assert_eq!(
            message(&hosts, Duration::from_millis(1500)).as_deref(),
            Some("3 waiting on b.example (host_delay 1s 500ms), 2 on 2 other hosts")
        );
    }
}
