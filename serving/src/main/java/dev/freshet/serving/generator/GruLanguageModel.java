package dev.freshet.serving.generator;

import ai.djl.modality.nlp.DefaultVocabulary;
import ai.djl.modality.nlp.embedding.TrainableWordEmbedding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.GRU;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A word-level language model: embedding, one GRU layer, and a projection to the vocabulary.
 *
 * <p>Input: token ids {@code (batch, time)} and optionally the GRU state {@code (1, batch, hidden)};
 * output: logits {@code (batch, time, vocab)} and the new state, so generation feeds one token at a
 * time instead of re-reading the whole prefix.
 */
public final class GruLanguageModel extends AbstractBlock {
  private static final byte VERSION = 1;

  private final TrainableWordEmbedding embedding;
  private final GRU gru;
  private final Linear head;
  private final int hidden;
  private final int vocabSize;

  public GruLanguageModel(int vocabSize, int embeddingSize, int hidden) {
    super(VERSION);
    this.hidden = hidden;
    this.vocabSize = vocabSize;
    List<String> placeholderTokens = new ArrayList<>(vocabSize);
    for (int i = 0; i < vocabSize; i++) {
      placeholderTokens.add("t" + i); // the embedding only needs the vocabulary's size
    }
    embedding = addChildBlock("embedding", new TrainableWordEmbedding(new DefaultVocabulary(placeholderTokens), embeddingSize));
    gru = addChildBlock("gru", GRU.builder().setStateSize(hidden).setNumLayers(1).optBatchFirst(true).optReturnState(true).build());
    head = addChildBlock("head", Linear.builder().setUnits(vocabSize).build());
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray embedded = embedding.forward(ps, new NDList(inputs.get(0)), training).head();
    NDList gruIn = inputs.size() > 1 ? new NDList(embedded, inputs.get(1)) : new NDList(embedded);
    NDList gruOut = gru.forward(ps, gruIn, training);
    NDArray logits = head.forward(ps, new NDList(gruOut.get(0)), training).head();
    return new NDList(logits, gruOut.get(1));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    Shape in = inputs[0];
    return new Shape[] {new Shape(in.get(0), in.get(1), vocabSize), new Shape(1, in.get(0), hidden)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape tokens = inputShapes[0];
    embedding.initialize(manager, dataType, tokens);
    Shape embedded = embedding.getOutputShapes(new Shape[] {tokens})[0];
    gru.initialize(manager, dataType, embedded);
    head.initialize(manager, dataType, new Shape(tokens.get(0), tokens.get(1), hidden));
  }
}
