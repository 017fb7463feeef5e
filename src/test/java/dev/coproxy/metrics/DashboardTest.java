package dev.coproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's shape (what Grafana 10 needs to import it with any Prometheus data source) and
 * the reading of its PromQL that {@link DashboardIT} relies on, including that a query naming a
 * series the gateway does not export is reported.
 */
class DashboardTest {

  @Test
  void readsMetricsMatchersAndGroupingsOutOfPromQl() {
    PromQl ratio = PromQl.parse("sum by (api_id) (rate(coproxy_requests_total{api_id=~\"$api\",code=~\"5..\"}[$__rate_interval]))"
        + " / sum by (api_id) (rate(coproxy_requests_total{api_id=~\"${api}\"}[5m]))");
    assertEquals(Map.of("coproxy_requests_total", Set.of("api_id", "code")), ratio.matcherLabels());
    assertEquals(Set.of("api_id"), ratio.groupingLabels());
    assertEquals(Map.of(), ratio.exactMatchers());

    PromQl quantile = PromQl.parse("histogram_quantile(0.99, sum(rate(coproxy_hook_duration_seconds_bucket{driver=\"python\"}[1m])) by (le, driver)) > 1e-3");
    assertEquals(Set.of("coproxy_hook_duration_seconds_bucket"), quantile.metrics());
    assertEquals(Set.of("le", "driver"), quantile.groupingLabels());
    assertEquals(Map.of("coproxy_hook_duration_seconds_bucket", Set.of("driver=\"python\"")), quantile.exactMatchers());

    PromQl bare = PromQl.parse("min(coproxy_grpc_connected) or on (instance) vector(0) and process_cpu_usage offset 5m");
    assertEquals(Set.of("coproxy_grpc_connected", "process_cpu_usage"), bare.metrics());

    PromQl variable = PromQl.parse("label_values(coproxy_requests_total, api_id)");
    assertEquals(Set.of("coproxy_requests_total"), variable.metrics());
    assertEquals(Set.of("api_id"), variable.groupingLabels());
  }

  @Test
  void aQueryOfAnAbsentSeriesOrLabelIsAProblem() {
    String scrape = """
        # TYPE coproxy_requests_total counter
        coproxy_requests_total{api_id="a",code="200"} 1.0
        coproxy_idextractor_total{api_id="a",result="hit"} 1.0
        """;
    List<String> problems = DashboardIT.problems(List.of(
        new GrafanaDashboard.Query("ok", "sum by (code) (rate(coproxy_requests_total{api_id=~\"$api\"}[1m]))"),
        new GrafanaDashboard.Query("absent", "rate(coproxy_made_up_total[1m])"),
        new GrafanaDashboard.Query("label", "sum by (apiid) (rate(coproxy_requests_total[1m]))"),
        new GrafanaDashboard.Query("value", "coproxy_idextractor_total{result=\"hits\"}"),
        new GrafanaDashboard.Query("nothing", "vector(1)")), scrape);
    assertEquals(List.of(
        "absent: no series coproxy_made_up_total on /metrics",
        "label: grouped by apiid, which none of [coproxy_requests_total] has",
        "value: no series coproxy_idextractor_total{result=\"hits\"}",
        "nothing selects no metric: vector(1)"), problems);
  }

  @Test
  void everyPanelQueriesTheChosenPrometheusDataSource() throws Exception {
    GrafanaDashboard dashboard = GrafanaDashboard.load();
    JsonObject datasource = new JsonObject().put("type", "prometheus").put("uid", "${datasource}");
    JsonArray variables = dashboard.json().getJsonObject("templating").getJsonArray("list");
    JsonObject first = variables.getJsonObject(0);
    assertEquals("datasource", first.getString("name"));
    assertEquals("datasource", first.getString("type"));
    assertEquals("prometheus", first.getString("query"));
    Set<Integer> ids = new HashSet<>();
    for (JsonObject panel : dashboard.panels()) {
      String title = panel.getString("title");
      assertTrue(ids.add(panel.getInteger("id")), "panel ids are unique: " + title);
      assertEquals(datasource, panel.getJsonObject("datasource"), title);
      JsonArray targets = panel.getJsonArray("targets");
      assertFalse(targets.isEmpty(), title + " has a query");
      for (int i = 0; i < targets.size(); i++) {
        assertEquals(datasource, targets.getJsonObject(i).getJsonObject("datasource"), title);
      }
      JsonObject grid = panel.getJsonObject("gridPos");
      assertTrue(grid.getInteger("x") + grid.getInteger("w") <= 24, title + " fits the grid");
    }
    assertTrue(dashboard.queries().size() > 30, "the dashboard's queries are found");
  }
}
