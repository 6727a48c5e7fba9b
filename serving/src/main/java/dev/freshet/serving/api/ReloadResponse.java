package dev.freshet.serving.api;

/** A model name, the id it served before the reload and the id it serves now. */
public record ReloadResponse(String model, String previous, String current) {}
