package dev.freshet.features;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A vector's feature values as an immutable map over two arrays, names and values, in definition
 * order: built once per published vector, where filling a hash map was a tenth of the aggregator's
 * time. Lookups by name are linear, for tests; serialization iterates.
 */
final class FeatureValues extends AbstractMap<String, Object> {
  private final String[] names;
  private final Object[] values;

  FeatureValues(String[] names, Object[] values) {
    this.names = names;
    this.values = values;
  }

  @Override
  public Set<Map.Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, Object>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < names.length;
          }

          @Override
          public Map.Entry<String, Object> next() {
            if (next >= names.length) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new AbstractMap.SimpleImmutableEntry<>(names[i], values[i]);
          }
        };
      }

      @Override
      public int size() {
        return names.length;
      }
    };
  }
}
