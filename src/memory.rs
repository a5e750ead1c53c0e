//! Giving freed heap back to the operating system when the daemon goes idle.
//!
//! A pass parses pages on several threads; glibc keeps what they freed in per-thread arenas,
//! so a daemon that checked 1000 pages an hour ago still holds the memory of the busiest
//! moment. Trimming when no check is running returns it, at the cost of a scan of the free
//! lists (well under a millisecond for this heap), once per idle moment, not per allocation.

/// Returns free heap pages to the OS (glibc); a no-op elsewhere.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists; it takes no pointers of ours
    // and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
