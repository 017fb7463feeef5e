package dev.coproxy.api;

import dev.coproxy.chain.Middleware;
import dev.coproxy.metrics.GatewayMetrics.ApiMeters;
import java.nio.file.Path;
import java.util.List;

/**
 * An API ready to serve: its definition, its chain built once, where it came from, and its meters.
 *
 * @param definition the validated definition
 * @param chain the request chain, in order; empty for a keyless API without hooks
 * @param source the file it was read from
 * @param meters its metrics
 */
public record LoadedApi(ApiDefinition definition, List<Middleware> chain, Path source, ApiMeters meters) {

  public LoadedApi {
    chain = List.copyOf(chain);
  }
}
