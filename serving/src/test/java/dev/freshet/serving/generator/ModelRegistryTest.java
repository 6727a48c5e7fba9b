package dev.freshet.serving.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named models behind batchers, on the real bundled network: swaps under load lose nothing. */
class ModelRegistryTest {
  static final GenerationBatcher.Settings BATCHING = new GenerationBatcher.Settings(1_000, 8, Duration.ofMillis(2), 1);
  static final String PROMPT = PromptBuilder.build(Profile.of("books", "eco", "low", "quiet"), "recommend something");

  @TempDir Path dir;

  @Test
  void swappingModelsWhileRequestsAreInFlightLosesNone() throws Exception {
    Path a = GruGenerator.unpackBundled(dir.resolve("a"));
    Path b = copyWithVersion(a, dir.resolve("b"), "b-version");
    try (ModelRegistry models = new ModelRegistry(List.of(new ModelRegistry.Source("default", a)), null, BATCHING,
        new SimpleMeterRegistry())) {
      String expected = models.submit("default", request(Long.MAX_VALUE)).get().generation().text();
      List<CompletableFuture<GenerationBatcher.Served>> answers = new ArrayList<>();
      AtomicBoolean swapping = new AtomicBoolean(true);
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Thread c = new Thread(() -> {
          while (swapping.get()) {
            CompletableFuture<GenerationBatcher.Served> f = models.submit("default", request(Long.MAX_VALUE));
            synchronized (answers) {
              answers.add(f);
            }
            f.join(); // a closed-loop client: next request after this answer
          }
        });
        c.start();
        clients.add(c);
      }
      for (int swap = 0; swap < 12; swap++) {
        Thread.sleep(40);
        models.replace("default", swap % 2 == 0 ? b : a);
      }
      swapping.set(false);
      for (Thread c : clients) {
        c.join();
      }
      Set<String> servedBy = ConcurrentHashMap.newKeySet();
      for (CompletableFuture<GenerationBatcher.Served> f : answers) {
        GenerationBatcher.Served s = f.get(10, TimeUnit.SECONDS);
        assertThat(s.generation().text()).as("same weights, same greedy text").isEqualTo(expected);
        servedBy.add(s.model().version());
      }
      assertThat(answers).hasSizeGreaterThan(20);
      assertThat(servedBy).as("both models answered").contains("b-version").hasSize(2);
    }
  }

  @Test
  void aModelThatFailsToLoadLeavesTheOldOneServing() throws Exception {
    Path a = GruGenerator.unpackBundled(dir.resolve("a"));
    Path broken = Files.createDirectories(dir.resolve("broken"));
    Files.writeString(broken.resolve(ModelManifest.FILE), "type=no-such-type\ntokenizer=vocab.txt\n");
    try (ModelRegistry models = new ModelRegistry(List.of(new ModelRegistry.Source("default", a)), null, BATCHING,
        new SimpleMeterRegistry())) {
      String before = models.current("default").id();
      assertThatThrownBy(() -> models.replace("default", broken)).hasMessageContaining("unknown type 'no-such-type'");
      assertThatThrownBy(() -> models.replace("default", dir.resolve("missing"))).hasMessageContaining("manifest");
      assertThat(models.current("default").id()).isEqualTo(before);
      assertThat(models.submit("default", request(Long.MAX_VALUE)).get().generation().tokens()).isPositive();
    }
  }

  @Test
  void aFullQueueIsRefusedAndAnExpiredRequestIsNotRun() throws Exception {
    Path a = GruGenerator.unpackBundled(dir.resolve("a"));
    GenerationBatcher.Settings tiny = new GenerationBatcher.Settings(2, 1, Duration.ZERO, 1);
    try (ModelRegistry models = new ModelRegistry(List.of(new ModelRegistry.Source("default", a)), null, tiny,
        new SimpleMeterRegistry())) {
      List<CompletableFuture<GenerationBatcher.Served>> accepted = new ArrayList<>();
      int refused = 0;
      for (int i = 0; i < 20; i++) {
        try {
          accepted.add(models.submit("default", request(Long.MAX_VALUE)));
        } catch (GenerationBatcher.Overloaded e) {
          refused++;
        }
      }
      assertThat(refused).as("a queue of 2 and one worker cannot take 20 at once").isPositive();
      for (CompletableFuture<GenerationBatcher.Served> f : accepted) {
        assertThat(f.get(10, TimeUnit.SECONDS).generation().tokens()).isPositive();
      }
      CompletableFuture<GenerationBatcher.Served> late = models.submit("default", request(System.nanoTime() - 1));
      assertThatThrownBy(late::join).hasCauseInstanceOf(GenerationBatcher.DeadlineExceeded.class);
    }
  }

  private static Generator.Request request(long deadline) {
    return new Generator.Request(PROMPT, 0, 32, Sampling.GREEDY, deadline);
  }

  private static Path copyWithVersion(Path from, Path to, String version) throws IOException {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    Path manifest = to.resolve(ModelManifest.FILE);
    Files.writeString(manifest, Files.readString(manifest).replaceAll("(?m)^version=.*$", "version=" + version));
    return to;
  }
}
