package dev.coproxy.coprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ObjectBuilderTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "x-api-key|X-Api-Key",
      "CONTENT-TYPE|Content-Type",
      "host|Host",
      "Host|Host",
      "Content-Type|Content-Type",
      "X-API-Key|X-Api-Key",
      "X-api-key|X-Api-Key",
      "X-1abc|X-1abc",
      "X-1Abc|X-1abc",
      "x_custom_header|X_custom_header",
      "www-authenticate|Www-Authenticate",
      "a--b|A--B",
      "-x|-X",
      "x-1abc|X-1abc",
      "x.y~z|X.y~z",
      "x:y|x:y",
      "x y|x y",
      "x-\u00e9t\u00e9|x-\u00e9t\u00e9",
      "x/y|x/y",
      "x{y}|x{y}"})
  void canonicalFollowsGoCanonicalMimeHeaderKey(String name, String expected) {
    assertEquals(expected, ObjectBuilder.canonical(name));
  }
}
