package dev.freshet.local.chaos;

/** A named fault: {@link #inject} puts it in and returns once it is over (every process and server back). */
public record Fault(String name, Action action) {
  @FunctionalInterface
  public interface Action {
    void inject(ChaosRun run) throws Exception;
  }
}
