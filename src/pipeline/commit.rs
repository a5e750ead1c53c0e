//! Group commit: the durable writes of every check judged while another group was being
//! committed are made together, with one barrier (`syncfs`) per stage instead of an fsync
//! per file and per folder.
//!
//! The stages keep, across a whole group, the order one check's writes always had:
//! 1. event log lines, outbox entries, evidence bodies and records;
//! 2. evidence HEADs (a record joins the chain only once it is durable);
//! 3. judgement states, which close the generation: a check killed before its state is
//!    durable is judged again from the same generation and finds what stages 1 and 2 wrote.
//!
//! Each stage is written without fsync, then one barrier makes it durable before the next
//! starts. The files stages 2 and 3 replace (HEAD, state.json, statements.txt, check.json)
//! are written in stage 1, each into its spare beside it ([`atomic::stage`]), so the first
//! barrier makes them durable too; stages 2 and 3 only swap names, which frees and
//! allocates no inode (on ext4 without a journal, replacing by temporary file and rename
//! made each new file of a pass scan past every inode the pass had freed).
//!
//! Nothing of a group is acknowledged before stage 3 is durable: its reports (the
//! "alert queued" lines) are handed back only then, and delivery lists the outbox only
//! through [`Outbox::commit_gate`](crate::notify::outbox::Outbox::commit_gate), which the
//! group holds from its first write to its last barrier. A check that changed nothing but
//! its time writes no file of its own (see `store::seen`) and joins no group.
//!
//! A daemon's check carries its next check time ([`NextCheck`]) into the commit, so its
//! `check.json` is written once, with it, and its health is judged from the state in memory.
//!
//! Grouping needs no timer: a check that finds a group committing queues its writes and
//! waits; the next leader takes everything queued, so the slower the disk, the larger the
//! groups.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::{CheckReport, Checker, Judged, blocking};
use crate::clock::wall_after;
use crate::config::Watch;
use crate::notify::alert;
use crate::store::StoreError;
use crate::store::archive::{self, Snapshot, append::Prepared};
use crate::store::atomic::{self, Sync};

/// `.checks.json` is written at most this often by the commits themselves (a pass also
/// writes it at its end, the daemon when it stops).
const SEEN_FLUSH: Duration = Duration::from_secs(60);

/// When the caller checks the watch next, both ways: chosen as the check commits by whether
/// a difference awaits confirmation, and written in its `check.json` (`next_check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextCheck {
    /// Nothing pending: one interval (with the caller's jitter).
    pub settled: Duration,
    /// A difference awaits confirmation: `confirm_after`.
    pub pending: Duration,
}

impl NextCheck {
    fn wait(&self, pending: bool) -> Duration {
        if pending { self.pending } else { self.settled }
    }
}

/// The commits of one checker.
#[derive(Debug)]
pub(crate) struct Group {
    queue: Mutex<Vec<Job>>,
    /// Held by the check committing a group; the others queue behind it.
    leader: tokio::sync::Mutex<()>,
    last_seen_flush: Mutex<Instant>,
}

impl Default for Group {
    fn default() -> Self {
        Group {
            queue: Mutex::default(),
            leader: tokio::sync::Mutex::default(),
            last_seen_flush: Mutex::new(Instant::now()),
        }
    }
}

#[derive(Debug)]
struct Job {
    watch: Watch,
    judged: Judged,
    next_in: Option<Duration>,
    reply: oneshot::Sender<Result<CheckReport, StoreError>>,
}

/// A job through stage 1.
struct Staged {
    job: Job,
    one: StageOne,
}

/// What stage 1 wrote for one check.
struct StageOne {
    queued: usize,
    prepared: Option<Prepared>,
    /// The state's files, in the order stage 3 puts them in place; none when unchanged.
    state_files: Vec<atomic::Staged>,
    /// `check.json`; `None` when the check changed nothing but its time, which goes into
    /// `.checks.json` instead.
    check_file: Option<atomic::Staged>,
    /// Something durable was written: the group needs its first barrier.
    wrote: bool,
}

fn interrupted() -> StoreError {
    StoreError::Interrupted("the group commit holding this check stopped".into())
}

impl Checker {
    /// Records a judged check durably, with whatever other checks are waiting, and reports
    /// it once it is on disk.
    /// `next`: when the caller checks again (none for a one-off check).
    pub(super) async fn commit(
        &self,
        watch: &Watch,
        mut judged: Judged,
        next: Option<NextCheck>,
    ) -> Result<CheckReport, StoreError> {
        // Chosen once, before anything is written: check.json (or `.checks.json`) holds it.
        let next_in = next.map(|n| n.wait(!judged.state.pending.is_empty()));
        judged.record.next_check = next_in.map(|d| wall_after(self.clock.now(), d));
        if self.changes_nothing(watch, &judged) {
            // Nothing of this check is to be made durable, so it joins no group: no barrier
            // to wait for, no hand-off to the blocking pool (most checks of a steady pass).
            self.store.note_unchanged(&watch.name, &judged.record);
            if self.seen_flush_due() {
                let checker = self.clone();
                blocking(move || checker.flush_seen()).await?;
            }
            return Ok(self.report(watch, judged, next_in, 0, true));
        }
        let (reply, mut done) = oneshot::channel();
        lock(&self.group.queue).push(Job {
            watch: watch.clone(),
            judged,
            next_in,
            reply,
        });
        let _leader = self.group.leader.lock().await;
        match done.try_recv() {
            Ok(report) => return report,
            Err(oneshot::error::TryRecvError::Closed) => return Err(interrupted()),
            Err(oneshot::error::TryRecvError::Empty) => {}
        }
        // Not committed by the leader before us, so still queued: this check leads.
        let jobs = std::mem::take(&mut *lock(&self.group.queue));
        let checker = self.clone();
        blocking(move || checker.commit_group(jobs)).await?;
        done.await.unwrap_or_else(|_| Err(interrupted()))
    }

    fn commit_group(&self, mut jobs: Vec<Job>) {
        // One check of a watch per round: a check stages its files in the watch's spares,
        // which a second check of the same watch in the same round would overwrite.
        while !jobs.is_empty() {
            let mut names = std::collections::HashSet::new();
            let (round, rest): (Vec<Job>, Vec<Job>) = jobs
                .into_iter()
                .partition(|j| names.insert(j.watch.name.clone()));
            self.commit_round(round);
            jobs = rest;
        }
    }

    fn commit_round(&self, jobs: Vec<Job>) {
        let gate = std::sync::Arc::clone(self.outbox.commit_gate());
        let closed = gate.blocking_write();
        let root = self.store.root().to_path_buf();
        let barrier = |jobs: &mut Vec<Staged>| {
            if let Err(e) = atomic::barrier(&root) {
                let e = crate::store::io_err("make durable the writes of", &root)(e);
                for s in jobs.drain(..) {
                    let _ = s.job.reply.send(Err(clone_err(&e)));
                }
            }
        };

        // Stage 1: events, alerts, evidence records; and, beside the files they replace,
        // the HEADs, states and last checks that stages 2 and 3 put in place.
        let mut staged: Vec<Staged> = Vec::with_capacity(jobs.len());
        let mut wrote = false;
        for job in jobs {
            match self.stage_one(&job) {
                Ok(one) => {
                    wrote |= one.wrote;
                    staged.push(Staged { job, one });
                }
                Err(e) => {
                    let _ = job.reply.send(Err(e));
                }
            }
        }
        if wrote {
            barrier(&mut staged);
        }

        // Stage 2: HEADs.
        let mut wrote = false;
        let mut kept = Vec::with_capacity(staged.len());
        for s in staged {
            let result = s.one.prepared.as_ref().map_or(Ok(()), |p| {
                wrote = true;
                self.archive.finish(p)
            });
            match result {
                Ok(()) => kept.push(s),
                Err(e) => {
                    let _ = s.job.reply.send(Err(e));
                }
            }
        }
        let mut staged = kept;
        if wrote {
            barrier(&mut staged);
        }

        // Stage 3: states, then the last checks (advisory: made durable only when a state
        // in the group needs a barrier anyway).
        let mut wrote = false;
        let mut kept = Vec::with_capacity(staged.len());
        for s in staged {
            let name = &s.job.watch.name;
            let result = s
                .one
                .state_files
                .iter()
                .try_for_each(|f| {
                    wrote = true;
                    f.put().map_err(crate::store::io_err("write", f.path()))
                })
                .and_then(|()| match &s.one.check_file {
                    Some(f) => self.store.put_check(name, f).map(|()| false),
                    None => {
                        self.store.note_unchanged(name, &s.job.judged.record);
                        Ok(true)
                    }
                });
            match result {
                Ok(unchanged) => kept.push((s, unchanged)),
                Err(e) => {
                    let _ = s.job.reply.send(Err(e));
                }
            }
        }
        if wrote && let Err(e) = atomic::barrier(&root) {
            let e = crate::store::io_err("make durable the writes of", &root)(e);
            for (s, _) in kept.drain(..) {
                let _ = s.job.reply.send(Err(clone_err(&e)));
            }
        }
        drop(closed);
        self.flush_seen_now_and_then();

        for (s, unchanged) in kept {
            let Job {
                watch,
                judged,
                next_in,
                reply,
            } = s.job;
            let _ = reply.send(Ok(self.report(
                &watch,
                judged,
                next_in,
                s.one.queued,
                unchanged,
            )));
        }
    }

    /// A committed check's report.
    fn report(
        &self,
        watch: &Watch,
        judged: Judged,
        next_in: Option<Duration>,
        queued: usize,
        unchanged: bool,
    ) -> CheckReport {
        let health = self.committed_health(
            &watch.name,
            &judged.state,
            &judged.record,
            watch.signing.is_some(),
        );
        CheckReport {
            watch: watch.name.clone(),
            pending: judged.state.pending.len(),
            record: judged.record,
            events: judged.events,
            queued,
            duration: judged.started.elapsed(),
            unchanged,
            next_in,
            health,
        }
    }

    /// The check would write nothing in a group: no event, so no alert; the same state;
    /// a record that differs only in its times; no evidence record to start.
    fn changes_nothing(&self, watch: &Watch, j: &Judged) -> bool {
        j.events.is_empty()
            && j.record_unchanged
            && j.state == j.prev
            && !self.wants_record(watch, j, false)
    }

    /// Whether the check adds a record to the watch's evidence chain. `recorded`: this
    /// generation's record is there already (a check redone after a crash).
    fn wants_record(&self, watch: &Watch, j: &Judged, recorded: bool) -> bool {
        // `has_history` (one stat) only when nothing else asks for a record: it starts the
        // chain of a watch whose state predates the archive.
        !recorded
            && (archive::worth_keeping(&j.prev, &j.state, &j.events)
                || !j.record.key_refreshes.is_empty()
                || j.record.freshness_api.iter().any(|l| l.asked)
                || (j.capture.is_some() && !self.archive.has_history(&watch.name)))
    }

    /// Stage 1 of one check: its events, alert and evidence record written, and its HEAD,
    /// state and last check staged for stages 2 and 3.
    fn stage_one(&self, job: &Job) -> Result<StageOne, StoreError> {
        let (watch, j) = (&job.watch, &job.judged);
        let mut wrote = false;
        // Everything below is keyed by the generation these events open: redone after a
        // crash (same `prev`, so the same generation), each step finds its own earlier
        // write and does not repeat it. The state that closes the generation comes last.
        let generation = (!j.events.is_empty()).then_some(j.state.generation);
        if let Some(g) = generation {
            self.store
                .append_events_with(&watch.name, &j.events, g, Sync::Deferred)?;
            wrote = true;
        }
        // One message for every notified event of this check (a removal and a rewording
        // found together are one email, the statement diff shown once).
        let notified: Vec<(usize, &crate::judge::event::Event)> = j
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.notify)
            .collect();
        let mut queued = 0;
        if let Some(alert) = alert::render(
            &watch.name,
            watch.url.as_str(),
            j.state.generation,
            &notified,
        ) {
            self.outbox.enqueue_with(&alert, j.at, Sync::Deferred)?;
            queued += 1;
            wrote = true;
        }
        // Read once: whether this generation's record is there already (a redo), and where
        // the record to write continues the chain.
        let tip = generation
            .map(|_| self.archive.tip(&watch.name, j.at))
            .transpose()?;
        let recorded =
            generation.is_some() && generation == tip.as_ref().and_then(|t| t.generation());
        let mut prepared = None;
        if self.wants_record(watch, j, recorded) {
            let snapshot = Snapshot {
                at: j.at,
                check: &j.record,
                capture: j.capture.as_ref(),
                events: &j.events,
                confirmed_set_hash: j.state.baseline.as_ref().map(|b| b.set_hash.as_str()),
                generation,
            };
            prepared = Some(self.archive.prepare(
                &watch.name,
                tip,
                &snapshot,
                watch.shared.max_history,
            )?);
            wrote = true;
        }
        let state_files = self
            .store
            .stage_state(&watch.name, &j.state, &j.prev, &j.record)?;
        wrote |= !state_files.is_empty();
        // A check that changed nothing but its time leaves check.json as it is; its time
        // goes into `.checks.json` (stage 3).
        let nothing = state_files.is_empty()
            && j.record_unchanged
            && j.events.is_empty()
            && queued == 0
            && prepared.is_none();
        let check_file = if nothing {
            None
        } else {
            Some(self.store.stage_check(&watch.name, &j.record)?)
        };
        Ok(StageOne {
            queued,
            prepared,
            state_files,
            check_file,
            wrote,
        })
    }

    /// Writes `.checks.json` when the last write is a minute old (the daemon's steady
    /// state); a pass writes it at its end too.
    fn flush_seen_now_and_then(&self) {
        if self.seen_flush_due() {
            self.flush_seen();
        }
    }

    /// Whether `.checks.json`'s last write by a commit is a minute old; if so, the caller
    /// writes it (the next minute starts now).
    fn seen_flush_due(&self) -> bool {
        let mut last = lock(&self.group.last_seen_flush);
        if last.elapsed() < SEEN_FLUSH {
            return false;
        }
        *last = Instant::now();
        true
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Poisoning only means a panic elsewhere while holding it; the value is whole.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The same failure for every check of a group (StoreError holds an io::Error, not Clone).
fn clone_err(e: &StoreError) -> StoreError {
    StoreError::Interrupted(crate::error_chain(e))
}
