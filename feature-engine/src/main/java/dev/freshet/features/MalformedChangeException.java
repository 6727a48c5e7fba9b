package dev.freshet.features;

/** A change event the topology cannot interpret; the message is the dead-letter reason. */
public final class MalformedChangeException extends RuntimeException {
  MalformedChangeException(String reason) {
    super(reason);
  }
}
