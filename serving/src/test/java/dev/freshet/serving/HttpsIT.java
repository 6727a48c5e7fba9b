package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.common.PemTrust;
import dev.freshet.common.Settings;
import dev.freshet.embedded.TestCertificates;
import dev.freshet.serving.auth.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API over HTTPS from PEM files a test makes (its own CA): a client trusting that CA gets its
 * answer, plain HTTP gets none, and a renewed certificate written over the files is served
 * without a restart.
 */
class HttpsIT {
  @TempDir Path dir;

  @Test
  void theApiAnswersOverTlsWithThePemCertificateAndServesARenewedOneWithoutARestart() throws Exception {
    TestCertificates first = TestCertificates.create(dir.resolve("first"), "api");
    TestCertificates renewed = TestCertificates.create(dir.resolve("renewed"), "api");
    Path chain = dir.resolve("served-chain.pem");
    Path key = dir.resolve("served-key.pem");
    Files.copy(first.chain(), chain);
    Files.copy(first.key(), key);
    String token = TestKeys.add(dir.resolve("api-keys.json"), "reader", Set.of(Scope.FEATURES_READ));
    try (ServingService serving = ServingService.start(ServingConfig.from(Settings.of(Map.ofEntries(
        Map.entry("cql.contact-points", "127.0.0.1:1"),
        Map.entry("http.port", "0"),
        Map.entry("admin.port", "0"),
        Map.entry("ops.port", "0"),
        Map.entry("http.tls.certificate", chain.toString()),
        Map.entry("http.tls.key", key.toString()),
        Map.entry("http.tls.reload-interval", "200ms"),
        Map.entry("auth.keys-file", dir.resolve("api-keys.json").toString()),
        Map.entry("generation-log.enabled", "false"),
        Map.entry("generator.scratch-dir", dir.resolve("scratch").toString())))))) {
      URI models = URI.create("https://127.0.0.1:" + serving.port() + "/v1/models");
      HttpResponse<String> answer = get(trusting(first.ca()), models, token);
      assertThat(answer.statusCode()).isEqualTo(200);
      ContractCheck.assertKept("GET", "/v1/models", answer.statusCode(), answer.body());
      assertThat(serial(answer)).isEqualTo(serial(first.certificate()));

      assertThatThrownBy(() -> get(trusting(renewed.ca()), models, token)).as("a CA the client does not know")
          .isInstanceOf(SSLHandshakeException.class);
      assertThatThrownBy(() -> get(HttpClient.newHttpClient(), URI.create("http://127.0.0.1:" + serving.port() + "/v1/models"), token))
          .as("plain HTTP on the TLS port").isInstanceOf(IOException.class);

      // Renewal: key first, then the chain (as a deploy tool writes them); each replaced atomically.
      Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
      Files.copy(renewed.chain(), chain.resolveSibling("chain.tmp"));
      Files.move(chain.resolveSibling("chain.tmp"), chain, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      HttpResponse<String> after = null;
      while (System.nanoTime() < deadline) {
        try {
          after = get(trusting(renewed.ca()), models, token);
          break;
        } catch (SSLHandshakeException notYet) {
          Thread.sleep(100);
        }
      }
      assertThat(after).as("the renewed certificate served within 20 s").isNotNull();
      assertThat(after.statusCode()).isEqualTo(200);
      assertThat(serial(after)).isEqualTo(serial(renewed.certificate()));
    }
  }

  /** A fresh client each time: a kept-alive connection would still show the old certificate. */
  private static HttpClient trusting(Path ca) throws Exception {
    return HttpClient.newBuilder().sslContext(PemTrust.sslContext(ca)).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static HttpResponse<String> get(HttpClient client, URI uri, String token) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Object serial(HttpResponse<String> answer) throws Exception {
    return ((X509Certificate) answer.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
  }

  private static Object serial(Path certificate) throws Exception {
    try (InputStream in = Files.newInputStream(certificate)) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getSerialNumber();
    }
  }
}
