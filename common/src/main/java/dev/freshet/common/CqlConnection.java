package dev.freshet.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;

/**
 * Where a service's CQL session connects and how: the contact points and local datacenter, and
 * for a secured cluster a login (PasswordAuthenticator) and TLS against the cluster's CA.
 *
 * @param contactPoints {@code host:port[,host:port...]}
 * @param username null: no login
 * @param trustedCa PEM file of the CA that signed the nodes' certificates; null: no TLS
 * @param hostnameValidation whether a node's certificate must name the address it was reached by
 */
public record CqlConnection(String contactPoints, String localDatacenter, String username, String password, Path trustedCa,
    boolean hostnameValidation) {

  /** A cluster without login or TLS (the local run, tests). */
  public static CqlConnection plain(String contactPoints, String localDatacenter) {
    return new CqlConnection(contactPoints, localDatacenter, null, null, null, false);
  }

  /** From {@code cql.contact-points}, {@code cql.local-datacenter}, {@code cql.username}/{@code cql.password} and {@code cql.ssl.*}. */
  public static CqlConnection from(Settings s) {
    String user = s.string("cql.username", "");
    String ca = s.string("cql.ssl.truststore", "");
    return new CqlConnection(s.requireString("cql.contact-points"), s.string("cql.local-datacenter", "datacenter1"),
        user.isBlank() ? null : user, user.isBlank() ? null : s.requireString("cql.password"), ca.isBlank() ? null : Path.of(ca),
        Boolean.parseBoolean(s.string("cql.ssl.hostname-validation", "true")));
  }

  /** A TLS context trusting only {@link #trustedCa()}; null without TLS. */
  public SSLContext sslContext() {
    if (trustedCa == null) {
      return null;
    }
    try {
      return PemTrust.sslContext(trustedCa);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read cql.ssl.truststore " + trustedCa, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cql.ssl.truststore " + trustedCa + " is not a PEM certificate: " + e.getMessage(), e);
    }
  }

  /** Never the password: this record is logged with the config. */
  @Override
  public String toString() {
    return "CqlConnection[" + contactPoints + " (" + localDatacenter + ")" + (username == null ? "" : " as " + username)
        + (trustedCa == null ? "" : ", TLS trusting " + trustedCa) + "]";
  }
}
