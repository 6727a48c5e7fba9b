package dev.freshet.serving.limits;

import dev.freshet.serving.ApiRoute;
import dev.freshet.serving.auth.Caller;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Per key and route: a token bucket (Bucket4j) refilled at the route's requests per second, with a
 * second's worth of burst; per key: how many generations it may have in flight, so one client
 * cannot fill the model's queue for everyone.
 */
public final class ClientLimits {
  /** The outcome of one request against its bucket, with what the {@code RateLimit-*} headers say. */
  public record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {}

  private record BucketKey(String keyId, ApiRoute route, int perSecond) {}

  private final Map<ApiRoute, Integer> perSecond;
  private final int generationsInFlight;
  private final Map<BucketKey, Bucket> buckets = new ConcurrentHashMap<>();
  private final Map<String, Semaphore> inFlight = new ConcurrentHashMap<>();

  /** @param perSecond each route's rate for keys that set none of their own */
  public ClientLimits(Map<ApiRoute, Integer> perSecond, int generationsInFlight) {
    this.perSecond = Map.copyOf(perSecond);
    this.generationsInFlight = generationsInFlight;
  }

  public Decision tryAcquire(Caller caller, ApiRoute route) {
    int rate = caller.limits().getOrDefault(route.limitName(), perSecond.get(route));
    // A key's rate is part of the bucket's identity: a rotated keys file with a new rate gets a new bucket.
    Bucket bucket = buckets.computeIfAbsent(new BucketKey(caller.keyId(), route, rate), k -> Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(rate).refillGreedy(rate, Duration.ofSeconds(1)).build()).build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    return new Decision(probe.isConsumed(), rate, probe.getRemainingTokens(), seconds(probe.getNanosToWaitForReset()),
        seconds(probe.getNanosToWaitForRefill()));
  }

  /** A permit for one generation of this key, or null when it has its maximum in flight; release it when answered. */
  public Semaphore generation(Caller caller) {
    Semaphore permits = inFlight.computeIfAbsent(caller.keyId(), k -> new Semaphore(generationsInFlight));
    return permits.tryAcquire() ? permits : null;
  }

  public int generationsInFlight() {
    return generationsInFlight;
  }

  private static long seconds(long nanos) {
    return Math.max(0, (nanos + 999_999_999L) / 1_000_000_000L);
  }
}
