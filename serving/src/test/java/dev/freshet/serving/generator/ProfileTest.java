package dev.freshet.serving.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.DemoCatalog;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ProfileTest {
  /** What the bundled model's manifest says it knows: the demo catalogue. */
  static final ModelManifest DEMO = new ModelManifest(Path.of("."), GruGenerator.TYPE, "test", "1", "vocab.txt", 64, 0, 0,
      DemoCatalog.CATEGORIES, DemoCatalog.AUTHORS, new Properties());

  @Test
  void mapsFeaturesToBands() {
    Profile p = Profile.fromFeatures(Map.of("last_viewed_category", "books", "last_viewed_author", "eco",
        "purchase_amount_24h", "249.99", "events_1h", 31), DEMO);
    assertThat(p.category()).isEqualTo("books");
    assertThat(p.author()).isEqualTo("eco");
    assertThat(p.spendBand()).isEqualTo("high");
    assertThat(p.activityBand()).isEqualTo("busy");
    assertThat(p.notUnderstood()).isEmpty();
    assertThat(Profile.activityBand(new java.math.BigDecimal(12))).isEqualTo("active");
    assertThat(PromptBuilder.build(p, " recommend ")).isEqualTo(
        "User profile: category books; author eco; spend high; activity busy. Task: recommend");
  }

  @Test
  void valuesOutsideTheModelsVocabularyAreReportedNotPassedThrough() {
    Map<String, Object> f = new HashMap<>();
    f.put("last_viewed_category", "quantum-physics");
    f.put("last_viewed_author", null);
    f.put("purchase_amount_24h", 0);
    f.put("events_1h", 1);
    Profile p = Profile.fromFeatures(f, DEMO);
    assertThat(p.category()).isEqualTo(Profile.OTHER);
    assertThat(p.author()).isEqualTo(Profile.NONE);
    assertThat(p.notUnderstood()).containsExactly(Map.entry("last_viewed_category", "quantum-physics"));
    assertThat(p.used()).containsOnlyKeys("purchase_amount_24h", "events_1h");
    assertThat(p.spendBand()).isEqualTo("none");
    assertThat(p.activityBand()).isEqualTo("quiet");
  }

  @Test
  void tokenizerLowercasesAndFoldsNumbers() {
    assertThat(WordVocabulary.tokenize("User profile: spend 12.50, OK!"))
        .containsExactly("user", "profile", ":", "spend", "<num>", ",", "ok", "!");
    assertThat(WordVocabulary.detokenize(java.util.List.of("welcome", "back", ".", "enjoy", "!"))).isEqualTo("welcome back. enjoy!");
  }
}
