package dev.freshet.serving.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/train-model} with its defaults, from scratch: the model it writes must condition on
 * the profile — also for category and author pairs training never showed together — so a change
 * that breaks training fails here, not in production. PyTorch's CPU kernels round differently on
 * other processors, so other machines get other weights; the thresholds are therefore set below
 * the worst of several seeds measured with {@code bin/train-model-spread} (README, "The generator
 * model"), not at what one run on one CPU reached.
 */
class TrainModelIT {
  /**
   * Seeds 1-6 and 42 on this machine kind (README): worst 863/864 of all profiles, 144/144 held
   * out. The margin allows 43 wrong profiles, and one wrong held-out pair (12 profiles) of 12.
   */
  static final double MIN_ACCURACY = 0.95;
  static final double MIN_HELD_OUT_ACCURACY = 0.90;

  @Test
  void retrainingWithTheDefaultsMeetsTheQualityContract(@TempDir Path out, @TempDir Path shippedDir) throws Exception {
    List<String> progress = new ArrayList<>();
    TrainModel.train(TrainModel.Settings.defaults(out), line -> {
      progress.add(line);
      System.out.println("train-model: " + line);
    });
    assertThat(progress).as("a loss line every 100 steps").filteredOn(l -> l.startsWith("step ")).hasSize(60);
    assertThat(progress).as("the kept checkpoint is named").anyMatch(l -> l.startsWith("kept the checkpoint of step "));

    ModelManifest retrained = ModelManifest.read(out);
    try (GruGenerator g = GruGenerator.load(retrained)) {
      ConditioningCheck.Result r = ConditioningCheck.run(g);
      System.out.printf("retrained %s: %d/%d profiles, held-out pairs %d/%d%n", retrained.id(), r.correct(), r.profiles(),
          r.heldOutCorrect(), r.heldOutProfiles());
      assertThat(r.accuracy()).as("%s", r.failures()).isGreaterThanOrEqualTo(MIN_ACCURACY);
      assertThat(r.heldOutAccuracy()).as("pairs never seen together in training: %s", r.failures())
          .isGreaterThanOrEqualTo(MIN_HELD_OUT_ACCURACY);
    }
    ModelManifest shipped = ModelManifest.read(GruGenerator.unpackBundled(shippedDir));
    // Bit-identical weights are expected on the CPU kind the model was trained on only: reported, not asserted.
    System.out.println("retrained version " + retrained.version() + (retrained.version().equals(shipped.version())
        ? " equals the shipped model's: the same weights, bit for bit" : " differs from the shipped " + shipped.version()
        + " (another CPU kind rounds differently; the quality above is the contract)"));
  }
}
