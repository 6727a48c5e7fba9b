package dev.freshet.serving.generator;

import ai.djl.Model;
import dev.freshet.common.DemoCatalog;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

/**
 * Trains the default generator from scratch on {@link TrainingCorpus} and writes a model directory.
 * Same seed and steps give the same model. Run with {@code bin/train-model [--out DIR] [--steps N]
 * [--seed S]}; the committed model under serving/src/main/resources was written by it with defaults.
 */
public final class TrainModel {
  static final int EMBEDDING = 64;
  static final int HIDDEN = 256;
  static final int BATCH = 32;
  static final int SEQ = 64;

  private TrainModel() {}

  public record Settings(Path out, int steps, long seed, float learningRate) {
    /** What the committed model was trained with. */
    public static Settings defaults(Path out) {
      return new Settings(out, 3500, 42, 0.008f);
    }
  }

  public static void main(String[] args) throws Exception {
    dev.freshet.common.Settings options = dev.freshet.common.Settings.fromCommandLine(args,
        "bin/train-model [--out DIR] [--steps N] [--seed S] [--lr RATE]", "out", "steps", "seed", "lr");
    Path out = Path.of(options.string("out", "serving/src/main/resources/dev/freshet/serving/model"));
    Settings d = Settings.defaults(out);
    train(new Settings(out, options.integer("steps", d.steps()), options.integer("seed", (int) d.seed()),
        (float) options.number("lr", d.learningRate())), System.out::println);
    try (GruGenerator g = GruGenerator.load(ModelManifest.read(out))) {
      ConditioningCheck.Result r = ConditioningCheck.run(g);
      System.out.printf("conditioning check: %d/%d profiles correct (%.1f%%), held-out pairs %d/%d%n",
          r.correct(), r.profiles(), 100 * r.accuracy(), r.heldOutCorrect(), r.heldOutProfiles());
      r.failures().forEach(f -> System.out.println("  wrong: " + f));
    }
  }

  /** Trains and writes the model directory; progress lines go to {@code progress}. */
  public static void train(Settings s, java.util.function.Consumer<String> progress) throws IOException {
    DjlRuntime.configure();
    Engine.getEngine("PyTorch").setRandomSeed((int) s.seed());
    WordVocabulary vocab = WordVocabulary.of(TrainingCorpus.words());
    int v = vocab.size();
    Random random = new Random(s.seed());
    long started = System.nanoTime();
    try (Model model = Model.newInstance(GruGenerator.PARAMS, "PyTorch")) {
      model.setBlock(new GruLanguageModel(v, EMBEDDING, HIDDEN));
      DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
          .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(s.learningRate())).optClipGrad(1f).build());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(BATCH, SEQ - 1));
        double recent = 0;
        for (int step = 1; step <= s.steps(); step++) {
          long[][] tokens = new long[BATCH][];
          float[][] mask = new float[BATCH][];
          for (int b = 0; b < BATCH; b++) {
            encode(vocab, TrainingCorpus.example(random), tokens, mask, b);
          }
          try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray all = batch.create(tokens);
            NDArray x = all.get(":, :-1");
            NDArray y = all.get(":, 1:");
            NDArray m = batch.create(mask).get(":, 1:");
            try (GradientCollector gc = trainer.newGradientCollector()) {
              NDArray logits = trainer.forward(new NDList(x)).get(0);
              NDArray logp = logits.logSoftmax(-1).mul(y.oneHot(v)).sum(new int[] {-1});
              NDArray loss = logp.mul(m).sum().neg().div(m.sum());
              gc.backward(loss);
              recent += loss.getFloat();
            }
            trainer.step();
          }
          if (step % 100 == 0 || step == s.steps()) {
            int n = step % 100 == 0 ? 100 : step % 100;
            progress.accept(String.format("step %d/%d  loss %.4f nats/token  %.0f s", step, s.steps(), recent / n,
                (System.nanoTime() - started) / 1e9));
            recent = 0;
          }
        }
      }
      Files.createDirectories(s.out());
      // Always epoch 0, replacing any earlier model: DJL would otherwise number a new file beside the old one.
      try (var old = Files.newDirectoryStream(s.out(), GruGenerator.PARAMS + "-*.params")) {
        for (Path p : old) {
          Files.delete(p);
        }
      }
      model.setProperty("Epoch", "0");
      model.save(s.out(), GruGenerator.PARAMS);
      Files.write(s.out().resolve("vocab.txt"), vocab.tokens());
      Map<String, String> manifest = new HashMap<>();
      manifest.put("type", GruGenerator.TYPE);
      manifest.put("name", GruGenerator.PARAMS);
      // Named by its weights: a rerun that reproduces them bit for bit gets the same version.
      manifest.put("version", "s" + s.seed() + "-" + sha256(s.out().resolve(GruGenerator.PARAMS + "-0000.params")).substring(0, 12));
      manifest.put("tokenizer", "vocab.txt");
      manifest.put("generation.max-tokens", "64");
      manifest.put("generation.temperature", "0");
      manifest.put("generation.top-k", "0");
      manifest.put("profile.categories", String.join(",", DemoCatalog.CATEGORIES));
      manifest.put("profile.authors", String.join(",", DemoCatalog.AUTHORS));
      manifest.put("vocab-size", Integer.toString(v));
      manifest.put("embedding-size", Integer.toString(EMBEDDING));
      manifest.put("hidden-size", Integer.toString(HIDDEN));
      manifest.put("steps", Integer.toString(s.steps()));
      manifest.put("batch", Integer.toString(BATCH));
      manifest.put("seed", Long.toString(s.seed()));
      manifest.put("learning-rate", Float.toString(s.learningRate()));
      manifest.put("trained-by", "bin/train-model --steps " + s.steps() + " --seed " + s.seed() + " --lr " + s.learningRate());
      ModelManifest.write(s.out(), manifest, "written by bin/train-model; do not edit");
      progress.accept("wrote " + s.out().toAbsolutePath());
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code <bos> prompt <sep> completion <eos>}, padded; the loss mask covers the completion only. */
  private static void encode(WordVocabulary vocab, TrainingCorpus.Example e, long[][] tokens, float[][] mask, int row) {
    List<String> prompt = WordVocabulary.tokenize(e.prompt());
    List<String> completion = WordVocabulary.tokenize(e.completion());
    long[] t = new long[SEQ];
    float[] m = new float[SEQ];
    int i = 0;
    t[i++] = vocab.id(WordVocabulary.BOS);
    for (String w : prompt) {
      if (i < SEQ) {
        t[i++] = vocab.id(w);
      }
    }
    if (i < SEQ) {
      t[i++] = vocab.id(WordVocabulary.SEP);
    }
    for (String w : completion) {
      if (i < SEQ) {
        m[i] = 1;
        t[i++] = vocab.id(w);
      }
    }
    if (i < SEQ) {
      m[i] = 1;
      t[i++] = vocab.id(WordVocabulary.EOS);
    }
    tokens[row] = t;
    mask[row] = m;
  }
}
