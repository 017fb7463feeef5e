package dev.coproxy.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The repository's Grafana dashboard, {@code grafana/coproxy-dashboard.json}, as the tests read it. */
record GrafanaDashboard(JsonObject json) {

  static final Path FILE = Path.of("grafana", "coproxy-dashboard.json");

  /** One query of the dashboard: where it is (panel title or variable name) and its PromQL. */
  record Query(String where, String expr) {
  }

  static GrafanaDashboard load() throws IOException {
    return new GrafanaDashboard(new JsonObject(Files.readString(FILE)));
  }

  /** Every panel, rows' collapsed panels included, rows themselves left out. */
  List<JsonObject> panels() {
    List<JsonObject> out = new ArrayList<>();
    collect(json.getJsonArray("panels", new JsonArray()), out);
    return out;
  }

  private static void collect(JsonArray panels, List<JsonObject> out) {
    for (int i = 0; i < panels.size(); i++) {
      JsonObject panel = panels.getJsonObject(i);
      if ("row".equals(panel.getString("type"))) {
        collect(panel.getJsonArray("panels", new JsonArray()), out);
      } else {
        out.add(panel);
      }
    }
  }

  /** The PromQL of every panel target and of every query variable. */
  List<Query> queries() {
    List<Query> out = new ArrayList<>();
    for (JsonObject panel : panels()) {
      JsonArray targets = panel.getJsonArray("targets", new JsonArray());
      for (int i = 0; i < targets.size(); i++) {
        out.add(new Query("panel \"" + panel.getString("title") + "\"", targets.getJsonObject(i).getString("expr")));
      }
    }
    JsonArray variables = json.getJsonObject("templating", new JsonObject()).getJsonArray("list", new JsonArray());
    for (int i = 0; i < variables.size(); i++) {
      JsonObject variable = variables.getJsonObject(i);
      if ("query".equals(variable.getString("type"))) {
        Object query = variable.getValue("query");
        String expr = query instanceof JsonObject q ? q.getString("query") : (String) query;
        out.add(new Query("variable $" + variable.getString("name"), expr));
      }
    }
    return out;
  }
}
