package dev.freshet.common;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread polling one topic for a sink: the handler sees every poll, commits where it decides,
 * and gets a last call on a clean stop. A handler failure stops the loop and is kept for health.
 * A stop first drains: what the topic held when the stop was asked for is still handed over
 * (for at most {@link #DRAIN_LIMIT}), so an orderly shutdown upstream-first leaves nothing behind.
 */
public final class ConsumerLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);
  static final Duration DRAIN_LIMIT = Duration.ofSeconds(10);

  /** What a sink does with the records; all calls happen on the loop thread. */
  public interface Handler {
    /** Called after every poll, also an empty one, so time-based work can run. */
    void onPoll(Consumer<String, String> consumer, ConsumerRecords<String, String> records) throws Exception;

    /** Called once on a clean stop, before the consumer closes: flush what is buffered. */
    default void onStop(Consumer<String, String> consumer) throws Exception {}

    default void onAssigned(Consumer<String, String> consumer, Collection<TopicPartition> partitions) {}

    default void onRevoked(Collection<TopicPartition> partitions) {}
  }

  private final String name;
  private final KafkaConsumer<String, String> consumer;
  private final Handler handler;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<String> failure = new AtomicReference<>();

  private ConsumerLoop(String name, Properties props, String topic, Handler handler) {
    this.name = name;
    this.handler = handler;
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    Thread thread = new Thread(() -> run(topic), name);
    thread.start();
  }

  /** Kafka's own default: how long a crashed sink's partitions wait for it unless configured. */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);

  public static ConsumerLoop start(String name, Properties props, String topic, Handler handler) {
    return new ConsumerLoop(name, props, topic, handler);
  }

  /**
   * A consumer group member that commits only what its sink has made durable, and sees only
   * records of committed transactions (the features topic is written transactionally by Streams).
   * A member that crashed keeps its partitions for {@code sessionTimeout} before the group moves
   * them to a live one (the broker allows 6 s to 5 min).
   */
  public static Properties sinkConsumerProperties(KafkaConnection kafka, String groupId, Duration sessionTimeout) {
    Properties c = kafka.properties();
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(sessionTimeout.toMillis()));
    c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // A read_committed fetch is not woken when a transaction marker moves the stable offset: it
    // waits out fetch.max.wait.ms (500 ms by default) before returning the newly committed records.
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
    return c;
  }

  private void run(String topic) {
    try {
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          handler.onRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          handler.onAssigned(consumer, partitions);
        }
      });
      while (running.get()) {
        handler.onPoll(consumer, consumer.poll(Duration.ofMillis(200)));
      }
      drain();
      handler.onStop(consumer);
    } catch (Exception e) {
      failure.set(e.toString());
      LOG.error("{} stopped: {}", name, e.toString(), e);
    } finally {
      consumer.close();
      stopped.countDown();
    }
  }

  /** Polls until every assigned partition is read up to where it ended when the stop began. */
  private void drain() throws Exception {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
    while (behind(end) > 0) {
      if (System.nanoTime() > deadline) {
        LOG.warn("{} stopping with {} records not read: draining took longer than {} s", name, behind(end),
            DRAIN_LIMIT.toSeconds());
        return;
      }
      handler.onPoll(consumer, consumer.poll(Duration.ofMillis(100)));
    }
  }

  private long behind(Map<TopicPartition, Long> end) {
    long behind = 0;
    for (TopicPartition tp : consumer.assignment()) {
      Long last = end.get(tp);
      behind += last == null ? 0 : Math.max(0, last - consumer.position(tp));
    }
    return behind;
  }

  /** Null while the loop runs or stopped cleanly, else what stopped it. */
  public String failure() {
    return failure.get();
  }

  public OpsServer.Health health(String whatItDoes) {
    String f = failure.get();
    return f == null ? new OpsServer.Health(true, whatItDoes) : new OpsServer.Health(false, f);
  }

  /** Stops polling after a drain, lets the handler finish ({@link Handler#onStop}) and waits up to 30 s. */
  @Override
  public void close() {
    running.set(false); // the loop sees it within one poll (200 ms)
    try {
      if (!stopped.await(30, TimeUnit.SECONDS)) {
        LOG.warn("{} did not stop within 30 s", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
