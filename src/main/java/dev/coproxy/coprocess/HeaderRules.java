package dev.coproxy.coprocess;

/**
 * Checks header names and values a plugin asks for, with Go's rules (what Tyk's HTTP stack
 * accepts): a name is a non-empty token, a value holds no control character other than tab. Vert.x
 * refuses such headers with an exception when the message is written, which would leave the
 * request without an answer; a plugin that sends one gets a bad reply instead.
 */
final class HeaderRules {

  private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

  private HeaderRules() {
  }

  /**
   * @param field where the header comes from in the reply, for the failure message
   * @throws HookFailure with reason bad_reply when the name or value cannot be sent
   */
  static void check(String field, String name, String value) {
    if (name.isEmpty()) {
      throw new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply's " + field + " has an empty header name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c < 0x80 && (Character.isLetterOrDigit(c) || TOKEN_SYMBOLS.indexOf(c) >= 0))) {
        throw new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply's " + field + " has an invalid header name: " + name);
      }
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new HookFailure(HookFailure.Reason.BAD_REPLY, "the reply's " + field + " has a control character in header " + name);
      }
    }
  }
}
