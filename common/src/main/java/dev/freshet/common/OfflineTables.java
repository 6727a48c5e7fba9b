package dev.freshet.common;

import dev.freshet.common.definitions.SourceDefinition;

/** Default names of the Iceberg tables offline-sink writes and training sets read; overridable in the configs. */
public final class OfflineTables {
  public static final String NAMESPACE = "freshet";
  public static final String FEATURE_LOG = "user_features_log";
  public static final String GENERATION_LOG = "generation_log";

  private OfflineTables() {}

  /** A declared source's change history (in the same namespace): {@code changes_<source name>}. */
  public static String changeHistory(SourceDefinition source) {
    return "changes_" + source.name();
  }
}
