package dev.coproxy.proxy;

/**
 * A request path that is not served at all (answered with 400): it holds a control character, a
 * malformed escape, or a dot segment hidden where an upstream could resolve it. Thrown by
 * {@link PathCleaner}; carries no stack trace, as it is an answer, not a bug.
 */
public final class PathRefused extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public PathRefused(String message) {
    super(message, null, false, false);
  }
}
