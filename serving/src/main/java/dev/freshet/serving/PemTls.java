package dev.freshet.serving;

import dev.freshet.common.Schedulers;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS for a listener from a PEM certificate chain and key (what ACME clients and most CAs hand
 * out), read again when either file changes, so a renewed certificate is served without a restart
 * (new connections get it; open ones keep theirs). A pair that does not load is logged and the
 * one loaded before stays.
 */
final class PemTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PemTls.class);
  private static final char[] IN_MEMORY = "in-memory".toCharArray();

  private final Path chain;
  private final Path key;
  private final SslContextFactory.Server factory = new SslContextFactory.Server();
  private final ScheduledExecutorService reloader = Schedulers.daemon("tls-reload");
  private volatile List<FileTime> loaded;

  PemTls(Path chain, Path key, java.time.Duration reloadInterval) {
    this.chain = chain;
    this.key = key;
    factory.setKeyStore(keyStore(chain, key));
    factory.setKeyStorePassword(new String(IN_MEMORY));
    factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    loaded = modified();
    long every = reloadInterval.toMillis();
    reloader.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
  }

  /** An HTTPS connector on {@code host}:{@code port} serving this certificate. */
  Connector connector(Server server, HttpConfiguration http, String host, int port) {
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false); // clients reach it by IP address too
    http.addCustomizer(secure);
    ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(factory, "http/1.1"), new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }

  private void reloadIfChanged() {
    List<FileTime> now = modified();
    if (now.equals(loaded)) {
      return;
    }
    try {
      KeyStore store = keyStore(chain, key);
      factory.reload(f -> f.setKeyStore(store));
      LOG.info("TLS certificate reloaded from {}", chain);
    } catch (Exception e) {
      LOG.error("TLS certificate {} or key {} changed but did not load; the one loaded before stays: {}", chain, key, e.getMessage());
    }
    loaded = now;
  }

  private List<FileTime> modified() {
    try {
      return List.of(Files.getLastModifiedTime(chain), Files.getLastModifiedTime(key));
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The chain and its key as an in-memory key store; fails naming the file that did not parse. */
  static KeyStore keyStore(Path chain, Path key) {
    try {
      List<? extends Certificate> certificates;
      try (var in = Files.newInputStream(chain)) {
        certificates = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
      }
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + chain);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", privateKey(key), IN_MEMORY, certificates.toArray(Certificate[]::new));
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS files " + chain + ", " + key, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("TLS certificate " + chain + " does not load: " + e.getMessage(), e);
    }
  }

  /** PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM, unencrypted. */
  private static PrivateKey privateKey(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file); PEMParser pem = new PEMParser(reader)) {
      Object parsed = pem.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (parsed instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      if (parsed instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new IllegalArgumentException("no unencrypted private key in " + file);
    }
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }
}
