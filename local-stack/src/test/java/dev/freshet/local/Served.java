package dev.freshet.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/** Waits on what the pipeline serves: a user's features over HTTP, rows in an Iceberg table. */
final class Served {
  static final Duration WAIT = Duration.ofSeconds(60);

  private Served() {}

  static JsonNode awaitFeatures(HttpJson http, long user, Predicate<JsonNode> done) {
    return Await.until(WAIT, "features of user " + user, () -> {
      HttpJson.Response r = http.get("/v1/users/" + user + "/features");
      return r.status() == 200 ? r.body() : null;
    }, f -> f != null && done.test(f));
  }

  /** The table's rows whose {@code column} equals {@code value}, once one of them matches {@code done}. */
  static List<Record> awaitRows(Table table, String column, Object value, Predicate<Record> done) {
    return Await.until(WAIT, table.name() + " rows with " + column + " = " + value, () -> {
      table.refresh();
      try (CloseableIterable<Record> it = IcebergGenerics.read(table).where(Expressions.equal(column, value)).build()) {
        List<Record> found = new ArrayList<>();
        it.forEach(found::add);
        return found;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, rows -> rows.stream().anyMatch(done));
  }
}
