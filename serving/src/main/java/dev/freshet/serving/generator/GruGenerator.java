package dev.freshet.serving.generator;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Runs the default {@link GruLanguageModel} (manifest type {@value #TYPE}) with DJL's PyTorch
 * engine on CPU. A batch reads its prompts in groups of equal length (a GRU has no padding mask),
 * then steps all rows together, one token per step, carrying the GRU state.
 * One shared model serves every thread; each batch has its own NDManager, closed when it ends.
 */
public final class GruGenerator implements Generator {
  public static final String TYPE = "djl-gru";
  /** File name prefix of the parameters DJL writes: {@code freshet-gru-0000.params}. */
  static final String PARAMS = "freshet-gru";
  /** Where the committed default model lives on the classpath. */
  public static final String BUNDLED = "/dev/freshet/serving/model/";
  private static final List<String> BUNDLED_FILES = List.of(ModelManifest.FILE, "vocab.txt", PARAMS + "-0000.params");

  private final Model model;
  private final GruLanguageModel block;
  private final WordVocabulary vocabulary;
  private final ModelManifest manifest;

  private GruGenerator(Model model, GruLanguageModel block, WordVocabulary vocabulary, ModelManifest manifest) {
    this.model = model;
    this.block = block;
    this.vocabulary = vocabulary;
    this.manifest = manifest;
  }

  public static GruGenerator load(ModelManifest manifest) {
    DjlRuntime.configure();
    Path dir = manifest.dir();
    try {
      WordVocabulary vocabulary = WordVocabulary.fromLines(Files.readAllLines(manifest.tokenizerFile()));
      int size = manifest.intProperty("vocab-size");
      if (size != vocabulary.size()) {
        throw new IllegalStateException("model " + dir + ": manifest says " + size + " tokens, " + manifest.tokenizer() + " has " + vocabulary.size());
      }
      GruLanguageModel block = new GruLanguageModel(size, manifest.intProperty("embedding-size"), manifest.intProperty("hidden-size"));
      Model model = Model.newInstance(PARAMS, "PyTorch");
      model.setBlock(block);
      model.load(dir, PARAMS);
      return new GruGenerator(model, block, vocabulary, manifest);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load model from " + dir, e);
    } catch (MalformedModelException e) {
      throw new IllegalStateException("malformed model in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Unpacks the model committed with the code into {@code scratch} and returns that directory. */
  public static Path unpackBundled(Path scratch) {
    try {
      Files.createDirectories(scratch);
      for (String name : BUNDLED_FILES) {
        try (InputStream in = GruGenerator.class.getResourceAsStream(BUNDLED + name)) {
          if (in == null) {
            throw new IllegalStateException("bundled model file " + name + " missing: run bin/train-model");
          }
          Files.copy(in, scratch.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return scratch;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack bundled model to " + scratch, e);
    }
  }

  /** Loads the model committed with the code (copied out of the jar into {@code scratch}). */
  public static GruGenerator loadBundled(Path scratch) {
    return load(ModelManifest.read(unpackBundled(scratch)));
  }

  @Override
  public List<Generation> generate(List<Request> batch) {
    try (StepSession session = new StepSession()) {
      return TokenLoop.generate(session, batch, this::encodePrompt,
          ids -> WordVocabulary.detokenize(ids.stream().map(vocabulary::token).toList()), vocabulary.id(WordVocabulary.EOS));
    }
  }

  /** {@code <bos> prompt <sep>}: the model writes the completion after the separator. */
  private long[] encodePrompt(String prompt) {
    List<String> words = WordVocabulary.tokenize(prompt);
    long[] ids = new long[words.size() + 2];
    ids[0] = vocabulary.id(WordVocabulary.BOS);
    for (int i = 0; i < words.size(); i++) {
      ids[i + 1] = vocabulary.id(words.get(i));
    }
    ids[ids.length - 1] = vocabulary.id(WordVocabulary.SEP);
    return ids;
  }

  /** The GRU state of every row still generating, shape {@code (1, rows, hidden)}. */
  private final class StepSession implements TokenLoop.Session {
    private final NDManager manager = model.getNDManager().newSubManager();
    private final ParameterStore ps = new ParameterStore(manager, false);
    private NDArray state;
    private int[] stateRows;

    /** Reads the prompts in groups of equal length, one forward pass per group (templated prompts mostly are). */
    @Override
    public float[][] start(long[][] prompts) {
      Map<Integer, List<Integer>> byLength = new TreeMap<>();
      for (int i = 0; i < prompts.length; i++) {
        byLength.computeIfAbsent(prompts[i].length, l -> new ArrayList<>()).add(i);
      }
      float[][] scores = new float[prompts.length][];
      NDArray[] rowStates = new NDArray[prompts.length];
      for (Map.Entry<Integer, List<Integer>> group : byLength.entrySet()) {
        List<Integer> rows = group.getValue();
        int length = group.getKey();
        long[][] ids = new long[rows.size()][];
        for (int j = 0; j < ids.length; j++) {
          ids[j] = prompts[rows.get(j)];
        }
        NDList out = block.forward(ps, new NDList(manager.create(ids)), false);
        float[] last = out.get(0).get(":, " + (length - 1) + ", :").toFloatArray(); // (rows, vocab)
        NDArray groupState = out.get(1); // (1, rows, hidden)
        for (int j = 0; j < rows.size(); j++) {
          scores[rows.get(j)] = row(last, j);
          rowStates[rows.get(j)] = rows.size() == 1 ? groupState : groupState.get(":, " + j + ":" + (j + 1) + ", :");
        }
      }
      state = prompts.length == 1 ? rowStates[0] : NDArrays.concat(new NDList(rowStates), 1);
      stateRows = IntStream.range(0, prompts.length).toArray();
      return scores;
    }

    @Override
    public float[][] next(int[] rows, long[] tokens) {
      if (rows.length != stateRows.length) { // some rows finished: keep the state of the others only
        long[] keep = new long[rows.length];
        for (int i = 0, j = 0; i < rows.length; i++) {
          while (stateRows[j] != rows[i]) {
            j++;
          }
          keep[i] = j;
        }
        state = state.squeeze(0).get(manager.create(keep)).expandDims(0);
        stateRows = rows.clone();
      }
      NDList out = block.forward(ps, new NDList(manager.create(tokens, new Shape(rows.length, 1)), state), false);
      state = out.get(1);
      float[] flat = out.get(0).toFloatArray(); // (rows, 1, vocab)
      float[][] scores = new float[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        scores[i] = row(flat, i);
      }
      return scores;
    }

    /** Row {@code i} of logits laid out row after row, one vocabulary each. */
    private float[] row(float[] flat, int i) {
      int v = vocabulary.size();
      return Arrays.copyOfRange(flat, i * v, (i + 1) * v);
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  @Override
  public ModelManifest manifest() {
    return manifest;
  }

  @Override
  public void close() {
    model.close();
  }
}
