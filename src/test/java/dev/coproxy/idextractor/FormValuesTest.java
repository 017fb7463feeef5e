package dev.coproxy.idextractor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Form values as Go collects them: URL-encoded body, then query, then multipart fields. */
class FormValuesTest {

  private static final String MULTIPART = "multipart/form-data; boundary=XyZ";

  private static RequestMaterial request(String method, String query, byte[] body) {
    return new RequestMaterial(MultiMap.caseInsensitiveMultiMap(), query, body == null ? null : Buffer.buffer(body), method);
  }

  private static List<String> values(String method, String contentType, String query, String body, String name) {
    return FormValues.of(request(method, query, body == null ? null : body.getBytes(StandardCharsets.UTF_8)), contentType, name);
  }

  private static String part(String headers, String content) {
    return "--XyZ\r\n" + headers + "\r\n\r\n" + content + "\r\n";
  }

  private static String field(String name, String content) {
    return part("Content-Disposition: form-data; name=\"" + name + "\"", content);
  }

  @Test
  void urlEncodedBodyComesBeforeTheQuery() {
    assertEquals(List.of("b 1", "b2", "q1"),
        values("POST", "application/x-www-form-urlencoded; charset=utf-8", "auth=q1", "auth=b+1&x=0&auth=b%32", "auth"));
    assertEquals(List.of("q1"), values("GET", "application/x-www-form-urlencoded", "auth=q1", "auth=b1", "auth"),
        "a GET body is not a form");
    assertEquals(List.of(), values("POST", "application/x-www-form-urlencoded", null, "x=1", "auth"));
  }

  @Test
  void multipartFieldsComeAfterTheQueryInTheirOrder() {
    String body = "a preamble, which readers skip\r\n"
        + field("auth", "first")
        + field("other", "nope")
        + field("auth", "sécond")
        + "--XyZ--\r\n";
    assertEquals(List.of("q", "first", "sécond"), values("PATCH", MULTIPART, "auth=q", body, "auth"));
    assertEquals(List.of("nope"), values("POST", "Multipart/Form-Data; boundary=\"XyZ\"", null, body, "other"),
        "a quoted boundary, the type in any case");
    assertEquals(List.of(), values("POST", MULTIPART, null, body, "absent"));
    assertEquals(List.of(), values("GET", MULTIPART, null, body, "auth"), "a GET body is not a form");
  }

  @Test
  void filePartsAreNotFormValues() {
    String body = part("Content-Disposition: form-data; name=\"auth\"; filename=\"a.txt\"\r\nContent-Type: text/plain", "file")
        + field("auth", "value")
        + "--XyZ--\r\n";
    assertEquals(List.of("value"), values("POST", MULTIPART, null, body, "auth"));
  }

  @Test
  void aPartMayNameItsCharset() {
    byte[] body = Buffer.buffer()
        .appendString("--XyZ\r\nContent-Disposition: form-data; name=\"auth\"\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\ncaf")
        .appendBytes("é".getBytes(StandardCharsets.ISO_8859_1))
        .appendString("\r\n--XyZ--\r\n").getBytes();
    // In Latin-1 the part ends in the byte E9, which is not UTF-8: decoded as Latin-1 it is "café".
    assertEquals(List.of("café"), FormValues.of(request("POST", null, body), MULTIPART, "auth"));
  }

  @Test
  void aMultipartBodyWithoutBoundaryOrCutOffFails() {
    String body = field("auth", "value") + "--XyZ--\r\n";
    ExtractionFailure missing = assertThrows(ExtractionFailure.class, () -> values("POST", "multipart/form-data", null, body, "auth"));
    assertEquals("multipart/form-data body without a boundary", missing.getMessage());
    assertThrows(ExtractionFailure.class, () -> values("POST", "multipart/form-data; boundary=", null, body, "auth"));
    assertThrows(ExtractionFailure.class, () -> values("POST", "multipart/form-data; charset=utf-8", null, body, "auth"));
    assertEquals(List.of("q"), values("POST", "multipart/form-data; boundary=Other", "auth=q", body, "auth"),
        "a body whose parts use another boundary is all preamble: it has no fields");
    assertThrows(ExtractionFailure.class,
        () -> values("POST", MULTIPART, null, "--XyZ\r\nContent-Disposition: form-data; name=\"auth\"\r\n\r\nno end", "auth"),
        "a body cut off in a part");
    // Unlike Go's reader, Netty's keeps the whole parts before a cut in the headers of the next one.
    assertEquals(List.of("value"),
        values("POST", MULTIPART, null, field("auth", "value") + "--XyZ\r\nContent-Disposition: form-data; name=\"au", "auth"));
  }
}
