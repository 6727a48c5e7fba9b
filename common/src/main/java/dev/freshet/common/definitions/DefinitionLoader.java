package dev.freshet.common.definitions;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and validates a definition file from YAML nodes, which keep their line numbers, so every
 * error can say where it is, which feature, which field and what would be right.
 */
final class DefinitionLoader {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([smhd])");
  private static final int MAX_SIZE = 100;

  private final String origin;

  DefinitionLoader(String origin) {
    this.origin = origin;
  }

  FeatureDefinitions load(String text) {
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      throw new DefinitionException(origin + " line " + (e.getProblemMark().getLine() + 1) + ": not valid YAML: " + e.getProblem());
    }
    if (root == null) {
      throw new DefinitionException(origin + ": the file is empty");
    }
    Fields top = new Fields(root, null, Set.of("version", "entity", "sources"));
    int version = top.positiveInt("version");
    String entity = top.name("entity");
    Node sourcesNode = top.require("sources");
    List<SourceDefinition> sources = new ArrayList<>();
    Set<String> featureNames = new HashSet<>();
    Set<String> sourceNames = new HashSet<>();
    for (Node s : sequence(sourcesNode, "the file", "sources")) {
      SourceDefinition source = source(s, featureNames);
      if (!sourceNames.add(source.name())) {
        throw new DefinitionException(at(s) + "source '" + source.name() + "' is declared twice");
      }
      sources.add(source);
    }
    if (sources.isEmpty()) {
      throw new DefinitionException(at(sourcesNode) + "field 'sources': declare at least one source");
    }
    return new FeatureDefinitions(version, entity, List.copyOf(sources));
  }

  private SourceDefinition source(Node node, Set<String> featureNames) {
    Fields f = new Fields(node, "source", Set.of(
        "name", "table", "topic", "primary_key", "entity_key", "event_time", "allowed_lateness", "replica_identity", "columns", "features"));
    String name = f.name("name");
    String table = f.string("table");
    String topic = f.optionalString("topic", "freshet." + (table.contains(".") ? table : "public." + table));
    Map<String, ColumnType> columns = columns(f.require("columns"), f.owner);
    String primaryKey = f.column("primary_key", columns);
    String entityKey = f.column("entity_key", columns);
    String eventTime = f.column("event_time", columns);
    for (String key : List.of("primary_key", "entity_key")) {
      ColumnType t = columns.get(key.equals("primary_key") ? primaryKey : entityKey);
      if (t != ColumnType.LONG && t != ColumnType.STRING) {
        throw f.error(key, "must name a long or string column, not a " + t.yamlName() + " one");
      }
    }
    if (columns.get(eventTime) != ColumnType.TIMESTAMP) {
      throw f.error("event_time", "column '" + eventTime + "' is " + columns.get(eventTime).yamlName() + "; it must be a timestamp");
    }
    Duration lateness = f.duration("allowed_lateness", Duration.ofMinutes(5));
    String identity = f.optionalString("replica_identity", "default");
    SourceDefinition.ReplicaIdentity replicaIdentity = switch (identity) {
      case "default" -> SourceDefinition.ReplicaIdentity.DEFAULT;
      case "full" -> SourceDefinition.ReplicaIdentity.FULL;
      default -> throw f.error("replica_identity", "'" + identity + "' is not one of default, full");
    };
    List<FeatureDefinition> features = new ArrayList<>();
    Node featuresNode = f.require("features");
    for (Node fn : sequence(featuresNode, f.owner, "features")) {
      FeatureDefinition feature = feature(fn, columns);
      if (!featureNames.add(feature.name())) {
        throw new DefinitionException(at(fn) + "feature '" + feature.name() + "' is declared twice (names must be unique across sources)");
      }
      features.add(feature);
    }
    if (features.isEmpty()) {
      throw f.error("features", "declare at least one feature");
    }
    return new SourceDefinition(name, table, topic, primaryKey, entityKey, eventTime, lateness, columns, replicaIdentity, List.copyOf(features));
  }

  private Map<String, ColumnType> columns(Node node, String owner) {
    if (!(node instanceof MappingNode m)) {
      throw new DefinitionException(at(node) + owner + ", field 'columns': expected a mapping of column name to type");
    }
    Map<String, ColumnType> columns = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      String column = scalar(t.getKeyNode(), owner, "columns");
      String typeName = scalar(t.getValueNode(), owner, "columns." + column);
      ColumnType type = ColumnType.named(typeName);
      if (type == null) {
        throw new DefinitionException(at(t.getValueNode()) + owner + ", column '" + column + "': unknown type '" + typeName
            + "' (one of: string, long, decimal, timestamp, boolean)");
      }
      if (columns.put(column, type) != null) {
        throw new DefinitionException(at(t.getKeyNode()) + owner + ": column '" + column + "' is declared twice");
      }
    }
    return columns;
  }

  private FeatureDefinition feature(Node node, Map<String, ColumnType> columns) {
    Fields f = new Fields(node, "feature", Set.of("name", "aggregation", "column", "filter", "window", "k", "n", "approximate"));
    String name = f.name("name");
    String aggregationName = f.string("aggregation");
    Aggregation aggregation = Aggregation.named(aggregationName);
    if (aggregation == null) {
      throw f.error("aggregation", "unknown aggregation '" + aggregationName + "' (one of: " + Aggregation.names() + ")");
    }
    String column = null;
    if (f.has("column")) {
      column = f.column("column", columns);
      ColumnType type = columns.get(column);
      if (aggregation.numericOnly() && !type.isNumeric()) {
        throw f.error("column", aggregation.yamlName() + " needs a long or decimal column; '" + column + "' is " + type.yamlName());
      }
      if ((aggregation == Aggregation.MIN || aggregation == Aggregation.MAX) && type == ColumnType.BOOLEAN) {
        throw f.error("column", aggregation.yamlName() + " needs an ordered column; '" + column + "' is boolean");
      }
    } else if (aggregation.needsColumn()) {
      throw f.error("column", aggregation.yamlName() + " needs a column: add 'column: <one of " + String.join(", ", columns.keySet()) + ">'");
    }
    Filter filter = Filter.ALL;
    if (f.has("filter")) {
      try {
        filter = Filter.parse(f.string("filter"), columns);
      } catch (IllegalArgumentException e) {
        throw f.error("filter", e.getMessage());
      }
    }
    String windowText = f.string("window");
    Window window = Window.parse(windowText);
    if (window == null) {
      throw f.error("window", "'" + windowText + "' is not a window; write minutes, hours or days like 30m, 1h, 7d, or 'lifetime'");
    }
    if (!window.isLifetime() && (window.length().compareTo(Window.SHORTEST) < 0 || window.length().compareTo(Window.LONGEST) > 0)) {
      throw f.error("window", "'" + windowText + "' is outside the supported range 1m..30d (or 'lifetime')");
    }
    int size = 0;
    for (String sizeField : List.of("k", "n")) {
      if (f.has(sizeField) && !sizeField.equals(aggregation.sizeField())) {
        throw f.error(sizeField, "only " + (sizeField.equals("k") ? "top_k" : "last_n") + " takes '" + sizeField + "'");
      }
    }
    if (aggregation.needsSize()) {
      size = f.positiveInt(aggregation.sizeField());
      if (size > MAX_SIZE) {
        throw f.error(aggregation.sizeField(), size + " is too large (at most " + MAX_SIZE + ")");
      }
    }
    boolean approximate = f.has("approximate") && f.bool("approximate");
    if (approximate && aggregation != Aggregation.COUNT_DISTINCT) {
      throw f.error("approximate", "only count_distinct can be approximate");
    }
    if (approximate && window.isLifetime()) {
      throw f.error("approximate", "a HyperLogLog sketch cannot forget a deleted row, so an approximate count_distinct needs a window, not lifetime");
    }
    return new FeatureDefinition(name, aggregation, column, filter, window, size, approximate);
  }

  private List<Node> sequence(Node node, String owner, String field) {
    if (!(node instanceof SequenceNode s)) {
      throw new DefinitionException(at(node) + owner + ", field '" + field + "': expected a list (lines starting with '- ')");
    }
    return s.getValue();
  }

  private String scalar(Node node, String owner, String field) {
    if (!(node instanceof ScalarNode s)) {
      throw new DefinitionException(at(node) + owner + ", field '" + field + "': expected a single value");
    }
    return s.getValue();
  }

  private String at(Node node) {
    return origin + " line " + (node.getStartMark().getLine() + 1) + ": ";
  }

  /** The fields of one mapping node, checked against the allowed names. */
  private final class Fields {
    private final Node node;
    private final Map<String, NodeTuple> byName = new LinkedHashMap<>();
    private String owner;

    /** {@code kind} is "feature", "source" or null for the top level; a named one is called by its name. */
    Fields(Node node, String kind, Set<String> allowed) {
      this.node = node;
      this.owner = kind == null ? "the file" : "a " + kind;
      if (!(node instanceof MappingNode m)) {
        throw new DefinitionException(at(node) + owner + ": expected a mapping of 'field: value' lines");
      }
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("name") && t.getValueNode() instanceof ScalarNode v) {
          owner = kind + " '" + v.getValue() + "'";
        }
      }
      for (NodeTuple t : m.getValue()) {
        String key = scalar(t.getKeyNode(), owner, "?");
        if (!allowed.contains(key)) {
          throw new DefinitionException(at(t.getKeyNode()) + owner + ": unknown field '" + key + "' (allowed: "
              + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
        if (byName.put(key, t) != null) {
          throw new DefinitionException(at(t.getKeyNode()) + owner + ": field '" + key + "' is given twice");
        }
      }
    }

    boolean has(String field) {
      return byName.containsKey(field);
    }

    Node require(String field) {
      NodeTuple t = byName.get(field);
      if (t == null) {
        throw new DefinitionException(at(node) + owner + ": missing field '" + field + "'");
      }
      return t.getValueNode();
    }

    String string(String field) {
      String s = scalar(require(field), owner, field);
      if (s.isBlank()) {
        throw error(field, "must not be empty");
      }
      return s;
    }

    String optionalString(String field, String fallback) {
      return has(field) ? string(field) : fallback;
    }

    String name(String field) {
      String s = string(field);
      if (!NAME.matcher(s).matches()) {
        throw error(field, "'" + s + "' is not a valid name (lower case letters, digits and _, starting with a letter)");
      }
      return s;
    }

    String column(String field, Map<String, ColumnType> columns) {
      String s = string(field);
      if (!columns.containsKey(s)) {
        throw error(field, "'" + s + "' is not a declared column (declared: " + String.join(", ", columns.keySet()) + ")");
      }
      return s;
    }

    int positiveInt(String field) {
      String s = string(field);
      try {
        int v = Integer.parseInt(s);
        if (v > 0) {
          return v;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw error(field, "'" + s + "' is not a positive whole number");
    }

    boolean bool(String field) {
      String s = string(field);
      if (!s.equals("true") && !s.equals("false")) {
        throw error(field, "'" + s + "' is not true or false");
      }
      return Boolean.parseBoolean(s);
    }

    Duration duration(String field, Duration fallback) {
      if (!has(field)) {
        return fallback;
      }
      String s = string(field);
      Matcher m = DURATION.matcher(s.trim());
      if (!m.matches()) {
        throw error(field, "'" + s + "' is not a duration; write e.g. 30s, 5m, 1h or 1d");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }

    DefinitionException error(String field, String message) {
      NodeTuple t = byName.get(field);
      return new DefinitionException(at(t == null ? node : t.getValueNode()) + owner + ", field '" + field + "': " + message);
    }
  }
}
