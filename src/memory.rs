//! Giving freed heap back to the operating system: when the daemon goes idle, by keeping
//! the daemon's heap in one arena, and by serving large blocks from `mmap` alone.
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

/// Keeps every thread's allocations in glibc's main arena (a no-op elsewhere); to be called
/// before any thread is started. By default glibc gives each new thread an arena of its own,
/// up to eight per core, and the daemon's parsing threads then leave free pages spread over
/// several arenas, which trimming returns only in part: idle after a pass over 1,000 watches,
/// the daemon held 10.9 to 12.8 MiB of anonymous memory by default against 6.5 to 6.8 MiB in
/// one arena (measured like `bench/run`'s daemon step). Threads keep their own small caches
/// (tcache), so one arena costs the daemon's few threads little. `check`, a short burst of
/// parsing on every core, keeps glibc's default.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a glibc tunable; it takes no pointers and may be called at any
    // time (arenas already made stay in use).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Large blocks (512 KiB and up) always come from `mmap` and go back on `free` (a no-op
/// off glibc); to be called before any thread is started. glibc's default threshold rises
/// each time such a block is freed, after which blocks of that size come from the arenas and
/// stay there: a pass that compressed evidence on several threads (about 300 KiB of deflate
/// state a page, before compressors were kept for reuse) peaked at 56 to 65 MiB for 1,000
/// first checks, against 36 MiB with the threshold fixed. Fixed at glibc's initial 128 KiB,
/// the read path's 128 KiB buffers were mapped and zeroed afresh (500 on a steady pass of
/// 1,000 pages of 70 KiB, seen with strace): that pass took 18,400 page faults and 345 ms
/// of CPU, against 4,700 to 5,700 and 169 to 205 ms at 512 KiB; first-pass peak 36.4
/// against 38.2 to 38.5 MiB (measured on `bench/run`'s pages with `MALLOC_MMAP_THRESHOLD_`).
pub fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a glibc tunable; it takes no pointers and may be called at any
    // time (it applies to allocations made after it).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 512 * 1024);
    }
}
