package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.chain.ChainInterruption;
import dev.coproxy.proto.ReturnOverrides;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Tyk's TestResponseOverride matrix (section 6) on {@link Overrides#evaluate}. */
class OverridesTest {

  private static final String JSON = "{\"foo\": \"bar\"}";

  private static ReturnOverrides overrides(int code, String error, String body, boolean overrideError) {
    return ReturnOverrides.newBuilder().setResponseCode(code).setResponseError(error).setResponseBody(body)
        .setOverrideError(overrideError).putHeaders("X-Foo", "Bar").build();
  }

  @ParameterizedTest(name = "code {0}, error {1}, body {2}, override_error {3}")
  @CsvSource(delimiter = '|', nullValues = "null", value = {
      // code | response_error | response_body | override_error | raw body | error message
      "200 | json | ''     | false | json   | null",
      "200 | ''   | foobar | false | foobar | null",
      "400 | json | ''     | false | null   | json",
      "400 | ''   | foobar | false | null   | foobar",
      "401 | json | ''     | false | null   | json",
      "400 | json | ''     | true  | json   | null",
      "400 | ''   | foobar | true  | foobar | null",
      "401 | json | ''     | true  | json   | null",
      "403 | ''   | ''     | false | null   | Key not authorised",
      "302 | ''   | ''     | false | ''     | null",
      "500 | err  | body   | false | null   | err",
      "201 | err  | body   | false | err    | null"})
  void matrix(int code, String error, String body, boolean overrideError, String rawBody, String message) {
    ReturnOverrides ro = overrides(code, expand(error), expand(body), overrideError);
    ChainInterruption stop = Overrides.evaluate(ro);
    assertEquals(code, stop.status());
    assertEquals(expand(rawBody), stop.rawBody());
    if (message != null) {
      assertEquals(expand(message), stop.getMessage());
    }
    assertEquals(Map.of("X-Foo", "Bar"), stop.headers());
    assertEquals(message != null, Overrides.isAuthFailure(ro));
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 0, -400})
  void noOverrideBelowOne(int code) {
    ReturnOverrides ro = overrides(code, "error", "body", false);
    assertNull(Overrides.evaluate(ro));
    assertFalse(Overrides.isAuthFailure(ro));
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 404, 599})
  void errorBranchIsAnAuthFailure(int code) {
    assertTrue(Overrides.isAuthFailure(overrides(code, "", "", false)));
    assertFalse(Overrides.isAuthFailure(overrides(code, "", "", true)));
  }

  @org.junit.jupiter.api.Test
  void framingHeadersAreLeftToTheGateway() {
    ReturnOverrides ro = ReturnOverrides.newBuilder().setResponseCode(200).setResponseBody("hello")
        .putHeaders("content-length", "2").putHeaders("Transfer-Encoding", "chunked").putHeaders("X-Foo", "Bar").build();
    assertEquals(Map.of("X-Foo", "Bar"), Overrides.evaluate(ro).headers());
  }

  private static String expand(String value) {
    return "json".equals(value) ? JSON : value;
  }
}
