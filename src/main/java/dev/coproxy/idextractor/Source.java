package dev.coproxy.idextractor;

import java.util.Locale;

/** Where the extractor reads its input ({@code extract_from}). */
public enum Source {
  HEADER, FORM, BODY, QUERYSTRING;

  /** The config name of this source. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
