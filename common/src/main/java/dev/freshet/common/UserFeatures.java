package dev.freshet.common;

import java.util.List;

/**
 * The features serving's generator profile reads. They are declared, like every feature, in the
 * definition file ({@code features.yaml}); these names are the part of it serving depends on
 * (FeatureDefinitionsTest checks the bundled file still declares them).
 */
public final class UserFeatures {
  /** Count of the user's events with occurred_at in the last hour. */
  public static final String EVENTS_1H = "events_1h";
  /** Sum of amount over the user's purchases with occurred_at in the last 24 hours. */
  public static final String PURCHASE_AMOUNT_24H = "purchase_amount_24h";
  /** Category of the user's most recent view (by occurred_at) in the last 7 days. */
  public static final String LAST_VIEWED_CATEGORY = "last_viewed_category";
  /** Author of the user's most recent view (by occurred_at) in the last 7 days. */
  public static final String LAST_VIEWED_AUTHOR = "last_viewed_author";

  public static final List<String> ALL =
      List.of(EVENTS_1H, PURCHASE_AMOUNT_24H, LAST_VIEWED_CATEGORY, LAST_VIEWED_AUTHOR);

  private UserFeatures() {}
}
