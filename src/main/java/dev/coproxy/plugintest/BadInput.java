package dev.coproxy.plugintest;

/** Bad usage or a bad request file: {@code plugin test} exits with status 2 and this message. */
final class BadInput extends Exception {

  BadInput(String message) {
    super(message);
  }
}
