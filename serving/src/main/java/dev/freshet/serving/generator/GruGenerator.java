package dev.freshet.serving.generator;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * Runs the default {@link GruLanguageModel} with DJL's PyTorch engine on CPU: one token per step
 * carrying the GRU state, chosen by the request's {@link Sampling}. One shared model serves all request threads; each
 * request gets its own NDManager, closed when it ends.
 */
public final class GruGenerator implements Generator {
  /** Where the committed default model lives on the classpath. */
  public static final String BUNDLED = "/dev/freshet/serving/model/";
  private static final List<String> BUNDLED_FILES = List.of("manifest.properties", "vocab.txt", GruModelFiles.NAME + "-0000.params");

  private final Model model;
  private final GruLanguageModel block;
  private final WordVocabulary vocabulary;
  private final String modelId;

  private GruGenerator(Model model, GruLanguageModel block, WordVocabulary vocabulary, String modelId) {
    this.model = model;
    this.block = block;
    this.vocabulary = vocabulary;
    this.modelId = modelId;
  }

  public static GruGenerator load(Path dir) {
    DjlRuntime.configure();
    GruModelFiles files = new GruModelFiles(dir);
    Properties manifest = files.readManifest();
    try {
      WordVocabulary vocabulary = WordVocabulary.fromLines(Files.readAllLines(files.vocabulary()));
      int size = GruModelFiles.intProperty(manifest, "vocab-size");
      if (size != vocabulary.size()) {
        throw new IllegalStateException("model " + dir + ": manifest says " + size + " tokens, vocab.txt has " + vocabulary.size());
      }
      GruLanguageModel block = new GruLanguageModel(size,
          GruModelFiles.intProperty(manifest, "embedding-size"), GruModelFiles.intProperty(manifest, "hidden-size"));
      Model model = Model.newInstance(GruModelFiles.NAME, "PyTorch");
      model.setBlock(block);
      model.load(dir, GruModelFiles.NAME);
      String id = GruModelFiles.NAME + "@" + manifest.getProperty("trained-at", "unknown");
      return new GruGenerator(model, block, vocabulary, id);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load model from " + dir, e);
    } catch (MalformedModelException e) {
      throw new IllegalStateException("malformed model in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Loads the model committed with the code (copied out of the jar into {@code scratch}). */
  public static GruGenerator loadBundled(Path scratch) {
    try {
      Files.createDirectories(scratch);
      for (String name : BUNDLED_FILES) {
        try (InputStream in = GruGenerator.class.getResourceAsStream(BUNDLED + name)) {
          if (in == null) {
            throw new IllegalStateException("bundled model file " + name + " missing: run bin/train-model");
          }
          Files.copy(in, scratch.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return load(scratch);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack bundled model to " + scratch, e);
    }
  }

  @Override
  public Generation generate(String prompt, int maxTokens, Sampling sampling) {
    List<String> promptTokens = WordVocabulary.tokenize(prompt);
    long[] ids = new long[promptTokens.size() + 2];
    ids[0] = vocabulary.id(WordVocabulary.BOS);
    for (int i = 0; i < promptTokens.size(); i++) {
      ids[i + 1] = vocabulary.id(promptTokens.get(i));
    }
    ids[ids.length - 1] = vocabulary.id(WordVocabulary.SEP);
    int eos = vocabulary.id(WordVocabulary.EOS);
    List<String> out = new ArrayList<>();
    SplittableRandom random = sampling.random();
    try (NDManager manager = model.getNDManager().newSubManager()) {
      ParameterStore ps = new ParameterStore(manager, false);
      NDList step = block.forward(ps, new NDList(manager.create(ids, new Shape(1, ids.length))), false);
      for (int i = 0; i < maxTokens; i++) {
        NDArray logits = step.get(0);
        int next = sampling.next(logits.get(0, logits.getShape().get(1) - 1).toFloatArray(), random);
        if (next == eos) {
          break;
        }
        out.add(vocabulary.token(next));
        step = block.forward(ps, new NDList(manager.create(new long[] {next}, new Shape(1, 1)), step.get(1)), false);
      }
    }
    return new Generation(WordVocabulary.detokenize(out), out.size());
  }

  @Override
  public String modelId() {
    return modelId;
  }

  @Override
  public void close() {
    model.close();
  }
}
