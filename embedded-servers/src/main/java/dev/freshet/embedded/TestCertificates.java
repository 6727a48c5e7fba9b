package dev.freshet.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates a test makes for itself (Bouncy Castle): a CA, and a server certificate it signs
 * for {@code 127.0.0.1} and {@code localhost}, as PEM files — what an operator would be handed.
 * EC P-256 keys (fast to make), the key in PKCS#8, owner-only (PostgreSQL insists).
 *
 * @param ca the CA's certificate: what clients trust
 * @param chain the server certificate followed by the CA's
 * @param key the server certificate's private key
 */
public record TestCertificates(Path ca, Path chain, Path key, Path certificate) {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A new CA and server certificate under {@code dir}, named {@code name}-*.pem. */
  public static TestCertificates create(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      KeyPair caKeys = keys();
      X500Name caName = new X500Name("CN=" + name + " test CA");
      X509Certificate ca = sign(new JcaX509v3CertificateBuilder(caName, serial(), from(), until(), caName, caKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)), caKeys);
      KeyPair serverKeys = keys();
      X509Certificate server = sign(new JcaX509v3CertificateBuilder(caName, serial(), from(), until(),
          new X500Name("CN=localhost"), serverKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")})), caKeys);
      TestCertificates files = new TestCertificates(dir.resolve(name + "-ca.pem"), dir.resolve(name + "-chain.pem"),
          dir.resolve(name + "-key.pem"), dir.resolve(name + "-cert.pem"));
      pem(files.ca(), ca);
      pem(files.chain(), server, ca);
      pem(files.certificate(), server);
      Files.deleteIfExists(files.key());
      Files.createFile(files.key(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      pem(files.key(), new JcaPKCS8Generator(serverKeys.getPrivate(), null));
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make test certificates", e);
    }
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
        .build(issuer.getPrivate())));
  }

  private static BigInteger serial() {
    return new BigInteger(64, RANDOM);
  }

  private static Date from() {
    return Date.from(Instant.now().minus(Duration.ofHours(1)));
  }

  private static Date until() {
    return Date.from(Instant.now().plus(Duration.ofDays(2)));
  }

  private static void pem(Path file, Object... objects) throws IOException {
    try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        pem.writeObject(o);
      }
    }
  }
}
