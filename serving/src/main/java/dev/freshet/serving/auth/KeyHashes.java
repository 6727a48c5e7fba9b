package dev.freshet.serving.auth;

import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Tokens and their hashes. A token is {@code <id>.<secret>}: the id says which stored hash to
 * check (no scan over all keys), the secret is 32 random bytes. Stored is only bcrypt of the
 * whole token, salted, by Bouncy Castle.
 */
public final class KeyHashes {
  /** bcrypt's work factor: ~50 ms a check here; verified tokens are remembered (see {@link ApiKeys}). */
  static final int COST = 10;
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyHashes() {}

  public static String newToken(String keyId) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return keyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  public static String hash(String token) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", token.toCharArray(), salt, COST);
  }

  static boolean matches(String token, String hash) {
    try {
      return OpenBSDBCrypt.checkPassword(hash, token.toCharArray());
    } catch (IllegalArgumentException e) {
      return false; // not a bcrypt hash: the file's loader refuses those, so only a token can be this odd
    }
  }

  /** The id part of a token, or null when it has none. */
  static String keyId(String token) {
    int dot = token.indexOf('.');
    return dot <= 0 ? null : token.substring(0, dot);
  }
}
