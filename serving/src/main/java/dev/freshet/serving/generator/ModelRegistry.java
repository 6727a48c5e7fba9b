package dev.freshet.serving.generator;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a serving process holds, by name, each with its own {@link GenerationBatcher}. A
 * model is replaced without a restart: the new one is loaded beside the old, swapped in
 * atomically, and the old one is closed when the last batch running on it ends — so a request in
 * flight during a swap is answered by whichever model its batch started on, never lost.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

  /** Where a named model comes from: a directory, or the bundled default unpacked into one. */
  public record Source(String name, Path dir) {}

  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final String defaultModel;

  public ModelRegistry(List<Source> sources, String defaultModel, GenerationBatcher.Settings batching, MeterRegistry metrics) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("no models configured");
    }
    this.defaultModel = defaultModel == null ? sources.get(0).name() : defaultModel;
    try {
      for (Source s : sources) {
        Loaded loaded = new Loaded(load(ModelManifest.read(s.dir())));
        Slot slot = new Slot(s.dir(), loaded);
        slot.batcher = new GenerationBatcher(s.name(), slot::acquire, batching, metrics);
        slots.put(s.name(), slot);
        LOG.info("model '{}' loaded from {}: {}", s.name(), s.dir(), loaded.generator.manifest().id());
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    if (!slots.containsKey(this.defaultModel)) {
      close();
      throw new IllegalArgumentException("default model '" + this.defaultModel + "' is not among the configured " + slots.keySet());
    }
  }

  /** Reads a model directory with the loader its manifest's {@code type} names. */
  public static Generator load(ModelManifest manifest) {
    return switch (manifest.type()) {
      case GruGenerator.TYPE -> GruGenerator.load(manifest);
      case TorchScriptGenerator.TYPE -> TorchScriptGenerator.load(manifest);
      default -> throw new IllegalStateException("model " + manifest.dir() + ": unknown type '" + manifest.type()
          + "' (known: " + GruGenerator.TYPE + ", " + TorchScriptGenerator.TYPE + ")");
    };
  }

  public String defaultModel() {
    return defaultModel;
  }

  public boolean has(String name) {
    return slots.containsKey(name);
  }

  public List<String> names() {
    return List.copyOf(slots.keySet());
  }

  /** The manifest of the model now serving under {@code name}. */
  public ModelManifest current(String name) {
    return slot(name).current.get().generator.manifest();
  }

  /** Queues a request for the named model's batcher; fails at once if that queue is full. */
  public CompletableFuture<GenerationBatcher.Served> submit(String name, Generator.Request request) {
    return slot(name).batcher.submit(request);
  }

  /**
   * Loads the model in {@code dir} (or the slot's own directory again when null), switches the
   * name to it and retires the old one. On a load failure nothing changes and the error is thrown.
   */
  public ModelManifest replace(String name, Path dir) {
    Slot slot = slot(name);
    synchronized (slot) {
      Path from = dir == null ? slot.dir : dir;
      Loaded fresh = new Loaded(load(ModelManifest.read(from)));
      Loaded old = slot.current.getAndSet(fresh);
      slot.dir = from;
      old.release();
      LOG.info("model '{}' replaced: {} -> {} (from {})", name, old.generator.manifest().id(), fresh.generator.manifest().id(), from);
      return fresh.generator.manifest();
    }
  }

  private Slot slot(String name) {
    Slot s = slots.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no model named '" + name + "'");
    }
    return s;
  }

  /** Stops every batcher (queued requests are still answered) and closes the models. */
  @Override
  public void close() {
    for (Slot s : slots.values()) {
      if (s.batcher != null) {
        s.batcher.close();
      }
      s.current.get().release();
    }
  }

  /** A use of a model that keeps it open until released. */
  public interface Lease extends AutoCloseable {
    Generator generator();

    @Override
    void close();
  }

  private static final class Slot {
    volatile Path dir;
    final AtomicReference<Loaded> current;
    GenerationBatcher batcher;

    Slot(Path dir, Loaded loaded) {
      this.dir = dir;
      this.current = new AtomicReference<>(loaded);
    }

    Lease acquire() {
      while (true) {
        Loaded l = current.get();
        if (l.tryAcquire()) {
          return new Lease() {
            @Override
            public Generator generator() {
              return l.generator;
            }

            @Override
            public void close() {
              l.release();
            }
          };
        }
        // l was retired between get() and tryAcquire(): the slot already holds its successor.
      }
    }
  }

  /** A loaded model and its users: the slot holds one reference, each running batch another. */
  private static final class Loaded {
    final Generator generator;
    final AtomicInteger references = new AtomicInteger(1);

    Loaded(Generator generator) {
      this.generator = generator;
    }

    boolean tryAcquire() {
      int r;
      do {
        r = references.get();
        if (r == 0) {
          return false;
        }
      } while (!references.compareAndSet(r, r + 1));
      return true;
    }

    void release() {
      if (references.decrementAndGet() == 0) {
        generator.close();
        LOG.info("closed retired model {}", generator.manifest().id());
      }
    }
  }
}
