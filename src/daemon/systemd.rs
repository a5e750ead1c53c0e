//! What the daemon tells systemd (READY, RELOADING, STOPPING, WATCHDOG): a no-op outside it.

/// Sends `state` to systemd when the daemon runs under it (`NOTIFY_SOCKET` set).
pub(super) fn notify(state: &[sd_notify::NotifyState]) {
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(e) = sd_notify::notify(state)
    {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}
