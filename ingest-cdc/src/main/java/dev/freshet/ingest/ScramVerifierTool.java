package dev.freshet.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.postgresql.util.PasswordUtil;

/**
 * Prints the SCRAM-SHA-256 verifier PostgreSQL stores for a password (read from stdin, never from
 * the command line), for Hiera's {@code profile::postgresql_source::replication_password_verifier}:
 * the source database's node gets the verifier, only ingest-cdc's node the password.
 */
public final class ScramVerifierTool {
  private ScramVerifierTool() {}

  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String password = in.readLine();
    if (password == null || password.isEmpty()) {
      System.err.println("give the password on stdin, e.g.: read -rs PW && printf '%s\\n' \"$PW\" | bin/pg-scram-verifier");
      System.exit(2);
    }
    System.out.println(PasswordUtil.encodeScramSha256(password.toCharArray()));
  }
}
