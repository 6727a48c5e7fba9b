package dev.freshet.common;

/** Default Kafka topic names shared by the services; each is overridable in the service configs. */
public final class Topics {
  /** Debezium names change topics {@code <prefix>.<schema>.<table>}. */
  public static final String CHANGE_TOPIC_PREFIX = "freshet";
  public static final String EVENTS_CHANGES = CHANGE_TOPIC_PREFIX + ".public.events";
  public static final String USERS_CHANGES = CHANGE_TOPIC_PREFIX + ".public.users";
  public static final String USER_FEATURES = "freshet.features.user";
  public static final String DEAD_LETTERS = "freshet.dead-letters";
  public static final String CDC_OFFSETS = "freshet.cdc.offsets";
  public static final String GENERATIONS = "freshet.generations";

  private Topics() {}
}
