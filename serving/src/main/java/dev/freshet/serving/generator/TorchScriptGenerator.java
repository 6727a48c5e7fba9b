package dev.freshet.serving.generator;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

/**
 * A TorchScript causal language model (manifest type {@value #TYPE}) with a HuggingFace
 * {@code tokenizer.json}: any scripted or traced module mapping token ids {@code (batch, time)}
 * to logits {@code (batch, time, vocab)}, such as a GPT-2-shaped network. Manifest keys besides
 * the common ones: {@code model-file} (without {@code .pt}), {@code prompt.template} (with
 * {@code {prompt}}), {@code end-token}, {@code pad-token}, {@code max-context}, and
 * {@code detokenize=words} for word-level vocabularies whose decoder only joins with spaces.
 *
 * <p>The module keeps no cache between steps, so each step re-reads every row's whole sequence
 * (right-padded into one batch; a causal model's positions before the padding do not see it):
 * the cost grows with the square of the length, fine for short outputs of small models.
 */
public final class TorchScriptGenerator implements Generator {
  public static final String TYPE = "torchscript-causal-lm";

  private final Model model;
  private final Block block;
  private final HuggingFaceTokenizer tokenizer;
  private final ModelManifest manifest;
  private final String template;
  private final int endToken;
  private final long padToken;
  private final int context;
  private final boolean joinWords;

  private TorchScriptGenerator(Model model, HuggingFaceTokenizer tokenizer, ModelManifest manifest) {
    this.model = model;
    this.block = model.getBlock();
    this.tokenizer = tokenizer;
    this.manifest = manifest;
    Properties p = manifest.properties();
    this.template = p.getProperty("prompt.template", "{prompt}");
    this.endToken = (int) singleId(p.getProperty("end-token", "<eos>"));
    this.padToken = singleId(p.getProperty("pad-token", p.getProperty("end-token", "<eos>")));
    this.context = manifest.intProperty("max-context");
    this.joinWords = "words".equals(p.getProperty("detokenize"));
  }

  public static TorchScriptGenerator load(ModelManifest manifest) {
    DjlRuntime.configure();
    Model model = Model.newInstance(manifest.name(), "PyTorch");
    try {
      model.load(manifest.dir(), manifest.properties().getProperty("model-file", "model"));
      HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(manifest.tokenizerFile(), Map.of("addSpecialTokens", "false"));
      return new TorchScriptGenerator(model, tokenizer, manifest);
    } catch (IOException e) {
      model.close();
      throw new UncheckedIOException("cannot load TorchScript model from " + manifest.dir(), e);
    } catch (MalformedModelException | RuntimeException e) {
      model.close();
      throw new IllegalStateException("cannot load TorchScript model from " + manifest.dir() + ": " + e.getMessage(), e);
    }
  }

  private long singleId(String token) {
    long[] ids = tokenizer.encode(token, false, false).getIds();
    if (ids.length != 1) {
      throw new IllegalStateException("model " + manifest.dir() + ": '" + token + "' is not a single token of " + manifest.tokenizer());
    }
    return ids[0];
  }

  @Override
  public List<Generation> generate(List<Request> batch) {
    try (Session session = new Session()) {
      return TokenLoop.generate(session, batch,
          prompt -> tokenizer.encode(template.replace("{prompt}", prompt), false, false).getIds(), this::decode, endToken);
    }
  }

  private String decode(List<Integer> ids) {
    String text = tokenizer.decode(ids.stream().mapToLong(Integer::longValue).toArray(), true).strip();
    return joinWords ? WordVocabulary.detokenize(Arrays.asList(text.split(" +"))) : text;
  }

  /** Every row's sequence so far; each step runs the rows still generating as one padded batch. */
  private final class Session implements TokenLoop.Session {
    private final NDManager manager = model.getNDManager().newSubManager();
    private final ParameterStore ps = new ParameterStore(manager, false);
    private long[][] sequences;

    @Override
    public float[][] start(long[][] prompts) {
      sequences = prompts.clone();
      return forward(IntStream.range(0, prompts.length).toArray());
    }

    @Override
    public float[][] next(int[] rows, long[] tokens) {
      for (int i = 0; i < rows.length; i++) {
        long[] s = sequences[rows[i]];
        long[] longer = Arrays.copyOf(s, s.length + 1);
        longer[s.length] = tokens[i];
        sequences[rows[i]] = longer;
      }
      return forward(rows);
    }

    /** Next-token scores of each row: the logits at its last real position, over at most the last {@code context} tokens. */
    private float[][] forward(int[] rows) {
      int width = 0;
      for (int r : rows) {
        width = Math.max(width, Math.min(context, sequences[r].length));
      }
      long[][] input = new long[rows.length][width];
      int[] last = new int[rows.length];
      for (int i = 0; i < rows.length; i++) {
        long[] s = sequences[rows[i]];
        int n = Math.min(context, s.length);
        System.arraycopy(s, s.length - n, input[i], 0, n);
        Arrays.fill(input[i], n, width, padToken);
        last[i] = n - 1;
      }
      try (NDManager step = manager.newSubManager()) {
        NDArray logits = block.forward(ps, new NDList(step.create(input)), false).get(0);
        float[][] scores = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
          scores[i] = logits.get(i, last[i]).toFloatArray();
        }
        return scores;
      }
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
    tokenizer.close();
    model.close();
  }
}
