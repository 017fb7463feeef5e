package dev.coproxy.idextractor;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * What an extractor may read from a request, handed over by reference (nothing is copied): the
 * headers and query as the chain left them, the whole body, and the method (Go reads a form body
 * only for POST, PUT and PATCH).
 *
 * @param headers request headers
 * @param query the raw query, or null
 * @param body the whole body, or null
 * @param method the HTTP method name
 */
public record RequestMaterial(MultiMap headers, String query, Buffer body, String method) {
}
