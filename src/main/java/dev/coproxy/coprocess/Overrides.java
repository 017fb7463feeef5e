package dev.coproxy.coprocess;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.proto.ReturnOverrides;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tyk's ReturnOverrides matrix (section 6): {@code response_error} wins over
 * {@code response_body}; a code of 400 or more without {@code override_error} answers through the
 * JSON error template (message defaulting to {@code Key not authorised}) and counts as an auth
 * failure; any other positive code answers the raw body as is. Headers are set either way (except
 * the framing headers, which the gateway sets), and the upstream is not called.
 */
final class Overrides {

  /** The default message of an error override without a body. */
  static final String KEY_NOT_AUTHORISED = "Key not authorised";

  private Overrides() {
  }

  /** The answer an override asks for, or null when the chain goes on. */
  static ChainInterruption evaluate(ReturnOverrides overrides) {
    int code = overrides.getResponseCode();
    if (code <= 0) {
      return null;
    }
    String body = overrides.getResponseError().isEmpty() ? overrides.getResponseBody() : overrides.getResponseError();
    Map<String, String> headers = new LinkedHashMap<>(overrides.getHeadersMap());
    // The gateway frames the body it writes: a plugin's Content-Length or Transfer-Encoding would
    // not match it and would desynchronise the client's connection.
    headers.keySet().removeIf(name -> name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding"));
    if (code >= 400 && !overrides.getOverrideError()) {
      return ChainInterruption.error(code, body.isEmpty() ? KEY_NOT_AUTHORISED : body, headers);
    }
    return ChainInterruption.raw(code, body, headers);
  }

  /** True for the error branch, which fires AuthFailure. */
  static boolean isAuthFailure(ReturnOverrides overrides) {
    return overrides.getResponseCode() >= 400 && !overrides.getOverrideError();
  }
}
