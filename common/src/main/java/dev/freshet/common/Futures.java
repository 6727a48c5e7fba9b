package dev.freshet.common;

import java.util.concurrent.CompletionException;

/** Small helpers for {@link java.util.concurrent.CompletableFuture} callbacks. */
public final class Futures {
  private Futures() {}

  /** The failure a dependent stage saw: {@link CompletionException} unwrapped to what was thrown. */
  public static Throwable cause(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }
}
