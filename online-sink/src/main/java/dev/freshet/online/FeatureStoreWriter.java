package dev.freshet.online;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.connection.BusyConnectionException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.QueryExecutionException;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Futures;
import dev.freshet.common.Json;
import dev.freshet.common.Schedulers;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes feature vectors to the CQL store: one row per user, prepared statement, the vector's
 * version as write timestamp (a replayed or reordered older vector can never overwrite a newer
 * one, so writes are idempotent and marked so), optional TTL.
 *
 * <p>At most {@code maxInFlight} writes are pending: {@link #write} blocks the caller beyond
 * that, which is how a slow store slows consumption instead of filling memory. Timeouts and
 * unavailability are retried with capped exponential backoff until the write succeeds or the
 * writer is closed; a write the store rejects (a query error) fails at once.
 */
public final class FeatureStoreWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureStoreWriter.class);
  private static final long FIRST_BACKOFF_MS = 50;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final CqlSession session;
  private final PreparedStatement selectWriteTime;
  private final PreparedStatement deleteAt;
  private final PreparedStatement upsert;
  private final PreparedStatement upsertWatermark;
  private final int ttlSeconds;
  private final int maxInFlight;
  private final Semaphore inFlight;
  private final ScheduledExecutorService retries = Schedulers.daemon("feature-store-retries");
  private final AtomicLong retried = new AtomicLong();
  private volatile boolean closed;

  public FeatureStoreWriter(CqlSession session, String keyspace, Duration ttl, int maxInFlight) {
    this.session = session;
    this.selectWriteTime = session.prepare("SELECT writetime(features) FROM " + keyspace + "." + FeatureStoreSchema.TABLE
        + " WHERE user_id = ?");
    this.deleteAt = session.prepare("DELETE FROM " + keyspace + "." + FeatureStoreSchema.TABLE + " USING TIMESTAMP ? WHERE user_id = ?");
    this.upsert = session.prepare(FeatureStoreSchema.upsert(keyspace));
    this.upsertWatermark = session.prepare(FeatureStoreSchema.upsertWatermark(keyspace));
    this.ttlSeconds = (int) ttl.toSeconds();
    this.maxInFlight = maxInFlight;
    this.inFlight = new Semaphore(maxInFlight);
  }

  /** Completes when the vector is stored; blocks while {@code maxInFlight} writes are pending. */
  public CompletableFuture<Void> write(FeatureVector v) throws InterruptedException {
    return submit("user " + v.userId(), upsert.bind(
        v.userId(), Json.write(v.features()), v.eventTime(), v.sourceLsn(), v.sourceCommitTime(), v.version(),
        v.computedAt(), v.definitionVersion(), v.version(), ttlSeconds));
  }

  /**
   * Deletes the user's row (the "forget a user" operation); returns whether there was one. The
   * delete carries the stored row's own write timestamp (its vector's version), not the clock of
   * whoever runs it: it removes that row and everything older, and a vector published later (a
   * higher version) is stored again, even from an engine whose clock is behind this one's. A
   * plain DELETE shadowed every later write below its wall-clock timestamp.
   */
  public boolean forget(String userId) {
    Row stored = session.execute(selectWriteTime.bind(userId)).one();
    if (stored == null) {
      return false;
    }
    session.execute(deleteAt.bind(stored.getLong(0), userId));
    return true;
  }

  /**
   * Records that every source transaction of {@code source} before {@code lsn} is applied, as far
   * as features-topic {@code partition} (of {@code partitions}) goes. Call it only once every
   * vector read before the marker is stored.
   */
  public CompletableFuture<Void> writeWatermark(String source, int partition, int partitions, long lsn) throws InterruptedException {
    return submit("the watermark of " + source + "/" + partition,
        upsertWatermark.bind(source, partition, partitions, lsn, Instant.now(), lsn));
  }

  private CompletableFuture<Void> submit(String what, BoundStatement statement) throws InterruptedException {
    inFlight.acquire();
    CompletableFuture<Void> done = new CompletableFuture<>();
    done.whenComplete((ok, error) -> inFlight.release());
    attempt(what, statement.setIdempotent(true), 0, done);
    return done;
  }

  private void attempt(String what, BoundStatement statement, int failures, CompletableFuture<Void> done) {
    if (closed) {
      done.completeExceptionally(new CancellationException("feature store writer closed"));
      return;
    }
    session.executeAsync(statement)
        .whenComplete((rs, error) -> {
          if (error == null) {
            done.complete(null);
          } else if (retryable(error)) {
            long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(failures, 10));
            backoff += ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
            retried.incrementAndGet();
            if (failures == 0 || failures % 10 == 0) {
              LOG.warn("write of {} failed ({}), retry {} in {} ms", what, Futures.cause(error), failures + 1, backoff);
            }
            try {
              retries.schedule(() -> attempt(what, statement, failures + 1, done), backoff, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
              done.completeExceptionally(new CancellationException("feature store writer closed"));
            }
          } else {
            done.completeExceptionally(Futures.cause(error));
          }
        });
  }

  /** Timeouts, unavailable replicas, overload, lost connections: worth trying again. */
  private static boolean retryable(Throwable error) {
    Throwable e = Futures.cause(error);
    return e instanceof DriverTimeoutException
        || e instanceof AllNodesFailedException
        || e instanceof OverloadedException
        || e instanceof BusyConnectionException
        || e instanceof ClosedConnectionException
        || e instanceof QueryExecutionException; // write timeout, unavailable, read/write failure
  }

  public long retried() {
    return retried.get();
  }

  /** Writes sent (or waiting for a retry) and not yet acknowledged. */
  public int pending() {
    return maxInFlight - inFlight.availablePermits();
  }

  /** Pending retries give up (their futures fail); the caller then does not commit their offsets. */
  @Override
  public void close() {
    closed = true;
    retries.shutdown();
  }
}
