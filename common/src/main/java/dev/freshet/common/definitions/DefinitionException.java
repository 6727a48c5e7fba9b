package dev.freshet.common.definitions;

/**
 * A feature definition file that cannot be used. The message names the file, the line, the
 * feature (or source) and the field, and says what is wrong, e.g.
 * {@code features.yaml line 14: feature 'spend_1h', field 'window': '90s' is not a window; ...}.
 */
public final class DefinitionException extends RuntimeException {
  public DefinitionException(String message) {
    super(message);
  }
}
