package dev.freshet.serving.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyFileTest {
  @TempDir Path dir;

  @Test
  void aWrittenFileReadsBackAndItsHashMatchesOnlyItsToken() {
    String token = KeyHashes.newToken("app-1");
    ApiKey key = new ApiKey("app-1", KeyHashes.hash(token), Set.of(Scope.GENERATE), Instant.parse("2030-01-01T00:00:00Z"),
        Map.of("generate", 5));
    Path file = dir.resolve("keys.json");
    ApiKeyFile.write(file, List.of(key));
    assertThat(ApiKeyFile.read(file)).containsExactly(key);
    assertThat(KeyHashes.keyId(token)).isEqualTo("app-1");
    assertThat(KeyHashes.matches(token, key.hash())).isTrue();
    assertThat(KeyHashes.matches(token + "x", key.hash())).isFalse();
    assertThat(KeyHashes.matches(KeyHashes.newToken("app-1"), key.hash())).isFalse();
  }

  @Test
  void aFileWithABadEntryIsRefusedNamingTheKeyAndWhy() throws Exception {
    String hash = KeyHashes.hash(KeyHashes.newToken("a"));
    assertRefused("{\"keys\": [{\"id\": \"a\", \"hash\": \"plain\", \"scopes\": [\"generate\"]}]}", "key 'a'", "bcrypt");
    assertRefused("{\"keys\": [{\"id\": \"a\", \"hash\": \"" + hash + "\", \"scopes\": [\"root\"]}]}", "unknown scope 'root'");
    assertRefused("{\"keys\": [{\"id\": \"a\", \"hash\": \"" + hash + "\", \"scopes\": []}]}", "key 'a'", "no scopes");
    assertRefused("{\"keys\": [{\"id\": \"a.b\", \"hash\": \"" + hash + "\", \"scopes\": [\"generate\"]}]}", "key 'a.b'", "id must match");
    assertRefused("{\"keys\": [{\"id\": \"a\", \"hash\": \"" + hash + "\", \"scopes\": [\"generate\"], \"limits\": {\"gen\": 3}}]}",
        "key 'a'", "'gen'");
    assertRefused("{\"keys\": [{\"id\": \"a\", \"hash\": \"" + hash + "\", \"scopes\": [\"generate\"], \"limits\": {\"generate\": 0}}]}",
        "limits.generate must be a positive");
    String one = "{\"id\": \"a\", \"hash\": \"" + hash + "\", \"scopes\": [\"generate\"]}";
    assertRefused("{\"keys\": [" + one + ", " + one + "]}", "key 'a' is listed twice");
    assertRefused("{\"keys\": [", "end-of-input");
    assertRefused("keys: []", "not JSON");
  }

  private void assertRefused(String contents, String... saying) throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, contents);
    assertThatThrownBy(() -> ApiKeyFile.read(file)).isInstanceOf(ApiKeyFile.InvalidKeysFile.class)
        .hasMessageContainingAll(saying).hasMessageContaining(file.toString());
  }
}
