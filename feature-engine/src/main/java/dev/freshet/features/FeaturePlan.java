package dev.freshet.features;

import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The feature definitions prepared for incremental aggregation: every source and feature, indexed. */
final class FeaturePlan {
  final FeatureDefinitions definitions;
  final List<SourcePlan> sources = new ArrayList<>();
  /** Every feature, in definition order: the order of a vector's values. */
  final List<FeatureSlot> slots = new ArrayList<>();
  /** The features' names, in the same order. */
  final FeatureValues.Names featureNames;
  private final Map<String, SourcePlan> byName = new HashMap<>();

  FeaturePlan(FeatureDefinitions definitions) {
    this.definitions = definitions;
    for (SourceDefinition source : definitions.sources()) {
      SourcePlan plan = new SourcePlan(sources.size(), source);
      for (FeatureDefinition f : source.features()) {
        FeatureSlot slot = new FeatureSlot(slots.size(), f, plan);
        slots.add(slot);
        plan.add(slot);
      }
      sources.add(plan);
      byName.put(source.name(), plan);
    }
    this.featureNames = new FeatureValues.Names(slots.stream().map(FeatureSlot::name).toArray(String[]::new));
  }

  SourcePlan source(String name) {
    SourcePlan plan = byName.get(name);
    if (plan == null) {
      throw new IllegalArgumentException("no source named " + name + " in the feature definitions");
    }
    return plan;
  }

  TypedRow typed(SourceRow row) {
    return source(row.source()).typed(row);
  }
}
