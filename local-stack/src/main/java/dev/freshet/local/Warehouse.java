package dev.freshet.local;

import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.jdbc.JdbcCatalog;

/** Opens the catalog an offline-sink wrote into a warehouse directory (its defaults), to read what it committed. */
public final class Warehouse {
  private Warehouse() {}

  public static JdbcCatalog catalog(Path warehouse) {
    JdbcCatalog catalog = new JdbcCatalog();
    catalog.setConf(new Configuration());
    catalog.initialize("freshet", Map.of(CatalogProperties.URI, "jdbc:sqlite:" + warehouse.resolve("catalog.db"),
        CatalogProperties.WAREHOUSE_LOCATION, warehouse.toUri().toString(), "jdbc.schema-version", "V1"));
    return catalog;
  }
}
