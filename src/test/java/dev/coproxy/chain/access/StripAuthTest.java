package dev.coproxy.chain.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What strip_auth_data leaves of a query and a Cookie line. */
class StripAuthTest {

  @Test
  void onlyTheNamedParameterGoesTheRestStaysAsWritten() {
    assertEquals("b=2&a=1", StripAuth.withoutParam("b=2&api_key=k&a=1", "api_key"));
    assertEquals("", StripAuth.withoutParam("api_key=k", "api_key"));
    assertEquals("x=%20y", StripAuth.withoutParam("api%5Fkey=k&x=%20y&api_key", "api_key"));
    assertEquals("api_keys=1", StripAuth.withoutParam("api_keys=1", "api_key"));
    assertEquals(null, StripAuth.withoutParam(null, "api_key"));
  }

  @Test
  void onlyCookiesOfThatExactNameGo() {
    assertEquals("a=1; b=2", StripAuth.withoutCookie("a=1; session=k; b=2", "session"));
    assertEquals("sessionid=3", StripAuth.withoutCookie("session=k;sessionid=3; session=again", "session"));
    assertEquals("", StripAuth.withoutCookie("session=k", "session"));
  }
}
