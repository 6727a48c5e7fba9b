package dev.freshet.local;

import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The demo workload against a PostgreSQL it did not start (docker-compose's {@code demo} profile):
 * creates the demo schema when missing, seeds the users, then writes changes until stopped.
 * Settings: {@code demo.jdbc-url}, {@code demo.user}, {@code demo.password}, {@code demo.users}, {@code demo.rate}.
 */
public final class DemoWorkloadMain {
  private DemoWorkloadMain() {}

  public static void main(String[] args) {
    ServiceMain.run("demo-workload", () -> {
      Settings s = Settings.fromArgs(args);
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setUrl(s.requireString("demo.jdbc-url"));
      ds.setUser(s.string("demo.user", "postgres"));
      ds.setPassword(s.string("demo.password", ""));
      DemoDatabase db = new DemoDatabase(ds);
      db.createSchema();
      DemoWorkload workload = new DemoWorkload(db, s.integer("demo.users", 50), s.number("demo.rate", 10), 7);
      workload.seedUsers();
      workload.start();
      return workload;
    });
  }
}
