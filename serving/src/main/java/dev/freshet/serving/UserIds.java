package dev.freshet.serving;

import java.util.regex.Pattern;

/** User ids as the API accepts them: 1–128 letters, digits, '-', '_' or '.'. */
final class UserIds {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  private UserIds() {}

  static String validate(String userId, String field) {
    if (userId == null || !VALID.matcher(userId).matches()) {
      throw ApiError.badField(field, field + " is required: 1-128 letters, digits, '-', '_' or '.'");
    }
    return userId;
  }
}
