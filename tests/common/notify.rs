//! A stand-in for systemd's notification socket: collects what the daemon sends.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UnixDatagram;

pub struct NotifySocket {
    pub path: PathBuf,
    messages: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl NotifySocket {
    pub fn bind() -> NotifySocket {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notify.sock");
        let sock = UnixDatagram::bind(&path).expect("bind notify socket");
        let messages: Arc<Mutex<Vec<String>>> = Arc::default();
        let m = messages.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            while let Ok(n) = sock.recv(&mut buf).await {
                m.lock()
                    .expect("lock")
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        });
        NotifySocket {
            path,
            messages,
            _dir: dir,
        }
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().expect("lock").clone()
    }

    /// Waits (up to `limit`) until some message contains `needle` after the first `skip`
    /// messages; returns the index of that message.
    pub async fn wait_for(&self, needle: &str, skip: usize, limit: Duration) -> usize {
        let found = super::wait_until(limit, || {
            self.messages()
                .iter()
                .skip(skip)
                .any(|m| m.lines().any(|l| l == needle))
        })
        .await;
        assert!(
            found,
            "no {needle:?} from the daemon; got {:?}",
            self.messages()
        );
        self.messages()
            .iter()
            .enumerate()
            .skip(skip)
            .find(|(_, m)| m.lines().any(|l| l == needle))
            .map(|(i, _)| i)
            .expect("just found")
    }
}
