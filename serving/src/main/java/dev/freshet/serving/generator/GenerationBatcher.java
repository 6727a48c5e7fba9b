package dev.freshet.serving.generator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic micro-batching for one model: requests wait in a bounded queue; a worker takes what is
 * queued (waiting at most {@code maxWait} for more, up to {@code maxBatch}) and runs it as one
 * batch, so under load many requests share each forward pass and throughput grows instead of the
 * queue. A full queue is refused at once ({@link Overloaded}); a request whose deadline passed
 * while queued is not run ({@link DeadlineExceeded}).
 */
public final class GenerationBatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationBatcher.class);

  /** Queue capacity, largest batch, longest wait for a batch to fill, worker threads. */
  public record Settings(int queueCapacity, int maxBatch, Duration maxWait, int workers) {}

  /** A generation, the model that made it, and how it was scheduled. */
  public record Served(Generator.Generation generation, ModelManifest model, int batchSize, long queuedNanos) {}

  /** The queue is full: the caller should back off. */
  public static final class Overloaded extends RuntimeException {
    Overloaded(String message) {
      super(message);
    }
  }

  /** The request's deadline passed before its text was complete. */
  public static final class DeadlineExceeded extends RuntimeException {
    DeadlineExceeded(String message) {
      super(message);
    }
  }

  private record Pending(Generator.Request request, CompletableFuture<Served> done, long queuedAt) {}

  private final String model;
  private final Supplier<ModelRegistry.Lease> leases;
  private final Settings settings;
  private final BlockingQueue<Pending> queue;
  private final List<Thread> workers = new ArrayList<>();
  // Callers' continuations (building and writing the HTTP answer) run here, not on a worker:
  // a worker goes on to its next batch as soon as the model is done.
  private final ExecutorService responders;
  private volatile boolean closing;
  private final Counter rejected;
  private final Counter expired;
  private final DistributionSummary batchSizes;
  private final Timer batchTime;

  GenerationBatcher(String model, Supplier<ModelRegistry.Lease> leases, Settings settings, MeterRegistry metrics) {
    this.model = model;
    this.leases = leases;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    rejected = Counter.builder("freshet_generate_rejected").description("requests refused because the queue was full")
        .tag("model", model).register(metrics);
    expired = Counter.builder("freshet_generate_deadline_exceeded").tag("model", model).register(metrics);
    batchSizes = DistributionSummary.builder("freshet_generate_batch_size").tag("model", model)
        .publishPercentiles(0.5, 0.99).register(metrics);
    batchTime = Timer.builder("freshet_generate_batch_seconds").tag("model", model).publishPercentiles(0.5, 0.99).register(metrics);
    Gauge.builder("freshet_generate_queue_depth", queue, BlockingQueue::size).tag("model", model).register(metrics);
    AtomicInteger responderCount = new AtomicInteger();
    responders = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "generate-" + model + "-respond-" + responderCount.getAndIncrement());
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < settings.workers(); i++) {
      Thread t = new Thread(this::work, "generate-" + model + "-" + i);
      t.start();
      workers.add(t);
    }
  }

  CompletableFuture<Served> submit(Generator.Request request) {
    if (closing) {
      throw new Overloaded("the server is shutting down");
    }
    Pending p = new Pending(request, new CompletableFuture<>(), System.nanoTime());
    if (!queue.offer(p)) {
      rejected.increment();
      throw new Overloaded("model '" + model + "' has " + settings.queueCapacity() + " requests waiting; retry shortly");
    }
    return p.done();
  }

  private void work() {
    List<Pending> batch = new ArrayList<>(settings.maxBatch());
    while (!(closing && queue.isEmpty())) {
      try {
        Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        fill(batch);
        run(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } finally {
        batch.clear();
      }
    }
  }

  /** Adds what is queued now, then waits up to maxWait for more while the batch has room. */
  private void fill(List<Pending> batch) throws InterruptedException {
    long until = System.nanoTime() + settings.maxWait().toNanos();
    while (batch.size() < settings.maxBatch()) {
      if (queue.drainTo(batch, settings.maxBatch() - batch.size()) > 0) {
        continue;
      }
      long left = until - System.nanoTime();
      Pending p = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
      if (p == null) {
        return;
      }
      batch.add(p);
    }
  }

  private void run(List<Pending> batch) {
    long now = System.nanoTime();
    List<Pending> live = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      if (now - p.request().deadlineNanos() >= 0) {
        expired.increment();
        p.done().completeExceptionally(new DeadlineExceeded("the deadline passed after "
            + (now - p.queuedAt()) / 1_000_000 + " ms in the queue, before generation started"));
      } else {
        live.add(p);
      }
    }
    if (live.isEmpty()) {
      return;
    }
    batchSizes.record(live.size());
    try (ModelRegistry.Lease lease = leases.get()) {
      long started = System.nanoTime();
      List<Generator.Generation> out = lease.generator().generate(live.stream().map(Pending::request).toList());
      batchTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      ModelManifest manifest = lease.generator().manifest();
      for (int i = 0; i < live.size(); i++) {
        Pending p = live.get(i);
        Generator.Generation g = out.get(i);
        if (g.stop() == Generator.Stop.DEADLINE) {
          expired.increment();
          p.done().completeExceptionally(new DeadlineExceeded("the deadline passed after " + g.tokens() + " generated tokens"));
        } else {
          p.done().completeAsync(() -> new Served(g, manifest, live.size(), started - p.queuedAt()), responders);
        }
      }
    } catch (RuntimeException e) {
      LOG.error("generation failed for a batch of {} on model '{}'", live.size(), model, e);
      live.forEach(p -> p.done().completeExceptionally(e));
    }
  }

  /** Refuses new requests, lets the workers answer what is queued (bounded wait), then stops them. */
  @Override
  public void close() {
    closing = true;
    for (Thread t : workers) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      t.interrupt();
    }
    Pending left;
    while ((left = queue.poll()) != null) {
      left.done().completeExceptionally(new Overloaded("the server stopped before this request ran"));
    }
    responders.shutdown();
    try {
      responders.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
