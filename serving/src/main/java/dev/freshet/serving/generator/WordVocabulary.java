package dev.freshet.serving.generator;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A closed word-level vocabulary and its tokenizer: lower-cased words and punctuation; numbers
 * become {@code <num>}, anything unseen in training becomes {@code <unk>}.
 */
public final class WordVocabulary {
  public static final String PAD = "<pad>";
  public static final String UNK = "<unk>";
  public static final String BOS = "<bos>";
  public static final String SEP = "<sep>";
  public static final String EOS = "<eos>";
  public static final String NUM = "<num>";
  private static final Pattern TOKEN = Pattern.compile("[a-z_']+|[0-9]+(?:\\.[0-9]+)?|[.,;:!?]");

  private final List<String> tokens;
  private final Map<String, Integer> index = new HashMap<>();

  private WordVocabulary(List<String> tokens) {
    this.tokens = List.copyOf(tokens);
    for (int i = 0; i < tokens.size(); i++) {
      index.put(tokens.get(i), i);
    }
  }

  /** Special tokens first, in a fixed order, then {@code words} in first-seen order. */
  public static WordVocabulary of(Collection<String> words) {
    LinkedHashSet<String> all = new LinkedHashSet<>(List.of(PAD, UNK, BOS, SEP, EOS, NUM));
    all.addAll(words);
    return new WordVocabulary(new ArrayList<>(all));
  }

  public static WordVocabulary fromLines(List<String> lines) {
    return new WordVocabulary(lines.stream().filter(l -> !l.isEmpty()).toList());
  }

  public static List<String> tokenize(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      String t = m.group();
      out.add(Character.isDigit(t.charAt(0)) ? NUM : t);
    }
    return out;
  }

  public int id(String token) {
    return index.getOrDefault(token, index.get(UNK));
  }

  public String token(int id) {
    return tokens.get(id);
  }

  public boolean contains(String token) {
    return index.containsKey(token);
  }

  public int size() {
    return tokens.size();
  }

  public List<String> tokens() {
    return tokens;
  }

  /** Joins generated words into text, with punctuation attached to the word before it. */
  public static String detokenize(List<String> words) {
    StringBuilder sb = new StringBuilder();
    for (String w : words) {
      boolean punct = w.length() == 1 && ".,;:!?".indexOf(w.charAt(0)) >= 0;
      if (sb.length() > 0 && !punct) {
        sb.append(' ');
      }
      sb.append(w);
    }
    return sb.toString();
  }
}
