package dev.freshet.common;

import java.util.List;
import java.util.Map;

/**
 * The demo shop's catalogue: what the demo workload writes to PostgreSQL and what the default
 * generator model is trained on. A profile value outside it is "not understood" by that model.
 */
public final class DemoCatalog {
  public static final List<String> CATEGORIES = List.of("books", "music", "films", "games", "garden", "kitchen");

  /** What one item of a category is called in generated text. */
  public static final Map<String, String> ITEM_NOUNS = Map.of(
      "books", "novel", "music", "album", "films", "film", "games", "game", "garden", "planter", "kitchen", "cookware");

  public static final List<String> AUTHORS = List.of(
      "atwood", "borges", "calvino", "dickens", "eco", "ferrante",
      "gaiman", "hesse", "ishiguro", "jemisin", "kafka", "lem");

  private DemoCatalog() {}
}
