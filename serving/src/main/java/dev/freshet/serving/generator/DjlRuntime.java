package dev.freshet.serving.generator;

/**
 * DJL settings that must be in place before the engine loads: never reach for the network (the
 * native PyTorch library comes from the pytorch-native-cpu jar), and one intra-op thread per
 * request thread, which keeps tail latency flat on small hosts. Explicit -D flags win.
 */
final class DjlRuntime {
  private DjlRuntime() {}

  static void configure() {
    setDefault("ai.djl.offline", "true");
    setDefault("ai.djl.pytorch.num_threads", "1");
    setDefault("ai.djl.pytorch.num_interop_threads", "1");
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
