package dev.coproxy.idextractor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproxy.api.ApiDefinition;
import dev.coproxy.config.ConfigException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tyk's extractor tests (reference 16.4) and Coproxy's load-time checks and XML safety. */
class IdExtractorTest {

  private static final String ORG = "test-org";
  private static final String XML = "<object><key>thevalue</key></object>";

  private static IdExtractor extractor(String from, String with, JsonObject config, String hashFunction) {
    JsonObject cm = new JsonObject().put("id_extractor", new JsonObject().put("extract_from", from).put("extract_with", with)
        .put("extractor_config", config));
    return parse(cm, "api1", hashFunction);
  }

  // The extractor of an API whose auth is its auth_check, parsed as the API loads.
  private static IdExtractor parse(JsonObject customMiddleware, String apiId, String hashFunction) {
    ApiDefinition api = ApiDefinition.parse(new JsonObject().put("api_id", apiId).put("org_id", ORG)
        .put("proxy", new JsonObject().put("listen_path", "/x/").put("target_url", "http://127.0.0.1:9"))
        .put("custom_plugin_auth_enabled", true).put("custom_middleware", customMiddleware.copy().put("driver", "grpc")));
    return IdExtractorConfig.build(api.customMiddleware().idExtractor(), apiId, ORG, hashFunction);
  }

  private static IdExtractor extractor(String from, String with, JsonObject config) {
    return extractor(from, with, config, "");
  }

  private static RequestMaterial material(String method, Map<String, String> headers, String query, String body) {
    MultiMap map = MultiMap.caseInsensitiveMultiMap();
    headers.forEach(map::add);
    return new RequestMaterial(map, query, body == null ? null : Buffer.buffer(body), method);
  }

  private static RequestMaterial header(String name, String value) {
    return material("GET", Map.of(name, value), null, null);
  }

  private static RequestMaterial form(String body) {
    return material("POST", Map.of("Content-Type", "application/x-www-form-urlencoded"), null, body);
  }

  private static RequestMaterial body(String body) {
    return material("POST", Map.of(), null, body);
  }

  private static String expected(String value) {
    return ORG + TykIds.md5Hex(value);
  }

  private static ExtractionFailure fails(IdExtractor extractor, RequestMaterial material) {
    return assertThrows(ExtractionFailure.class, () -> extractor.id(material));
  }

  @Test
  void valueFromHeaderAndForm() {
    IdExtractor header = extractor("header", "value", new JsonObject().put("header_name", "Authorization"));
    assertEquals(expected("abc"), header.id(header("authorization", "abc")));
    assertTrue(fails(header, material("GET", Map.of(), null, null)).getMessage().contains("Authorization"));
    assertTrue(header.id(header("Authorization", "abc")).startsWith(ORG), "TokenOrg(id) is the API's org");

    IdExtractor form = extractor("form", "value", new JsonObject().put("param_name", "auth"));
    assertEquals(expected("abc"), form.id(form("auth=abc&other=1")));
    fails(form, form("other=1"));
    IdExtractor alias = extractor("form", "value", new JsonObject().put("form_param_name", "auth"));
    assertEquals(expected("abc"), alias.id(form("auth=abc")));
  }

  @Test
  void formJoinsBodyQueryAndMultipartValuesAsGoDoes() {
    IdExtractor form = extractor("form", "value", new JsonObject().put("param_name", "auth"));
    RequestMaterial both = material("POST", Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        "auth=q1&x=2", "auth=b1&auth=b2");
    assertEquals(expected("b1b2q1"), form.id(both), "body values first, then the query's");
    assertEquals(expected("q1"), form.id(material("GET", Map.of("Content-Type", "application/x-www-form-urlencoded"), "auth=q1", "auth=b1")),
        "a GET body is not a form");
    String multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nnope\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"auth\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"auth\"\r\n\r\nmülti\r\n--XyZ--\r\n";
    assertEquals(expected("qmülti"), form.id(material("PUT", Map.of("Content-Type", "multipart/form-data; boundary=\"XyZ\""), "auth=q", multipart)),
        "query first, then multipart fields; file parts are not form values");
    fails(form, material("POST", Map.of("Content-Type", "multipart/form-data"), null, multipart));
  }

  @Test
  void regexTakesWholeMatchesByIndex() {
    JsonObject config = new JsonObject().put("regex_expression", "prefix-(.*)").put("regex_match_index", 0);
    IdExtractor header = extractor("header", "regex", config.copy().put("header_name", "Authorization"));
    assertEquals(expected("prefix-testkey123"), header.id(header("Authorization", "prefix-testkey123")));
    IdExtractor body = extractor("body", "regex", config);
    assertEquals(expected("prefix-testkey123"), body.id(body("prefix-testkey123")));
    IdExtractor form = extractor("form", "regex", config.copy().put("param_name", "auth"));
    assertEquals(expected("prefix-testkey123"), form.id(form("auth=prefix-testkey123")));

    IdExtractor digits = extractor("header", "regex", new JsonObject().put("header_name", "X-Key").put("regex_expression", "[0-9]+")
        .put("regex_match_index", 1));
    assertEquals(expected("67"), digits.id(header("X-Key", "a12b67c9")));
    assertTrue(fails(digits, header("X-Key", "a12b")).getMessage().contains("can't find regexp match"));
    IdExtractor tail = extractor("header", "regex", new JsonObject().put("header_name", "X-Key").put("regex_expression", "[^-]+$"));
    assertEquals(expected("d28e17f7"), tail.id(header("X-Key", "prefix-d28e17f7")));
  }

  @Test
  void xpathTakesTheFirstNodesText() {
    JsonObject config = new JsonObject().put("xpath_expression", "//object/key");
    IdExtractor header = extractor("header", "xpath", config.copy().put("header_name", "X-Xml"));
    assertEquals(expected("thevalue"), header.id(header("X-Xml", XML)));
    IdExtractor body = extractor("body", "xpath", config);
    assertEquals(expected("thevalue"), body.id(body(XML)));
    assertEquals(expected("one"), body.id(body("<object><key>one</key><key>two</key></object>")));
    IdExtractor form = extractor("form", "xpath", config.copy().put("param_name", "doc"));
    assertEquals(expected("thevalue"), form.id(form("doc=" + java.net.URLEncoder.encode(XML, StandardCharsets.UTF_8))));
    fails(body, body("<object><other>x</other></object>"));
    fails(body, body("not xml"));
    fails(body, body(""));
  }

  @Test
  void xmlWithEntitiesIsRefusedAndNothingIsRead() throws Exception {
    Path secret = Files.createTempFile("coproxy-xxe", ".txt");
    Files.writeString(secret, "TOP-SECRET-CONTENT");
    IdExtractor body = extractor("body", "xpath", new JsonObject().put("xpath_expression", "//key"));
    String external = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]><r><key>&x;</key></r>";
    assertFalse(fails(body, body(external)).getMessage().contains("TOP-SECRET"));
    String billion = "<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><r><key>&b;</key></r>";
    fails(body, body(billion));
    fails(body, body("<r><key>" + "x".repeat(IdExtractor.MAX_INPUT_CHARS) + "</key></r>"));
    Files.delete(secret);
  }

  @Test
  void querystringWorks() {
    IdExtractor param = extractor("querystring", "value", new JsonObject().put("param_name", "key"));
    assertEquals(expected("k 1"), param.id(material("GET", Map.of(), "a=1&key=k+1", null)));
    fails(param, material("GET", Map.of(), "a=1", null));
    IdExtractor whole = extractor("querystring", "regex", new JsonObject().put("regex_expression", "id-[a-z]+"));
    assertEquals(expected("id-abc"), whole.id(material("GET", Map.of(), "x=id-abc&y=1", null)));
    fails(whole, material("GET", Map.of(), null, null));
  }

  @Test
  void idsInTheBase64FormWhenHashKeyFunctionIsSet() {
    IdExtractor header = extractor("header", "value", new JsonObject().put("header_name", "Authorization"), "murmur64");
    String id = header.id(header("Authorization", "abc"));
    JsonObject decoded = new JsonObject(new String(Base64.getDecoder().decode(id), StandardCharsets.UTF_8));
    assertEquals(new JsonObject().put("org", ORG).put("id", TykIds.md5Hex("abc")).put("h", "murmur64"), decoded);
    assertEquals("{\"org\":\"o\",\"id\":\"k\",\"h\":\"sha256\"}",
        new String(Base64.getDecoder().decode(TykIds.token("o", "k", "sha256")), StandardCharsets.UTF_8));
    assertEquals("abc123", TykIds.token("abc", "abc123", ""), "an org prefix on the key id is not doubled");
  }

  @Test
  void noExtractorWhenDisabledOrWithoutMode() {
    JsonObject disabled = new JsonObject().put("id_extractor", new JsonObject().put("disabled", true).put("extract_from", "header")
        .put("extract_with", "value").put("extractor_config", new JsonObject().put("header_name", "A")));
    assertNull(parse(disabled, "a", ""));
    JsonObject empty = new JsonObject().put("id_extractor", new JsonObject().put("extract_from", "").put("extract_with", ""));
    assertNull(parse(empty, "a", ""));
    assertNull(parse(new JsonObject(), "a", ""));
  }

  @Test
  void configsThatCannotWorkNameTheirKey() {
    assertKey("custom_middleware.id_extractor.extract_from", () -> extractor("cookie", "value", new JsonObject()));
    assertKey("custom_middleware.id_extractor.extract_with", () -> extractor("header", "magic", new JsonObject().put("header_name", "A")));
    assertKey("custom_middleware.id_extractor.extract_with", () -> extractor("body", "value", new JsonObject()));
    assertKey("custom_middleware.id_extractor.extractor_config.header_name", () -> extractor("header", "value", new JsonObject()));
    assertKey("custom_middleware.id_extractor.extractor_config.param_name", () -> extractor("form", "value", new JsonObject()));
    assertKey("custom_middleware.id_extractor.extractor_config.regex_expression", () -> extractor("body", "regex", new JsonObject()));
    assertKey("custom_middleware.id_extractor.extractor_config.regex_expression",
        () -> extractor("body", "regex", new JsonObject().put("regex_expression", "([a-z")));
    assertKey("custom_middleware.id_extractor.extractor_config.regex_match_index",
        () -> extractor("body", "regex", new JsonObject().put("regex_expression", "a").put("regex_match_index", -1)));
    assertKey("custom_middleware.id_extractor.extractor_config.xpath_expression", () -> extractor("body", "xpath", new JsonObject()));
    assertKey("custom_middleware.id_extractor.extractor_config.xpath_expression",
        () -> extractor("body", "xpath", new JsonObject().put("xpath_expression", "//object[")));
    assertKey("custom_middleware.id_extractor.extractor_config.header_name",
        () -> extractor("header", "value", new JsonObject().put("header_name", new JsonObject())));
  }

  private static void assertKey(String key, org.junit.jupiter.api.function.Executable parse) {
    ConfigException e = assertThrows(ConfigException.class, parse);
    assertEquals(key, e.key(), e.getMessage());
    assertTrue(e.getMessage().contains("api1"), e.getMessage());
  }
}
