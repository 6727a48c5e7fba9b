package dev.freshet.common.freshness;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The consistency token an application passes as {@code min_lsn} to read its own writes: the
 * source's WAL insert position read <em>after</em> the write's transaction committed, on any
 * connection to the source.
 *
 * <p>Why after: a position read inside the transaction (or in {@code INSERT … RETURNING}) lies
 * below the transaction's commit record. Freshet's watermark message can be written after that
 * position and commit before the transaction does; logical decoding returns transactions in commit
 * order, so the watermark then passes the token while the write is not yet published. Read after
 * the commit, the token is at or past the end of the commit record, and any watermark at or past
 * it was written after that commit, so it comes back behind the write.
 *
 * <p>Why the insert position ({@code pg_current_wal_insert_lsn()}) and not
 * {@code pg_current_wal_lsn()}: with {@code synchronous_commit = off} a commit returns before its
 * record is written, and the write position can still be below it.
 */
public final class ConsistencyToken {
  /** Whether this transaction has written (then a token read now is unsound), and the insert position. */
  static final String QUERY = "SELECT pg_current_xact_id_if_assigned() IS NOT NULL, pg_current_wal_insert_lsn()::text";

  private ConsistencyToken() {}

  /**
   * The token for everything this application committed before the call, in PostgreSQL's text
   * form ({@code 0/16B3748}). Refuses (IllegalStateException) inside a transaction that has
   * written, where the token would not cover that transaction's own writes.
   */
  public static String afterCommit(Connection source) throws SQLException {
    try (Statement s = source.createStatement(); ResultSet rs = s.executeQuery(QUERY)) {
      rs.next();
      if (rs.getBoolean(1)) {
        throw new IllegalStateException("a consistency token must be read after COMMIT: this transaction has written and"
            + " not committed, and a token read now would not cover its writes");
      }
      return rs.getString(2);
    }
  }
}
