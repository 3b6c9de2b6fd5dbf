package dev.hmd.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hmd.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MigrationsTest {

  @Test
  @DisplayName("migrations apply on a fresh database, and a second run changes nothing")
  void appliesOnFreshDatabase() throws Exception {
    DatabaseUrl url = TestDatabase.fresh();
    String first = Migrations.apply(url);
    String second = Migrations.apply(url);
    assertThat(first).isEqualTo(second).isNotEqualTo("none");
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
      ResultSet rs = c.createStatement().executeQuery(
        "select table_name from information_schema.tables where table_schema = 'public' order by 1");
      List<String> tables = new ArrayList<>();
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
      assertThat(tables).contains("tenants", "api_keys", "connections", "plans", "releases", "checks", "events",
        "event_counters", "audit_log");
    }
  }

  @Test
  @DisplayName("every table but tenants and the migration history carries tenant_id")
  void everyTenantTableHasTenantId() throws Exception {
    DatabaseUrl url = TestDatabase.fresh();
    Migrations.apply(url);
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
      ResultSet rs = c.createStatement().executeQuery("""
        select t.table_name from information_schema.tables t
        where t.table_schema = 'public' and t.table_type = 'BASE TABLE'
          and t.table_name not in ('tenants', 'flyway_schema_history')
          and not exists (select 1 from information_schema.columns c
                          where c.table_schema = 'public' and c.table_name = t.table_name
                            and c.column_name = 'tenant_id')
        """);
      List<String> missing = new ArrayList<>();
      while (rs.next()) {
        missing.add(rs.getString(1));
      }
      assertThat(missing).isEmpty();
    }
  }

  @Test
  @DisplayName("V5 numbers the audit entries already stored per tenant, in their order, and the next follows on")
  void auditEntriesNumberedPerTenant() throws Exception {
    DatabaseUrl url = TestDatabase.fresh();
    org.flywaydb.core.Flyway.configure().dataSource(url.jdbcUrl(), url.user(), url.password())
      .locations(Migrations.LOCATION).target("4").load().migrate();
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
      c.createStatement().execute("insert into tenants (id, name) values ('t_a', 'a'), ('t_b', 'b')");
      for (String tenant : new String[] {"t_a", "t_b", "t_b", "t_a", "t_b"}) {
        c.createStatement().execute("insert into audit_log (tenant_id, actor_name, action, target_type) values ('"
          + tenant + "', 'x', 'test', 'test')");
      }
      Migrations.apply(url);
      ResultSet rs = c.createStatement().executeQuery(
        "select tenant_id, seq from audit_log order by id");
      List<String> numbered = new ArrayList<>();
      while (rs.next()) {
        numbered.add(rs.getString(1) + ":" + rs.getLong(2));
      }
      assertThat(numbered).containsExactly("t_a:1", "t_b:1", "t_b:2", "t_a:2", "t_b:3");
      ResultSet counters = c.createStatement()
        .executeQuery("select tenant_id, last_seq from audit_counters order by 1");
      List<String> last = new ArrayList<>();
      while (counters.next()) {
        last.add(counters.getString(1) + ":" + counters.getLong(2));
      }
      assertThat(last).containsExactly("t_a:2", "t_b:3");
    }
  }

  @Test
  @DisplayName("a database that cannot be reached fails with a message naming it")
  void unreachableDatabase() {
    DatabaseUrl nowhere = DatabaseUrl.parse("postgresql://hmd:secret@127.0.0.1:1/nothing");
    assertThatThrownBy(() -> Migrations.apply(nowhere)).isInstanceOf(RuntimeException.class);
    assertThat(nowhere.toString()).doesNotContain("secret");
  }
}
