package dev.coproxy.routing;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.chain.Middleware;
import dev.coproxy.metrics.GatewayMetrics.ApiMeters;
import java.nio.file.Path;
import java.util.List;

/**
 * An API ready to serve: its definition, its chain built once, where it came from, and its meters.
 *
 * @param definition the validated definition
 * @param chain the chain, in order; empty for a keyless API without hooks
 * @param source the file it was read from
 * @param meters its metrics
 * @param readsBody some middleware needs the whole request body (read before the chain runs)
 * @param buffersResponse some middleware works on the response (held whole instead of streamed)
 */
public record LoadedApi(ApiDefinition definition, List<Middleware> chain, Path source, ApiMeters meters,
    boolean readsBody, boolean buffersResponse) {

  public LoadedApi(ApiDefinition definition, List<Middleware> chain, Path source, ApiMeters meters) {
    this(definition, List.copyOf(chain), source, meters,
        chain.stream().anyMatch(Middleware::readsRequestBody),
        chain.stream().anyMatch(Middleware::handlesResponse));
  }

  public LoadedApi {
    chain = List.copyOf(chain);
  }
}
