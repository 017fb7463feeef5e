package dev.coproxy.bundle;

import java.io.IOException;

/**
 * A bundle that cannot be used: unreachable, malformed, or failing verification. The message is the
 * reason alone (the caller names the API and the bundle).
 */
public final class BundleException extends IOException {

  public BundleException(String reason) {
    super(reason);
  }

  public BundleException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
