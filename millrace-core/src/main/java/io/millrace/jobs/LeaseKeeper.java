package io.millrace.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extends the lease of every attempt this node holds, in one statement per heartbeat, and relays
 * what the database says back: an attempt whose row is gone or re-claimed lost its lease (it is
 * stopped and its outcome discarded), and an attempt flagged by an operator's cancel is stopped
 * with that reason.
 *
 * <p>If heartbeats fail (database down), leases run out and the leader rescues the jobs; the
 * attempts here then find their writes fenced. That is the price of availability: a job may run
 * twice, never be lost, and never have two outcomes recorded. Renewal is never blind: it is per
 * lease token (id, attempt) and only of rows still running under it, so the first heartbeat after
 * an outage renews what the leader has not rescued (finished attempts waiting for their completion
 * to be written included) and reports the rest lost. Each renewal tells the attempt until when its
 * lease is known to hold; a buffered attempt past that does not start until a heartbeat confirms it
 * ({@link Attempt#awaitLease}).
 */
final class LeaseKeeper implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

  private final JobStore store;
  private final Map<Long, Attempt> inFlight;
  private final Duration lease;

  LeaseKeeper(JobStore store, Map<Long, Attempt> inFlight, Duration lease) {
    this.store = store;
    this.inFlight = inFlight;
    this.lease = lease;
  }

  @Override
  public void run() {
    List<Attempt> held = new ArrayList<>(inFlight.values());
    if (held.isEmpty()) {
      return;
    }
    JobStore.LeaseStatus status;
    // Taken before the statement: the database counts the new lease from a later now().
    long knownUntil = System.nanoTime() + lease.toNanos();
    try {
      status = store.extendLeases(held.stream().map(a -> a.job).toList(), lease);
    } catch (Exception e) {
      log.error("extending {} leases failed: {}", held.size(), e.getMessage());
      return;
    }
    for (Attempt attempt : held) {
      long id = attempt.job.id();
      if (status.held().contains(id)) {
        attempt.leaseRenewed(knownUntil);
      }
      if (!status.held().contains(id)) {
        if (inFlight.get(id) == attempt) {
          // The outcome may have been written between our snapshot and the heartbeat; only a
          // still-registered attempt lost its lease.
          attempt.stop(
              Attempt.StopCause.LEASE_LOST,
              "lease lost: the job was rescued or finished elsewhere");
        }
      } else if (status.cancelRequested().contains(id)) {
        attempt.stop(Attempt.StopCause.OPERATOR_CANCEL, "cancelled by an operator");
      }
    }
  }

  /** Stops an attempt at once when an operator's cancel notification names it. */
  void cancelNow(long jobId) {
    Attempt attempt = inFlight.get(jobId);
    if (attempt != null) {
      attempt.stop(Attempt.StopCause.OPERATOR_CANCEL, "cancelled by an operator");
    }
  }
}
