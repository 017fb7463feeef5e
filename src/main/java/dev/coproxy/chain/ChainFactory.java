package dev.coproxy.chain;

import dev.coproxy.api.ApiDefinition;
import java.util.List;

/**
 * Builds an API's request chain once, when the API is loaded. A definition that cannot work fails
 * here (with a {@link dev.coproxy.config.ConfigException}), not on a request.
 */
@FunctionalInterface
public interface ChainFactory {

  List<Middleware> build(ApiDefinition api);
}
